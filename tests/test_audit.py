"""The audit trail is written by the services for every change, with who, what and where.

Table-driven: each step calls a domain service the way a page, task or command does, and
names the activity it must leave (action, target, project). Add a step when a service lands.
"""

import io
import wave
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Activity
from accounts.services import set_archived
from documents.services import document_finalize, document_restore_version, document_save_version
from transcripts.document import TRANSCRIPT_DOCUMENT
from translations.services import TRANSLATION_DOCUMENT

pytestmark = pytest.mark.django_db


def wav_upload(name="Lecture one.wav") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x10" * 8000)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="audio/wav")


TIMED = {
    "segments": [
        {"id": 0, "start": 0.0, "end": 0.5, "text": "Helo everyone", "words": []},
        {"id": 1, "start": 0.5, "end": 1.0, "text": "root canal", "words": []},
    ],
    "metadata": {"source": "whisper", "duration": 1.0},
}


@dataclass
class Step:
    name: str
    run: Callable[[dict[str, Any]], Any]  # does the change; may store objects in the state
    action: str
    target: Callable[[dict[str, Any]], Any]
    in_project: bool = True


def _project_create(s):
    from projects.models import ProjectType
    from projects.services import project_create

    s["project"] = project_create(
        user=s["user"],
        name="Endodontics 101",
        project_type=ProjectType.objects.get(slug="lecture"),
        metadata={"location": "Lisbon"},
    )


def _project_update(s):
    from projects.services import project_update

    project_update(
        project=s["project"],
        user=s["user"],
        name="Endodontics 102",
        project_type=s["project"].project_type,
        metadata={"location": "Porto"},
    )


def _upload(s):
    from media_files.services import audio_file_upload

    s["audio"] = audio_file_upload(project=s["project"], uploaded_file=wav_upload(), user=s["user"])


def _t1(s):
    from transcripts.services import transcription_create_t1

    s["t"] = transcription_create_t1(
        audio_file=s["audio"], json_with_timestamps=TIMED, source="whisper", created_by=s["user"]
    )


def _save(s):
    document_save_version(
        doc=TRANSCRIPT_DOCUMENT,
        parent=s["t"],
        user=s["user"],
        based_on_version_number=0,
        segments_text={0: "Hello everyone"},
    )


def _restore(s):
    document_save_version(
        doc=TRANSCRIPT_DOCUMENT,
        parent=s["t"],
        user=s["user"],
        based_on_version_number=1,
        segments_text={1: "x"},
    )
    document_restore_version(
        doc=TRANSCRIPT_DOCUMENT, parent=s["t"], user=s["user"], version_number=1
    )


def _finalize(s):
    document_finalize(doc=TRANSCRIPT_DOCUMENT, parent=s["t"], user=s["user"])
    s["t"].refresh_from_db()


def _translate_start(s):
    from translations.services import translation_start

    translation_start(transcription=s["t"], language_codes=["es"], user=s["user"])


def _translation_finalize(s):
    from translations.models import Translation

    s["tr"] = Translation.objects.create(
        transcription=s["t"],
        language_code="es",
        translated_text="Hola a todos\nconducto radicular",
        source_version=s["t"].final_version,
    )
    document_finalize(doc=TRANSLATION_DOCUMENT, parent=s["tr"], user=s["user"])


def _summary_edit(s):
    from summaries.models import GeneratedSummary
    from summaries.services.editing import summary_save_edit

    s["summary"] = GeneratedSummary.objects.create(
        transcription=s["t"], summary_type="email", generated_text="Dear all"
    )
    summary_save_edit(
        summary=s["summary"],
        text="Dear colleagues",
        user=s["user"],
        based_on=s["summary"].edit_token,
    )
    s["summary"].refresh_from_db()


def _summary_finalize(s):
    from summaries.services.editing import summary_finalize

    summary_finalize(summary=s["summary"], user=s["user"], based_on=s["summary"].edit_token)


def _dictionary_create(s):
    from glossary.services import entry_create

    s["entry"] = entry_create(user=s["user"], term_original="helo", term_corrected="hello")


def _dictionary_update(s):
    from glossary.services import entry_update

    entry_update(
        entry=s["entry"],
        user=s["user"],
        term_original="helo",
        term_corrected="Hello",
        language_code="en",
        context="greeting",
    )


def _dictionary_archive(s):
    from glossary.services import entry_set_archived

    entry_set_archived(entry=s["entry"], archived=True, user=s["user"])


