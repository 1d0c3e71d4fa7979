from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from core.admin_mixins import ArchivableAdminMixin, ServiceSaveAdminMixin
from core.stale import StaleSaveFormMixin
from glossary import services
from glossary.models import DictionaryEntry


class DictionaryEntryAdminForm(StaleSaveFormMixin, forms.ModelForm):
    """Also refuses a stale save (`core.stale`), as the entry's edit page does."""

    class Meta:
        model = DictionaryEntry
        fields = ("term_original", "term_corrected", "language_code", "context", "source_term")

    def clean(self):
        data = super().clean()
        if not self.errors:
            # The same checks the glossary pages make (empty, punctuation-only, unknown
            # language, duplicates ignoring case), as form errors rather than a crash.
            data.update(
                services.entry_validate(
                    term_original=data.get("term_original", ""),
                    term_corrected=data.get("term_corrected", ""),
                    language_code=data.get("language_code", ""),
                    context=data.get("context") or "",
                    exclude_pk=None if self.instance._state.adding else self.instance.pk,
                )
            )
            data["source_term"] = services.clean_source_term(
                data.get("source_term"), data["language_code"]
            )
        return data

    def validate_unique(self):
        # Uniqueness is the service's check (case-insensitive); the model's exact
        # constraint check would only repeat it with a vaguer message.
        pass


@admin.register(DictionaryEntry)
class DictionaryEntryAdmin(ServiceSaveAdminMixin, ArchivableAdminMixin, admin.ModelAdmin):
    form = DictionaryEntryAdminForm
    list_display = (
        "term_original",
        "term_corrected",
        "language_code",
        "context",
        "source_term",
        "usage_count",
        "archived",
    )
    list_filter = ("language_code",)
    search_fields = ("term_original", "term_corrected", "context", "source_term")
    readonly_fields = ("usage_count", "created_by", "created_at", "updated_at")

    def get_readonly_fields(self, request, obj=None):
        # Archive and restore go through the actions (and the glossary pages).
        return (*self.readonly_fields, "archived")

    def save_through_service(self, request, obj, form, change):
        data = {
            "term_original": obj.term_original,
            "term_corrected": obj.term_corrected,
            "language_code": obj.language_code,
            "context": obj.context,
            "source_term": obj.source_term,
        }
        if change:
            based_on = form.cleaned_data.get("based_on") or None
            return services.entry_update(entry=obj, user=request.user, based_on=based_on, **data)
        return services.entry_create(user=request.user, **data)

    def _set_archived(self, request, queryset, archived: bool):
        done, refused = 0, []
        for entry in queryset:
            try:
                services.entry_set_archived(entry=entry, archived=archived, user=request.user)
                done += 1
            except ValidationError as exc:
                refused.extend(exc.messages)
        verb = "Archived" if archived else "Restored"
        self.message_user(request, f"{verb} {done} row(s).", messages.SUCCESS)
        for message in refused:
            self.message_user(request, message, messages.ERROR)
