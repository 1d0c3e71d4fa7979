from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from max_site.admin_mixins import NoDeleteAdminMixin
from summaries import services
from summaries.models import FeedbackLog, GeneratedSummary, PromptTemplate, PromptVersion


class PromptTemplateAdminForm(forms.ModelForm):
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
            services.prompt_template_validate(content)
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
class PromptTemplateAdmin(NoDeleteAdminMixin, admin.ModelAdmin):
    """Saving goes through the same service as the Settings page: a new version each time."""

    form = PromptTemplateAdminForm
    list_display = ("template_name", "version_number", "updated_at")
    search_fields = ("template_name",)
    inlines = [PromptVersionInline]

    def get_readonly_fields(self, request, obj=None):
        return ("template_name", "version_number") if obj else ("version_number",)

    def save_model(self, request, obj, form, change):
        content = form.cleaned_data["template_content"]
        notes = form.cleaned_data.get("change_notes", "")
        if change:
            saved = services.prompt_template_update(
                template=obj, content=content, changed_by=request.user, change_notes=notes
            )
        else:
            saved = services.prompt_template_create(
                template_name=obj.template_name,
                content=content,
                created_by=request.user,
                change_notes=notes or "First version.",
            )
        obj.pk = saved.pk
        obj.version_number = saved.version_number


@admin.register(PromptVersion)
class PromptVersionAdmin(NoDeleteAdminMixin, admin.ModelAdmin):
    list_display = ("template", "version_number", "changed_by", "created_at")
    list_filter = ("template",)
    list_select_related = ("template", "changed_by")

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
