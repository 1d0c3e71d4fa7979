from django import forms
from django.conf import settings
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower

from core.stale import StaleSaveFormMixin
from glossary.models import DictionaryEntry
from glossary.services import file_too_large_message
from languages.models import Language

SORTS = {
    "name": ("Name (A–Z)", (Lower("term_original"), "language_code")),
    "-name": ("Name (Z–A)", (Lower("term_original").desc(), "language_code")),
    "usage": ("Most used", ("-usage_count", Lower("term_original"))),
    "-usage": ("Least used", ("usage_count", Lower("term_original"))),
    "recent": ("Recently changed", ("-updated_at", "pk")),
}
STATUSES = {"active": "Active", "archived": "Archived", "all": "Active and archived"}


def language_choices(include: str | None = None) -> list[tuple[str, str]]:
    languages = Language.objects.filter(Q(active=True) | Q(code=include or ""))
    return [(lang.code, f"{lang.name} ({lang.code})") for lang in languages.order_by("code")]


class EntryFilterForm(forms.Form):
    """The list's search, filters and sort; also what export exports."""

    q = forms.CharField(
        required=False,
        label="Search the glossary",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "term or context"}),
    )
    language = forms.ChoiceField(required=False, label="Language")
    context = forms.CharField(
        required=False, label="Context", widget=forms.TextInput(attrs={"list": "glossary-contexts"})
    )
    status = forms.ChoiceField(
        required=False, choices=list(STATUSES.items()), label="Show", initial="active"
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[(key, label) for key, (label, _) in SORTS.items()],
        label="Sort by",
        initial="name",
    )

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["language"].choices = [("", "All languages"), *language_choices()]

    def value(self, name: str) -> str:
        """The valid value of a filter, else its default (a bad parameter never errors)."""
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        return self.cleaned_data.get(name) or self.fields[name].initial or ""

    def filter(self, entries: QuerySet[DictionaryEntry]) -> QuerySet[DictionaryEntry]:
        status = self.value("status")
        if status == "active":
            entries = entries.filter(archived=False)
        elif status == "archived":
            entries = entries.filter(archived=True)
        if q := self.value("q").strip():
            entries = entries.filter(
                Q(term_original__icontains=q)
                | Q(term_corrected__icontains=q)
                | Q(context__icontains=q)
            )
        if language := self.value("language"):
            entries = entries.filter(language_code=language)
        if context := self.value("context").strip():
            entries = entries.filter(context__icontains=context)
        return entries.order_by(*SORTS[self.value("sort")][1])


class EntryForm(StaleSaveFormMixin, forms.Form):
    stale_what = "glossary entry"

    term_original = forms.CharField(
        label="Original (as the machine writes it)",
        max_length=500,
        help_text="Matched as a whole word or phrase, ignoring case.",
    )
    term_corrected = forms.CharField(
        label="Correct term",
        max_length=500,
        help_text="The same as the original for a term to keep as it is (a canonical term).",
    )
    language_code = forms.ChoiceField(label="Language", initial="en")
    context = forms.CharField(
        required=False, max_length=500, label="Context", help_text="e.g. prosthetics"
    )
    source_term = forms.CharField(
        required=False,
        max_length=500,
        label="English term it translates",
        help_text="For a term in another language: the English term it renders, e.g. "
        "“ceramic crown” for the Spanish “corona cerámica”. Empty for an English entry.",
    )

    def __init__(self, *args, entry: DictionaryEntry | None = None, **kwargs):
        super().__init__(*args, edits=entry, **kwargs)
        self.fields["language_code"].choices = language_choices(
            entry.language_code if entry else None
        )

    def values_of(self, row: DictionaryEntry) -> dict[str, str]:
        return {
            "term_original": row.term_original,
            "term_corrected": row.term_corrected,
            "language_code": row.language_code,
            "context": row.context or "",
            "source_term": row.source_term or "",
        }


class ImportForm(forms.Form):
    file = forms.FileField(
        label="CSV or TBX file",
        help_text="CSV with the header term_original,term_corrected,language_code,context "
        "(UTF-8), or TBX (.tbx) as memoQ, Trados or Weblate export it.",
    )
    dry_run = forms.BooleanField(
        required=False, label="Only check the file (import nothing)", initial=False
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.GLOSSARY_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(file_too_large_message(upload.size))
        return upload
