from django.contrib import admin

from max_site.admin_mixins import ArchivableAdminMixin
from media_files.models import AudioFile


@admin.register(AudioFile)
class AudioFileAdmin(ArchivableAdminMixin, admin.ModelAdmin):
    list_display = ("file_name", "project", "file_type", "duration_seconds", "uploaded_by")
    list_filter = ("file_type", "sonix_status")
    search_fields = ("file_name", "sonix_media_id")
    list_select_related = ("project", "uploaded_by")
    readonly_fields = (
        "project",
        "file_path",
        "file_size_bytes",
        "duration_seconds",
        "uploaded_by",
        "created_at",
        "updated_at",
        "sonix_media_id",
        "sonix_status",
    )

    def project_id_for(self, obj):
        return obj.project_id

    def has_add_permission(self, request):
        return False  # uploads go through the validated upload page
