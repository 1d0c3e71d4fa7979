"""The activity page speaks in sentences with names and links, never in action codes, JSON
or ids: "Erin Editor saved H-4 of lecture.wav — 3 segments changed"."""

import html
import re
import uuid
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import reverse

from accounts.activity import registered_actions
from accounts.services import activity_record
from documents.services import document_save_version
from glossary.models import DictionaryEntry
from jobs.models import Job
from languages.models import Language
from media_files.models import AudioFile
from projects.models import ProjectType
from summaries.models import GeneratedSummary, PromptTemplate
from transcripts.document import TRANSCRIPT_DOCUMENT
from transcripts.tests.test_editor_helpers import make_transcription
from translations.models import Translation

pytestmark = pytest.mark.django_db

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


def visible_text(page: bytes) -> str:
    """What a reader sees of the activity list: the markup without tags and attributes."""
    body = page.decode()
    body = body[body.index('<ol class="activity">') : body.index("</ol>")]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", body)).split())


@pytest.fixture
def transcription(editor):
    transcription = make_transcription(editor)
    AudioFile.objects.filter(pk=transcription.audio_file_id).update(file_name="lecture.wav")
    transcription.audio_file.refresh_from_db()
    return transcription


def test_a_saved_version_reads_as_a_sentence_with_names_and_links(
    editor_client, editor, transcription
):
    texts = [seg["text"] for seg in transcription.json_with_timestamps["segments"]]
    for number in range(3):  # H-1, H-2, H-3: one segment each
        texts[0] = f"Welcome, take {number}."
        document_save_version(
            doc=TRANSCRIPT_DOCUMENT,
            parent=transcription,
            user=editor,
            based_on_version_number=number,
            segments_text=list(texts),
        )
    texts[1:4] = ["Root canals today.", "The implant is placed.", "Crowns need care."]
    document_save_version(
        doc=TRANSCRIPT_DOCUMENT,
        parent=transcription,
        user=editor,
        based_on_version_number=3,
        segments_text=texts,
    )

    response = editor_client.get(reverse("accounts:activity"))
    text = visible_text(response.content)
    assert "Erin Editor saved H-4 of lecture.wav — 3 segments changed." in text
    assert "Erin Editor saved H-1 of lecture.wav — 1 segment changed." in text
    assert "in Endo week" in text
    page = response.content.decode()
    assert f'<a href="{transcription.get_absolute_url()}">lecture.wav</a>' in page
    assert f'<a href="{transcription.audio_file.project.get_absolute_url()}">Endo week</a>' in page
    assert "transcription.edit" not in text and "{" not in text
    assert not UUID.search(text)


# --- every action the code writes has its sentence ----------------------------------------

ACTION_LITERAL = re.compile(r"""action\s*=\s*(?:f?)["']([a-z_]+\.[a-z_]+)["']""")
ACTION_CONDITIONAL = re.compile(
    r"""["']([a-z_]+\.[a-z_]+)["']\s+if\s+\w+\s+else\s+["']([a-z_]+\.[a-z_]+)["']"""
)


def action_codes_in_the_code() -> set[str]:
    """Every action code an app can write: the literals passed as `action=`, the two-way
    choices, and the families built from parts (versioned documents, archiving)."""
    root = Path(settings.BASE_DIR)
    codes: set[str] = set()
    for path in root.glob("*/**/*.py"):
        parts = path.relative_to(root).parts
        if parts[0].startswith(".") or "tests" in parts or "migrations" in parts:
            continue
        source = path.read_text(encoding="utf-8")
        if "activity_record" not in source and "Activity(" not in source:
            continue
        codes.update(ACTION_LITERAL.findall(source))
        for pair in ACTION_CONDITIONAL.findall(source):
            codes.update(pair)
    from documents.services import VERSION_ACTIONS
    from transcripts.document import TRANSCRIPT_DOCUMENT
    from translations.services import TRANSLATION_DOCUMENT

    for doc in (TRANSCRIPT_DOCUMENT, TRANSLATION_DOCUMENT):
        codes.update(f"{doc.activity_prefix}.{verb}" for verb in VERSION_ACTIONS.values())
        codes.add(f"{doc.activity_prefix}.finalize")
    for model in apps.get_models():
        if any(f.name == "archived" for f in model._meta.fields):
            codes.update({f"{model._meta.model_name}.archive", f"{model._meta.model_name}.restore"})
    return codes


