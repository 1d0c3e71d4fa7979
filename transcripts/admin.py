from django.contrib import admin

from core.admin_mixins import ArchivableAdminMixin, NoDeleteAdminMixin
from transcripts import services
from transcripts.models import Speaker, Transcription, TranscriptionVersion


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
    inlines = [TranscriptionVersionInline]

    def has_add_permission(self, request):
        return False

    def get_readonly_fields(self, request, obj=None):
        # Every field, present and future: nothing here is edited in place.
        return [f.name for f in Transcription._meta.concrete_fields if f.name != "id"]

    def save_model(self, request, obj, form, change):
        # The text changes in the editor (as versions), `archived` through the actions.
        pass

    def archive(self, obj, user):
        return services.transcription_archive(transcription=obj, user=user)

    def restore(self, obj, user):
        return services.transcription_restore(transcription=obj, user=user)


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


@admin.register(Speaker)
class SpeakerAdmin(NoDeleteAdminMixin, admin.ModelAdmin):
    """Speakers mirror the newest transcript version (renames are versioned edits in the
    editor), so they are only viewed here."""

    list_display = ("name", "label", "transcription", "archived", "updated_at")
    list_filter = ("archived",)
    search_fields = ("name", "transcription__audio_file__file_name")
    list_select_related = ("transcription__audio_file",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
