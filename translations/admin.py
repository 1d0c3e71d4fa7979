from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from max_site.admin_mixins import NoDeleteAdminMixin, ServiceSaveAdminMixin
from max_site.stale import StaleSaveFormMixin
from translations import services
from translations.models import Language, Translation, TranslationVersion, VoiceOver


class LanguageAdminForm(StaleSaveFormMixin, forms.ModelForm):
    """The change form and the list's inline edits (`active`) check the service's rules;
    the change form also refuses a stale save (`max_site.stale`)."""

    class Meta:
        model = Language
        fields = ("code", *services.LANGUAGE_EDITABLE)

    def clean(self):
        data = super().clean()
        if not self.errors:
            adding = self.instance._state.adding
            changes = {k: data[k] for k in services.LANGUAGE_EDITABLE if k in data}
            try:
                services.language_validate(
                    language=None if adding else self.instance,
                    code=data.get("code", "") if adding else self.instance.code,
                    changes=changes,
                )
            except ValidationError as error:
                self.add_error(None, error)
        return data

    def validate_unique(self):
        pass  # the service's check, with its message


@admin.register(Language)
class LanguageAdmin(ServiceSaveAdminMixin, NoDeleteAdminMixin, admin.ModelAdmin):
    """Admin-only: which languages exist and which are translated into by default."""

    form = LanguageAdminForm
    list_display = ("code", "name", "direction", "word_boundaries", "active")
    list_filter = ("active", "direction")
    list_editable = ("active",)
    search_fields = ("code", "name")

    def get_readonly_fields(self, request, obj=None):
        # Translations and glossary entries name their language by code.
        return ("code", "created_at") if obj else ("created_at",)

    def get_changelist_form(self, request, **kwargs):
        return super().get_changelist_form(request, form=LanguageAdminForm, **kwargs)

    def save_through_service(self, request, obj, form, change):
        if change:
            changes = {
                k: form.cleaned_data[k]
                for k in form.changed_data
                if k in services.LANGUAGE_EDITABLE
            }
            return services.language_update(
                language=obj,
                user=request.user,
                based_on=form.cleaned_data.get("based_on") or None,
                **changes,
            )
        fields = {k: form.cleaned_data[k] for k in services.LANGUAGE_EDITABLE}
        return services.language_create(user=request.user, code=form.cleaned_data["code"], **fields)


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