def test_every_action_code_in_the_code_has_a_sentence():
    codes = action_codes_in_the_code()
    # The scan finds what it should (so an empty scan cannot pass).
    assert {"transcription.edit", "summary.regenerate", "audio_file.upload"} <= codes
    assert {"project.archive", "dictionaryentry.restore", "translation.finalize"} <= codes
    missing = sorted(codes - set(registered_actions()))
    assert not missing, f"add a sentence in the app's activity.py for: {missing}"


@pytest.fixture
def targets(editor, transcription):
    project = transcription.audio_file.project
    translation = Translation.objects.create(
        transcription=transcription, language_code="es", translated_text="Hola"
    )
    summary = GeneratedSummary.objects.create(
        transcription=transcription, summary_type="email", generated_text="Dear all"
    )
    return {
        "projects.project": project,
        "projects.projecttype": ProjectType.objects.get(slug="lecture"),
        "media_files.audiofile": transcription.audio_file,
        "transcripts.transcription": transcription,
        "translations.translation": translation,
        "summaries.generatedsummary": summary,
        "summaries.prompttemplate": PromptTemplate.objects.order_by("template_name").first(),
        "glossary.dictionaryentry": DictionaryEntry.objects.create(
            term_original="implane", term_corrected="implant", created_by=editor
        ),
        "languages.language": Language.objects.get(code="de"),
        "jobs.job": Job.objects.create(
            kind="transcribe", task_name="transcripts.tasks.transcribe", target=project
        ),
        "transcripts.speaker": transcription.speakers.get(label="S1"),
    }


# What each action is written about (the rest follow their code's prefix).
TARGET_OF = {
    "transcription.start": "media_files.audiofile",
    "translation.start": "transcripts.transcription",
    "summary.generate_request": "transcripts.transcription",
}
TARGET_BY_PREFIX = {
    "project": "projects.project",
    "projecttype": "projects.projecttype",
    "audio_file": "media_files.audiofile",
    "audiofile": "media_files.audiofile",
    "transcription": "transcripts.transcription",
    "translation": "translations.translation",
    "summary": "summaries.generatedsummary",
    "prompt_template": "summaries.prompttemplate",
    "dictionary": "glossary.dictionaryentry",
    "dictionaryentry": "glossary.dictionaryentry",
    "project_type": "projects.projecttype",
    "language": "languages.language",
    "job": "jobs.job",
    "comment": "transcripts.transcription",  # comments are recorded on their document
    "speaker": "transcripts.speaker",
}

