"""The activity page in sentences: "Erin Editor saved H-4 of lecture.wav — 3 segments changed".

The audit trail (`Activity`) stores an action code, the object and JSON details; this module
turns a page of rows into sentences with names and links. The apps above `accounts` know
their own objects and actions, so each registers them in its `activity.py` (found at start-up
by `AccountsConfig.ready`, as the admin finds `admin.py`):

    register_subjects("transcripts.Transcription", load_transcription_subjects)
    register_action("transcription.edit", "Saved a transcript version", saved_version)

A subject loader takes the ids of one model's objects on the page and returns their names
and links in one query; a sentence function gets the row, its subject (a link, already
escaped) and a per-page cache, and returns the sentence after the actor's name.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.utils.html import format_html
from django.utils.safestring import SafeString

from accounts.models import Activity


@dataclass(frozen=True)
class Subject:
    """How one object is named on the activity page."""

    name: str
    url: str = ""

    def link(self) -> SafeString:
        if self.url:
            return format_html('<a href="{}">{}</a>', self.url, self.name)
        return format_html("{}", self.name)


SubjectLoader = Callable[[list[Any]], dict[Any, Subject]]
Sentence = Callable[[Activity, SafeString, dict], SafeString]


@dataclass(frozen=True)
class ActionInfo:
    label: str  # for the filter: "Saved a transcript version"
    sentence: Sentence


_subjects: dict[str, SubjectLoader] = {}
_actions: dict[str, ActionInfo] = {}


def register_subjects(model_label: str, loader: SubjectLoader) -> None:
    """`model_label` is "app_label.ModelName"; the loader names a page's objects of it."""
    _subjects[model_label.lower()] = loader


def register_action(code: str, label: str, sentence: Sentence) -> None:
    _actions[code] = ActionInfo(label, sentence)


def registered_actions() -> dict[str, ActionInfo]:
    return dict(_actions)


def action_label(code: str) -> str:
    info = _actions.get(code)
    return info.label if info else code.replace("_", " ").replace(".", ": ").capitalize()


# --- helpers for sentence functions --------------------------------------------------------


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural_form or singular + 's')}"


def simple(template: str) -> Sentence:
    """A sentence with only the subject in it: simple("archived {subject}")."""

    def sentence(entry: Activity, subject: SafeString, cache: dict) -> SafeString:
        return format_html(template, subject=subject)

    return sentence


# --- rendering a page -----------------------------------------------------------------------


@dataclass(frozen=True)
class ActivityLine:
    entry: Activity
    actor: str  # the person's name, or "Max" for what the system did on its own
    sentence: SafeString
    label: str
    project: Subject | None


SYSTEM_ACTOR = "Max"


def _fallback(entry: Activity, subject: SafeString, cache: dict) -> SafeString:
    # An action without its own sentence yet still reads as words, never as a code.
    return format_html("recorded “{}” for {}", action_label(entry.action), subject)


def _model_label(content_type: ContentType) -> str:
    return f"{content_type.app_label}.{content_type.model}"


def _load_subjects(entries: list[Activity]) -> dict[tuple[str, Any], Subject]:
    ids_by_model: dict[str, list[Any]] = defaultdict(list)
    for entry in entries:
        ids_by_model[_model_label(entry.target_type)].append(entry.target_id)
    subjects: dict[tuple[str, Any], Subject] = {}
    for label, ids in ids_by_model.items():
        loader = _subjects.get(label)
        if loader is None:
            continue
        for pk, subject in loader(ids).items():
            subjects[(label, pk)] = subject
    return subjects


def activity_lines(entries: Iterable[Activity], *, with_project: bool = True) -> list[ActivityLine]:
    """Sentences for a page of activity rows (select_related "actor" and "target_type"),
    in one query per kind of object on the page plus one for the projects."""
    entries = list(entries)
    subjects = _load_subjects(entries)
    projects: dict[Any, Subject] = {}
    project_loader = _subjects.get("projects.project")
    if with_project and project_loader is not None:
        projects = {pk: s for (label, pk), s in subjects.items() if label == "projects.project"}
        missing = sorted({e.project_id for e in entries if e.project_id} - set(projects), key=str)
        if missing:
            projects.update(project_loader(missing))
    cache: dict = {}
    lines = []
    for entry in entries:
        subject = subjects.get((_model_label(entry.target_type), entry.target_id))
        if subject is None:  # never deleted, but an app may not name its objects yet
            subject = Subject(f"a {entry.target_type.name}")
        info = _actions.get(entry.action)
        sentence = (info.sentence if info else _fallback)(entry, subject.link(), cache)
        lines.append(
            ActivityLine(
                entry=entry,
                actor=entry.actor.get_full_name() if entry.actor else SYSTEM_ACTOR,
                sentence=sentence,
                label=action_label(entry.action),
                project=projects.get(entry.project_id) if with_project else None,
            )
        )
    return lines


def register_archiving() -> None:
    """`<model>.archive` / `<model>.restore` (accounts.services.set_archived) for every
    archivable model."""
    from django.apps import apps

    for model in apps.get_models():
        if not any(f.name == "archived" for f in model._meta.fields):
            continue
        name = model._meta.model_name
        noun = model._meta.verbose_name
        for verb, past in (("archive", "archived"), ("restore", "restored")):
            code = f"{name}.{verb}"
            if code not in _actions:
                register_action(code, f"{past.capitalize()} a {noun}", simple(past + " {subject}"))


def subject_of(content_type: ContentType, object_id: Any) -> Subject | None:
    """One object's name and link, as the activity page shows it (None: not named)."""
    loader = _subjects.get(_model_label(content_type))
    return loader([object_id]).get(object_id) if loader is not None else None
