from django import forms
from django.core.exceptions import ValidationError

from core.stale import StaleSaveFormMixin
from summaries.models import GeneratedSummary, PromptTemplate
from summaries.services.templates import prompt_template_validate


class PromptTemplateEditForm(StaleSaveFormMixin, forms.Form):
    stale_what = "template"

    template_content = forms.CharField(
        label="Template", widget=forms.Textarea(attrs={"rows": 12}), strip=False
    )
    change_notes = forms.CharField(
        label="Change notes",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Why you changed it; kept with the new version.",
    )

    def __init__(self, *args, template: PromptTemplate, **kwargs):
        super().__init__(*args, edits=template, **kwargs)

    def values_of(self, row: PromptTemplate) -> dict[str, str]:
        return {"template_content": row.template_content}

    def clean_template_content(self):
        content = self.cleaned_data["template_content"].replace("\r\n", "\n")
        try:
            prompt_template_validate(content)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc
        return content


class PromptRevertForm(forms.Form):
    version_number = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    change_notes = forms.CharField(label="Why", required=False, max_length=1000)


class PromptCompareForm(forms.Form):
    a = forms.IntegerField(label="Compare version", min_value=1)
    b = forms.IntegerField(label="with version", min_value=1)


GENERATE_ALL = "all"


class SummaryGenerateForm(forms.Form):
    summary_type = forms.ChoiceField(
        choices=[(GENERATE_ALL, "All missing"), *GeneratedSummary.SummaryType.choices]
    )
    replace_edits = forms.BooleanField(required=False, label="Replace my edits")


ACCEPT_WARNINGS_LABEL = "Finalize it anyway, although it fails the checks above"


class SummaryEditForm(forms.Form):
    text = forms.CharField(label="Text", widget=forms.Textarea(attrs={"rows": 14}), strip=False)
    based_on = forms.CharField(widget=forms.HiddenInput)
    accept_warnings = forms.BooleanField(required=False, label=ACCEPT_WARNINGS_LABEL)


class SummaryFinalizeForm(forms.Form):
    based_on = forms.CharField(widget=forms.HiddenInput)
    accept_warnings = forms.BooleanField(required=False, label=ACCEPT_WARNINGS_LABEL)


class FeedbackFilterForm(forms.Form):
    type = forms.ChoiceField(
        choices=[("", "All types"), *GeneratedSummary.SummaryType.choices], required=False
    )
    version = forms.UUIDField(required=False, widget=forms.HiddenInput)
