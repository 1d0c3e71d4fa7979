from django.contrib import admin

from core.admin_mixins import NoDeleteAdminMixin
from translations.models import Translation, TranslationMemory, TranslationVersion, VoiceOver


class TranslationVersionInline(admin.TabularInline):
    model = TranslationVersion
    fields = ("version_number", "version_type", "origin", "edited_by", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Translation)
class TranslationAdmin(NoDeleteAdminMixin, admin.ModelAdmin):
    list_display = ("transcription", "language_code", "source_version", "final_version")
    list_filter = ("language_code",)
    search_fields = ("transcription__audio_file__file_name", "translated_text")
    list_select_related = ("transcription__audio_file", "source_version", "final_version")
    inlines = [TranslationVersionInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(TranslationVersion)
class TranslationVersionAdmin(NoDeleteAdminMixin, admin.ModelAdmin):
    list_display = (
        "translation",
        "version_type",
        "version_number",
        "origin",
        "edited_by",
        "created_at",
    )
    list_select_related = ("translation", "edited_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(VoiceOver)
class VoiceOverAdmin(NoDeleteAdminMixin, admin.ModelAdmin):
    list_display = ("translation", "version", "engine", "voice_id", "created_by", "created_at")
    list_select_related = ("translation", "version", "created_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(TranslationMemory)
class TranslationMemoryAdmin(NoDeleteAdminMixin, admin.ModelAdmin):
    """Read only: entries come from reviewed segments and TMX imports (services_review)."""

    list_display = ("source_text", "target_language", "target_text", "usage_count", "updated_at")
    list_filter = ("target_language",)
    search_fields = ("source_text", "target_text")
    readonly_fields = [f.name for f in TranslationMemory._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
