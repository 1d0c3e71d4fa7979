import datetime

from django import forms
from django.db.models import Q

from core.stale import StaleSaveFormMixin
from core.text import clean_line
from projects.models import Project, ProjectType


class ProjectForm(StaleSaveFormMixin, forms.Form):
    name = forms.CharField(max_length=300)
    project_type = forms.ModelChoiceField(
        queryset=ProjectType.objects.none(), empty_label="Choose a type…", label="Type"
    )
    location = forms.CharField(required=False, max_length=300)
    speaker = forms.CharField(
        required=False,
        max_length=80,
        label="Default speaker",
        help_text="Who speaks in this project's recordings unless a transcript names another "
        "speaker. Empty: the site's default.",
    )
    date = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    misc = forms.CharField(
        required=False, max_length=5000, label="Notes", widget=forms.Textarea(attrs={"rows": 3})
    )
    requires_approval = forms.BooleanField(
        required=False,
        label="Versions need approval",
        help_text="Finalize becomes “Request approval”: someone with the approve permission, "
        "not the version’s author, approves it before it is final and can be translated.",
    )

    def __init__(self, *args, project: Project | None = None, **kwargs):
        super().__init__(*args, edits=project, **kwargs)
        types = Q(archived=False)
        if project is not None:  # a project may keep the (now archived) type it has
            types |= Q(pk=project.project_type_id)
        self.fields["project_type"].queryset = ProjectType.objects.filter(types).order_by("name")
        initial_date = self.initial.get("date")
        if initial_date and not _is_iso_date(initial_date):
            # Older free-text dates ("Spring 2024") stay editable instead of being wiped.
            self.fields["date"] = forms.CharField(required=False, max_length=100)

    def clean_speaker(self) -> str:
        # Exports (DOCX) cannot hold control characters; a name never needs them.
        return clean_line(self.cleaned_data.get("speaker"))

    def values_of(self, row: Project) -> dict:
        return {
            "name": row.name,
            "project_type": row.project_type_id,
            "location": row.location,
            "speaker": (row.metadata or {}).get("speaker", ""),
            "date": row.date,
            "misc": row.misc,
            "requires_approval": row.requires_approval,
        }

    def metadata(self) -> dict[str, str]:
        date = self.cleaned_data.get("date")
        return {
            "location": self.cleaned_data.get("location", ""),
            "date": date.isoformat() if isinstance(date, datetime.date) else (date or ""),
            "misc": self.cleaned_data.get("misc", ""),
            "speaker": self.cleaned_data.get("speaker", ""),
        }


def _is_iso_date(value) -> bool:
    if isinstance(value, datetime.date):
        return True
    try:
        datetime.date.fromisoformat(str(value))
    except ValueError:
        return False
    return True
