from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html

from core.admin_mixins import NoDeleteAdminMixin, ServiceSaveAdminMixin
from core.stale import StaleSaveFormMixin
from summaries.models import FeedbackLog, GeneratedSummary, PromptTemplate, PromptVersion
from summaries.services.templates import (
    prompt_template_create,
    prompt_template_revert,
    prompt_template_update,
    prompt_template_validate,
)


class PromptTemplateAdminForm(StaleSaveFormMixin, forms.ModelForm):
    """Also refuses a stale save (`core.stale`), as the Settings page does."""

    change_notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Why you changed the template; kept with the new version.",
    )

    class Meta:
        model = PromptTemplate
        fields = ("template_name", "template_content")

    def clean_template_content(self):
        content = self.cleaned_data["template_content"]
        try:
            prompt_template_validate(content)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc
        return content


class PromptVersionInline(admin.TabularInline):
    model = PromptVersion
    fields = ("version_number", "changed_by", "change_notes", "created_at", "template_content")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("-version_number",)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PromptTemplate)
class PromptTemplateAdmin(ServiceSaveAdminMixin, NoDeleteAdminMixin, admin.ModelAdmin):
    """Saving goes through the same service as the Settings page: a new version each time."""

    form = PromptTemplateAdminForm
    list_display = ("template_name", "version_number", "updated_at")
    search_fields = ("template_name",)
    inlines = [PromptVersionInline]

    def get_readonly_fields(self, request, obj=None):
        if obj:
            return ("template_name", "version_number", "history")
        return ("version_number",)

    @admin.display(description="History")
    def history(self, obj):
        url = reverse("summaries:template_history", args=[obj.pk])
        return format_html('<a href="{}">Compare versions and revert</a>', url)

    def save_through_service(self, request, obj, form, change):
        content = form.cleaned_data["template_content"]
        notes = form.cleaned_data.get("change_notes", "")
        if change:
            return prompt_template_update(
                template=obj,
                content=content,
                user=request.user,
                change_notes=notes,
                based_on=form.cleaned_data.get("based_on") or None,
            )
        return prompt_template_create(
            template_name=obj.template_name,
            content=content,
            user=request.user,
            change_notes=notes or "First version.",
        )


@admin.register(PromptVersion)
class PromptVersionAdmin(NoDeleteAdminMixin, admin.ModelAdmin):
    list_display = ("template", "version_number", "changed_by", "change_notes", "created_at")
    list_filter = ("template",)
    list_select_related = ("template", "changed_by")
    actions = ["revert_to_version"]

    @admin.action(
        description="Revert the template to the selected version (as a new version)",
        permissions=["revert"],
    )
    def revert_to_version(self, request, queryset):
        versions = list(queryset.select_related("template")[:2])
        if len(versions) != 1:
            self.message_user(request, "Select exactly one version.", messages.ERROR)
            return
        version = versions[0]
        try:
            template = prompt_template_revert(
                template=version.template,
                version_number=version.version_number,
                user=request.user,
            )
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return
        self.message_user(
            request,
            f"{template.template_name} now has version {version.version_number}'s text, "
            f"saved as version {template.version_number}.",
            messages.SUCCESS,
        )

    def has_revert_permission(self, request):
        return request.user.has_perm("summaries.change_prompttemplate")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(GeneratedSummary)
class GeneratedSummaryAdmin(NoDeleteAdminMixin, admin.ModelAdmin):
    list_display = ("transcription", "summary_type", "generated_at", "finalized_at", "edited_by")
    list_filter = ("summary_type",)
    list_select_related = ("transcription__audio_file", "edited_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(FeedbackLog)
class FeedbackLogAdmin(NoDeleteAdminMixin, admin.ModelAdmin):
    list_display = ("summary", "created_at")
    list_select_related = ("summary",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
