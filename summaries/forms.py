from django import forms
from django.core.exceptions import ValidationError

from summaries import services


class PromptTemplateEditForm(forms.Form):
    template_content = forms.CharField(
        label="Template", widget=forms.Textarea(attrs={"rows": 12}), strip=False
    )
    change_notes = forms.CharField(
        label="Change notes",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Why you changed it; kept with the new version.",
    )
    based_on_version = forms.IntegerField(widget=forms.HiddenInput)

    def clean_template_content(self):
        content = self.cleaned_data["template_content"]
        try:
            services.prompt_template_validate(content)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc
        return content
