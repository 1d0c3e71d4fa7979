from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from core.admin_mixins import ArchivableAdminMixin, ServiceSaveAdminMixin
from media_files import services
from media_files.models import AudioFile


class AudioFileAdminForm(forms.ModelForm):
    class Meta:
        model = AudioFile
        fields = ("file_name",)

    def clean_file_name(self):
        # The upload's rules: no control or direction characters, no paths.
        try:
            return services.file_name_check(self.cleaned_data.get("file_name"))
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from error


@admin.register(AudioFile)
class AudioFileAdmin(ServiceSaveAdminMixin, ArchivableAdminMixin, admin.ModelAdmin):
    form = AudioFileAdminForm
    list_display = ("file_name", "project", "file_type", "duration_seconds", "uploaded_by")
    list_filter = ("file_type", "sonix_status")
    search_fields = ("file_name", "sonix_media_id")
    list_select_related = ("project", "uploaded_by")
    readonly_fields = (
        "project",
        "file_path",
        "file_size_bytes",
        "duration_seconds",
        "file_type",
        "uploaded_by",
        "created_at",
        "updated_at",
        "sonix_media_id",
        "sonix_status",
    )

    def has_add_permission(self, request):
        return False  # uploads go through the validated upload page

    def save_through_service(self, request, obj, form, change):
        return services.audio_file_rename(
            audio_file=obj, user=request.user, file_name=form.cleaned_data["file_name"]
        )

    def archive(self, obj, user):
        return services.audio_file_archive(audio_file=obj, user=user)

    def restore(self, obj, user):
        return services.audio_file_restore(audio_file=obj, user=user)
