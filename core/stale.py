"""Stale saves are refused: one mechanism for every form that edits an existing row.

Two editors open the same project; the first renames it, the second saves a moment later
and would silently put the old name back. So a form that edits a row carries the row's
edit token (its `updated_at`, which every write through a service moves) in a hidden
`based_on` field, and the service, holding the row under `select_for_update`, refuses the
save with `StaleEdit` when the token no longer matches. The form then shows the newer
values beside the editor's own (which stay in the form, never lost) and takes the current
token, so saving again is a deliberate choice to replace the other editor's change.

    class ProjectForm(StaleSaveFormMixin, forms.Form):
        def values_of(self, row): ...            # the form's initial values for a row

    form = ProjectForm(request.POST or None, edits=project)
    try:
        services.project_update(..., based_on=form.cleaned_data["based_on"])
    except StaleEdit as exc:
        form.show_newer(exc)                      # and answer 409

The services call `refuse_stale(current=<locked row>, based_on=..., what="project")`.
A ModelForm (the admin) needs no `values_of`: its row is its instance.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import model_to_dict
from django.forms.utils import pretty_name


class StaleEdit(ValidationError):
    """The row changed after the form was shown; `current` is the row as it is now."""

    def __init__(self, *, current: models.Model, what: str):
        self.current = current
        self.what = what
        super().__init__(f"Someone else saved this {what} while you were editing it.", code="stale")


def edit_token(row: models.Model) -> str:
    return row.updated_at.isoformat()


def refuse_stale(*, current: models.Model, based_on: str | None, what: str) -> None:
    """Raise StaleEdit unless `based_on` is `current`'s token. Call it on the row as
    re-read under `select_for_update`; `based_on=None` (a caller that did not show the
    row to anyone, such as a command) skips the check."""
    if based_on is not None and based_on != edit_token(current):
        raise StaleEdit(current=current, what=what)


class StaleSaveFormMixin:
    """A hidden `based_on` token for a form that edits `edits` (see the module docstring).

    `clean` already compares the token with the row as it is now, so a stale save is
    refused as a form error before anything is written (the admin shows it like any other);
    the service's check under the row lock settles the race in between. A form that edits
    a row must carry the token; only the admin's list edits (a ModelForm without it) save
    without the check, and they write just the fields changed in the list.
    """

    # Collected by the forms' metaclass through the MRO, so the admin lists it too.
    declared_fields = {"based_on": forms.CharField(required=False, widget=forms.HiddenInput)}
    # How a refusal names the row ("project"); default: the model's verbose name.
    stale_what: str | None = None

    def __init__(self, *args, edits: models.Model | None = None, **kwargs):
        if edits is None and isinstance(self, forms.ModelForm):
            instance = kwargs.get("instance")
            edits = instance if instance is not None and not instance._state.adding else None
        self.edited_row = edits
        if edits is not None and not isinstance(self, forms.ModelForm):
            kwargs.setdefault("initial", self.values_of(edits))
        super().__init__(*args, **kwargs)
        if edits is not None:
            self.initial["based_on"] = edit_token(edits)

    def clean(self):
        cleaned = super().clean()
        row = self.edited_row
        if row is None:
            return cleaned
        based_on = cleaned.get("based_on")
        if not based_on:
            if isinstance(self, forms.ModelForm):
                return cleaned
            # A hidden field's own error would not show on most pages: say it for the form.
            raise ValidationError(
                "The form is damaged (it lacks the version it was based on): reload the page."
            )
        current = type(row)._default_manager.filter(pk=row.pk).first()
        if current is not None and edit_token(current) != based_on:
            what = self.stale_what or str(current._meta.verbose_name)
            self.show_newer(StaleEdit(current=current, what=what))
        return cleaned

    def values_of(self, row: models.Model) -> dict[str, Any]:
        """The form's values for `row` (its initial values when it edits that row): by
        default the model fields the form has; forms whose fields differ override it."""
        return model_to_dict(row, fields=list(self.base_fields))

    def show_newer(self, error: StaleEdit) -> None:
        """Refuse the save: name what the other editor saved, keep what this one typed,
        and take the newer token so that saving again replaces theirs knowingly."""
        newer = self.values_of(error.current)
        submitted = getattr(self, "cleaned_data", {})
        differences = []
        for name, value in newer.items():
            field = self.fields.get(name)
            if field is None or name == "based_on":
                continue
            theirs, yours = _shown(field, value), _shown(field, submitted.get(name))
            if theirs != yours:
                label = field.label or pretty_name(name)
                differences.append(f"{label}: “{theirs}” (yours: “{yours}”)")
        message = str(error.message)
        if differences:
            message += " Their version — " + "; ".join(differences) + "."
        message += (
            " Your changes are still in the form: save again to replace theirs with yours, "
            "or change the form first."
        )
        self.add_error(None, message)
        self.refused_as_stale = True
        self.data = self.data.copy()
        self.data[self.add_prefix("based_on")] = edit_token(error.current)


def form_status(form: forms.BaseForm) -> int:
    """The status of a page showing `form`: 409 for a stale save, 400 for refused input
    (nothing was stored, the page says why), 200 otherwise."""
    if getattr(form, "refused_as_stale", False):
        return 409
    return 400 if form.is_bound and form.errors else 200


def _shown(field: forms.Field, value: Any) -> str:
    """A field's value as the editor sees it: a choice's label, a date in ISO form."""
    if value is None:
        return ""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(field, forms.ModelChoiceField):
        found = field.queryset.filter(pk=value).first()
        return str(found) if found is not None else str(value)
    if isinstance(field, forms.ChoiceField):
        return str(dict(field.choices).get(value, value))
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)
