from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from core.admin_mixins import NoDeleteAdminMixin, ServiceSaveAdminMixin
from core.stale import StaleSaveFormMixin
from languages import services
from languages.models import Language


class LanguageAdminForm(StaleSaveFormMixin, forms.ModelForm):
    """The change form and the list's inline edits (`active`) check the service's rules;
    the change form also refuses a stale save (`core.stale`)."""

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
    list_display = (
        "code",
        "name",
        "direction",
        "word_boundaries",
        "caption_chars_per_line",
        "caption_chars_per_second",
        "active",
    )
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