# Details as the services write them, ids and nested JSON included.
DETAILS = {
    "audio_file.upload": {
        "file_name": "lecture.wav",
        "file_path": f"audio/lecture/{uuid.uuid4()}-lecture.wav",
        "file_size_bytes": 12_345_678,
        "duration_seconds": 3723.4,
        "file_type": "audio",
        "format": "wav",
    },
    "audio_file.sonix_import": {"sonix_media_id": "abc123", "sonix_status": "transcribing"},
    "audio_file.sonix_status": {"from": "transcribing", "to": "completed"},
    "project.update": {
        "before": {"name": "Old name", "project_type": "lecture", "metadata": {"location": "Rome"}},
        "after": {"name": "Endo week", "project_type": "lecture", "metadata": {"location": "Oslo"}},
    },
    "project.import": {
        "source_project_id": str(uuid.uuid4()),
        "exported_at": "2026-11-30T10:00:00",
        "as_copy": True,
    },
    "transcription.create": {"source": "whisper"},
    "transcription.start": {
        "job_id": str(uuid.uuid4()),
        "engine": "local",
        "replaces": str(uuid.uuid4()),
    },
    "transcription.edit": {
        "version": "H-4",
        "version_number": 4,
        "previous": "H-3",
        "changes": 5,
        "based_on": 3,
        "segments_changed": 3,
        "merged_over": None,
        "merged_overlapping": 0,
    },
    "transcription.restore": {
        "version": "H-5",
        "version_number": 5,
        "previous": "H-4",
        "changes": 2,
        "restored": "H-1",
        "restored_number": 1,
    },
    "transcription.keep_machine_text": {
        "version": "H-1",
        "version_number": 1,
        "previous": "T-1",
        "changes": 0,
        "finalized": "T-1",
    },
    "transcription.finalize": {
        "version": "H-4",
        "version_number": 4,
        "previous_final_id": str(uuid.uuid4()),
        "reason": "",
    },
    "translation.start": {"languages": ["es", "ar"], "source": "H-4"},
    "translation.machine": {
        "label": "T-1-es",
        "source": "H-4",
        "engine": "anthropic",
        "corrections": 2,
    },
    "translation.voiceover": {"version": "H-4-es", "file": f"voiceover/{uuid.uuid4()}.mp3"},
    "dictionary.create": {"term_original": "implane", "term_corrected": "implant"},
    "dictionary.update": {
        "before": {"term_original": "implnt", "term_corrected": "implant", "language_code": "en"}
    },
    "prompt_template.update": {
        "template_name": "email",
        "version_number": 3,
        "change_notes": "Shorter",
    },
    "prompt_template.revert": {
        "template_name": "email",
        "version_number": 4,
        "change_notes": "",
        "reverted_to": 2,
    },
    "prompt_template.create": {"template_name": "email", "version_number": 1},
    "summary.generate_request": {
        "summary_types": ["email", "linkedin"],
        "replace_edits": [],
        "job": str(uuid.uuid4()),
    },
    "summary.generate": {
        "summary_type": "email",
        "prompt_template": "email",
        "prompt_version_number": 2,
        "prompt_version_id": str(uuid.uuid4()),
        "feedback_example_ids": [str(uuid.uuid4())],
        "engine": "offline",
        "job": str(uuid.uuid4()),
    },
    "summary.edit": {"summary_type": "email", "characters": 420, "previous_user_edited_text": None},
    "summary.finalize": {
        "summary_type": "email",
        "feedback": str(uuid.uuid4()),
        "edited": True,
        "length_change_percent": -12,
        "changes": 4,
    },
}
DETAILS["project_type.create"] = {"name": "Workshop", "slug": "workshop"}
DETAILS["project_type.update"] = {
    "before": {"name": "Lecture", "slug": "lecture"},
    "after": {"name": "Lectures", "slug": "lecture"},
}
DETAILS["audio_file.rename"] = {"before": "take1.wav", "after": "Lecture 1.wav"}
DETAILS["language.create"] = {"code": "ja", "name": "Japanese", "active": True}
DETAILS["language.update"] = {"before": {"active": True}, "after": {"active": False}}
DETAILS["job.retry"] = DETAILS["job.cancel"] = {"kind": "transcribe", "status": "queued"}
DETAILS["translation.edit"] = {**DETAILS["transcription.edit"], "version": "H-4-es"}
DETAILS["summary.regenerate"] = {
    **DETAILS["summary.generate"],
    "previous": {"generated_text": "Old {draft}", "edited_by": str(uuid.uuid4())},
}


def target_for(code: str, targets: dict):
    label = TARGET_OF.get(code) or TARGET_BY_PREFIX[code.split(".")[0]]
    return targets[label]