def _template_update(s):
    from summaries.models import PromptTemplate
    from summaries.services.templates import prompt_template_update

    s["template"] = PromptTemplate.objects.get(template_name="email_summary")
    prompt_template_update(
        template=s["template"],
        content="Write an email about: {transcription_text}",
        user=s["user"],
        change_notes="shorter",
    )


def _template_revert(s):
    from summaries.services.templates import prompt_template_revert

    prompt_template_revert(template=s["template"], version_number=1, user=s["user"])


def _archive_media(s):
    from media_files.services import audio_file_archive

    audio_file_archive(audio_file=s["audio"], user=s["user"])


def _restore_media(s):
    from media_files.services import audio_file_restore

    audio_file_restore(audio_file=s["audio"], user=s["user"])


def _archive_transcription(s):
    set_archived(obj=s["t"], archived=True, user=s["user"], project_id=s["project"].pk)


def _archive_project(s):
    from projects.services import project_archive

    project_archive(project=s["project"], user=s["user"])


def _restore_project(s):
    from projects.services import project_restore

    project_restore(project=s["project"], user=s["user"])


STEPS = [
    Step("create project", _project_create, "project.create", lambda s: s["project"]),
    Step("edit project", _project_update, "project.update", lambda s: s["project"]),
    Step("upload media", _upload, "audio_file.upload", lambda s: s["audio"]),
    Step("machine transcript", _t1, "transcription.create", lambda s: s["t"]),
    Step("save H-1", _save, "transcription.edit", lambda s: s["t"]),
    Step("restore H-1", _restore, "transcription.restore", lambda s: s["t"]),
    Step("finalize", _finalize, "transcription.finalize", lambda s: s["t"]),
    Step("translate", _translate_start, "translation.start", lambda s: s["t"]),
    Step("finalize translation", _translation_finalize, "translation.finalize", lambda s: s["tr"]),
    Step("edit summary", _summary_edit, "summary.edit", lambda s: s["summary"]),
    Step("finalize summary", _summary_finalize, "summary.finalize", lambda s: s["summary"]),
    Step("dictionary entry", _dictionary_create, "dictionary.create", lambda s: s["entry"], False),
    Step("edit entry", _dictionary_update, "dictionary.update", lambda s: s["entry"], False),
    Step(
        "archive entry",
        _dictionary_archive,
        "dictionaryentry.archive",
        lambda s: s["entry"],
        False,
    ),
    Step(
        "edit template",
        _template_update,
        "prompt_template.update",
        lambda s: s["template"],
        False,
    ),
    Step(
        "revert template",
        _template_revert,
        "prompt_template.revert",
        lambda s: s["template"],
        False,
    ),
    Step("archive media", _archive_media, "audiofile.archive", lambda s: s["audio"]),
    Step("restore media", _restore_media, "audiofile.restore", lambda s: s["audio"]),
    Step("archive transcript", _archive_transcription, "transcription.archive", lambda s: s["t"]),
    Step("archive project", _archive_project, "project.archive", lambda s: s["project"]),
    Step("restore project", _restore_project, "project.restore", lambda s: s["project"]),
]


@pytest.fixture
def journey(editor, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    state: dict[str, Any] = {"user": editor}
    results = []
    for step in STEPS:
        before = set(Activity.objects.values_list("pk", flat=True))
        step.run(state)
        new = list(Activity.objects.exclude(pk__in=before).select_related("actor"))
        results.append((step, new))
    return state, results


def test_every_change_leaves_who_what_and_where(journey, editor):
    state, results = journey
    missing = []
    for step, new in results:
        target = step.target(state)
        matching = [a for a in new if a.action == step.action and a.target_id == target.pk]
        if not matching:
            missing.append(f"{step.name}: no {step.action} on {target!r}; got {new}")
            continue
        (entry,) = matching[:1]
        assert entry.actor == editor, step.name
        if step.in_project:
            assert entry.project_id == state["project"].pk, step.name
    assert not missing, "\n".join(missing)


def test_the_project_history_page_shows_the_whole_journey(journey, editor_client):
    state, results = journey
    url = reverse("accounts:project_activity", args=[state["project"].pk])
    response = editor_client.get(url, {"page": 1})
    shown = {e.action for e in response.context["page_obj"].paginator.object_list}
    expected = {step.action for step, _ in results if step.in_project}
    assert expected <= shown, expected - shown
    # And the per-object page of the transcript shows its versions and finalize.
    from accounts.views import object_activity_url

    page = editor_client.get(object_activity_url(state["t"]))
    actions = [e.action for e in page.context["entries"]]
    assert {"transcription.edit", "transcription.finalize", "transcription.create"} <= set(actions)
