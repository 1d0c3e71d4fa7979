from django.contrib import admin

from max_site.admin_mixins import ArchivableAdminMixin, NoDeleteAdminMixin
from transcripts.models import Transcription, TranscriptionVersion


class TranscriptionVersionInline(admin.TabularInline):
    model = TranscriptionVersion
    fields = ("version_type", "edited_by", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Transcription)
class TranscriptionAdmin(ArchivableAdminMixin, admin.ModelAdmin):
    list_display = ("audio_file", "transcription_type", "source", "final_version", "created_at")
    list_filter = ("source", "language_code")
    search_fields = ("audio_file__file_name", "raw_text")
    list_select_related = ("audio_file", "final_version")
    readonly_fields = (
        "audio_file",
        "transcription_type",
        "language_code",
        "raw_text",
        "json_with_timestamps",
        "created_by",
        "created_at",
        "updated_at",
        "source",
        "final_version",
    )
    inlines = [TranscriptionVersionInline]

    def project_id_for(self, obj):
        return obj.audio_file.project_id

    def has_add_permission(self, request):
        return False


@admin.register(TranscriptionVersion)
class TranscriptionVersionAdmin(NoDeleteAdminMixin, admin.ModelAdmin):
    """Versions are immutable snapshots: viewable here, created only by the editor."""

    list_display = ("transcription", "version_type", "edited_by", "created_at")
    search_fields = ("transcription__audio_file__file_name", "version_type")
    list_select_related = ("transcription__audio_file", "edited_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