def test_every_sentence_names_things_and_shows_no_code_json_or_id(editor_client, editor, targets):
    codes = sorted(registered_actions())
    for code in codes:
        target = target_for(code, targets)
        project = targets["projects.project"]
        activity_record(
            user=editor,
            action=code,
            target=target,
            project_id=project.pk,
            details=DETAILS.get(code, {}),
        )
    # Every page of the activity (there are more actions than one page holds).
    lines, pages = [], []
    for page in range(1, 10):
        response = editor_client.get(reverse("accounts:activity"), {"page": page})
        lines += response.context["lines"]
        pages.append(response)
        if not response.context["page_obj"].has_next():
            break
    assert {line.entry.action for line in lines} == set(codes)
    for line in lines:
        sentence = html.unescape(re.sub(r"<[^>]+>", "", str(line.sentence)))
        assert not UUID.search(sentence), (line.entry.action, sentence)
        assert "{" not in sentence and '":' not in sentence, (line.entry.action, sentence)
        assert line.entry.action not in sentence
        assert "None" not in sentence, (line.entry.action, sentence)
    text = " ".join(visible_text(response.content) for response in pages)
    assert not UUID.search(text)
    for code in codes:
        assert code not in text
    # A few in full, as an editor reads them.
    assert "Erin Editor uploaded lecture.wav (1:02:03, 11.8 MB)." in text
    assert "Erin Editor started translating H-4 of lecture.wav into Spanish, Arabic." in text
    assert "Erin Editor finalized the Email text of lecture.wav — 4 changes, 12 % shorter." in text
    assert "Erin Editor renamed the project “Old name” to Endo week (name, location)." in text
    assert "Erin Editor added “implane” → “implant” (en) to the glossary." in text


def test_unknown_action_codes_still_read_as_words(editor_client, editor, targets):
    project = targets["projects.project"]
    activity_record(
        user=editor, action="project.brand_new_thing", target=project, project_id=project.pk
    )
    text = visible_text(editor_client.get(reverse("accounts:activity")).content)
    assert "Erin Editor recorded “Project: brand new thing” for Endo week." in text


def test_the_activity_page_makes_a_fixed_number_of_queries(
    editor_client, editor, other_editor, targets, django_assert_num_queries
):
    def fill(n):
        for i in range(n):
            for code, label in (
                ("transcription.edit", "transcripts.transcription"),
                ("translation.machine", "translations.translation"),
                ("summary.finalize", "summaries.generatedsummary"),
                ("dictionary.create", "glossary.dictionaryentry"),
                ("audio_file.upload", "media_files.audiofile"),
            ):
                activity_record(
                    user=editor if i % 2 else other_editor,
                    action=code,
                    target=targets[label],
                    project_id=targets["projects.project"].pk,
                    details=DETAILS[code],
                )

    fill(1)
    # session, user, count, page of rows, the filter's actions and people, one per kind of
    # object on the page (recordings, transcripts, translations + their languages, summaries,
    # glossary entries, projects)
    with django_assert_num_queries(13):
        editor_client.get(reverse("accounts:activity"))
    fill(9)
    with django_assert_num_queries(13):
        response = editor_client.get(reverse("accounts:activity"))
    assert len(response.context["lines"]) == 50


def test_a_plain_finalize_reads_without_its_reason_code(editor_client, editor, targets):
    # Seen on the journey: "Demo Admin made H-1 the final version of lecture.wav (finalize)."
    transcription = targets["transcripts.transcription"]
    for reason in ("finalize", "restored H-1"):
        activity_record(
            user=editor,
            action="transcription.finalize",
            target=transcription,
            project_id=transcription.audio_file.project_id,
            details={"version": "H-2", "version_number": 2, "reason": reason},
        )
    text = visible_text(editor_client.get(reverse("accounts:activity")).content)
    assert "Erin Editor made H-2 the final version of lecture.wav." in text
    assert "(finalize)" not in text
    assert "Erin Editor made H-2 the final version of lecture.wav (restored H-1)." in text
