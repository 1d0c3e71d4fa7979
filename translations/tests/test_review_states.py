"""Segment states, only-changed re-translation, memory reuse in the translate job, and
finalize over QA errors (DESIGN.md "Translation review")."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Activity
from documents.selectors import document_snapshot
from documents.services import document_finalize, document_save_version
from integrations.tests.llm_fakes import prompt_segments
from jobs.models import Job
from translations import services
from translations.models import Translation, TranslationMemory
from translations.selectors_review import review_marks, review_states
from translations.services_review import (
    tm_store,
    translation_mark_reviewed,
    translation_retranslate_changed,
)
from translations.tests.conftest import ENGLISH, add_english_version

pytestmark = pytest.mark.django_db

DOC = services.TRANSLATION_DOCUMENT


def translate(transcription, user, codes, capture):
    with capture(execute=True):
        result = services.translation_start(
            transcription=transcription, language_codes=codes, user=user
        )
    return Job.objects.get(pk=result.started[0].pk)


def latest_segments(translation):
    return document_snapshot(doc=DOC, parent=translation).json["segments"]


def sent_ids(server):
    return [s["id"] for r in server.requests for s in prompt_segments(server.prompt_of(r))]


def test_a_human_edit_marks_its_segment_reviewed_and_feeds_the_memory(
    editor_client, final_transcription, editor, django_capture_on_commit_callbacks
):
    translate(final_transcription, editor, ["es"], django_capture_on_commit_callbacks)
    translation = Translation.objects.get()
    assert {s["state"] for s in latest_segments(translation)} == {"machine"}
    document_save_version(
        doc=DOC,
        parent=translation,
        user=editor,
        based_on_version_number=0,
        segments_text={3: "Gracias, Dr. Soto."},
    )
    states = [s.get("state") for s in latest_segments(translation)]
    assert states == ["machine", "machine", "machine", "reviewed"]
    entry = TranslationMemory.objects.get()
    assert (entry.source_text, entry.target_text) == ("Thank you, Dr. Soto.", "Gracias, Dr. Soto.")
    # Mark reviewed: a new version with the same text; history keeps the older states.
    version = translation_mark_reviewed(translation=translation, segment_indexes=[0], user=editor)
    assert version.version_number == 2 and version.edited_text == (
        translation.versions.get(version_number=1).edited_text
        or document_snapshot(doc=DOC, parent=translation).text
    )
    assert [s.get("state") for s in latest_segments(translation)][:1] == ["reviewed"]
    old = document_snapshot(doc=DOC, parent=translation, version_number=1).json["segments"]
    assert old[0]["state"] == "machine"
    marks = review_marks(translation, *_json_text(translation))
    assert (marks["reviewed"], marks["total"]) == (2, 4)
    overview = editor_client.get(
        reverse("translations:overview", args=[final_transcription.pk])
    ).content.decode()
    assert "Review: <strong>2 of 4</strong> reviewed" in overview
    # Marking reviewed segments again changes nothing.
    again = translation_mark_reviewed(translation=translation, segment_indexes=[0], user=editor)
    assert again is None


def _json_text(translation):
    latest = document_snapshot(doc=DOC, parent=translation)
    return latest.json, latest.text


@pytest.mark.slow
def test_only_changed_segments_are_sent_and_everything_else_is_kept(
    audio_file, editor, fake_claude, settings, django_capture_on_commit_callbacks
):
    from tests.factories import TranscriptionFactory

    settings.TRANSLATION_BATCH_SEGMENTS = 500
    settings.TRANSLATION_BATCH_CHARS = 60_000
    # A three-hour lecture: 3,000 segments of 3.6 seconds.
    lines = [(i * 3.6, i * 3.6 + 3.5, f"Segment {i} talks about the molar.") for i in range(3000)]
    transcription = TranscriptionFactory(
        audio_file=audio_file, created_by=editor, segments=lines, through_service=False
    )
    add_english_version(transcription, editor, lines)
    translate(transcription, editor, ["de"], django_capture_on_commit_callbacks)
    assert len(sent_ids(fake_claude)) == 3000
    translation = Translation.objects.get()
    document_save_version(
        doc=DOC,
        parent=translation,
        user=editor,
        based_on_version_number=0,
        segments_text={8: "Von Hand übersetzt."},
    )
    changed = [5, 7, 1200, 2000, 2999]
    new_lines = [
        (s, e, f"{t} Changed." if i in changed else t) for i, (s, e, t) in enumerate(lines)
    ]
    add_english_version(transcription, editor, new_lines)
    translation.refresh_from_db()
    states = review_states(translation, latest_segments(translation))
    assert [i for i, s in enumerate(states) if s == "needs_review"] == changed
    fake_claude.requests.clear()
    with django_capture_on_commit_callbacks(execute=True):
        job = translation_retranslate_changed(translation=translation, user=editor)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert sorted(sent_ids(fake_claude)) == changed  # exactly the five
    assert job.result["sent"] == 5 and job.result["kept"] == 2995
    translation.refresh_from_db()
    assert not translation.is_outdated
    segments = latest_segments(translation)
    assert segments[7]["state"] == "needs_review" and "Changed" in segments[7]["text"]
    assert segments[6]["text"] == "DE: Segment 6 talks about the molar."
    assert (segments[8]["text"], segments[8]["state"]) == ("Von Hand übersetzt.", "reviewed")
    assert [i for i, s in enumerate(segments) if s["state"] == "needs_review"] == changed


def test_memory_matches_need_no_engine_call_even_offline(
    final_transcription, editor, fake_claude, settings, django_capture_on_commit_callbacks
):
    tm_store(
        pairs=[
            ("thank  you, DR. Soto.", "Gracias, Dr. Soto."),
            # A fuzzy match of segment 1: handed to the engine as an example.
            (
                "Today we place ceramic veneers on the lower incisors.",
                "Hoy colocamos carillas cerámicas en los incisivos inferiores.",
            ),
        ],
        target_language="es",
        user=editor,
    )
    job = translate(final_transcription, editor, ["es"], django_capture_on_commit_callbacks)
    assert job.result["from_memory"] == 1
    assert 3 not in sent_ids(fake_claude) and sorted(sent_ids(fake_claude)) == [0, 1, 2]
    (prompt,) = [fake_claude.prompt_of(r) for r in fake_claude.requests]
    assert "Reviewed translations of similar sentences" in prompt
    assert "Hoy colocamos carillas cerámicas en los incisivos inferiores." in prompt
    segment = latest_segments(Translation.objects.get())[3]
    assert segment["text"] == "Gracias, Dr. Soto." and segment["tm"]
    assert TranslationMemory.objects.get(target_text="Gracias, Dr. Soto.").usage_count == 1
    # Offline: the disclaimer is a real translation, the rest labelled drafts.
    settings.LLM_ENGINE = "offline"
    translate(final_transcription, editor, ["pt"], django_capture_on_commit_callbacks)
    tm_store(pairs=[(ENGLISH[3][2], "Obrigado, Dr. Soto.")], target_language="fr", user=editor)
    translate(final_transcription, editor, ["fr"], django_capture_on_commit_callbacks)
    fr = latest_segments(Translation.objects.get(language_code="fr"))
    assert fr[3]["text"] == "Obrigado, Dr. Soto." and "placeholder" not in str(fr[3])
    assert fr[0]["text"].startswith("[draft fr]")


def test_qa_errors_refuse_finalize_unless_a_reason_is_given(
    editor_client, final_transcription, editor, fake_claude, django_capture_on_commit_callbacks
):
    translate(final_transcription, editor, ["es"], django_capture_on_commit_callbacks)
    translation = Translation.objects.get()
    # The reviewer drops the closing bracket and adds a number the English lacks.
    document_save_version(
        doc=DOC,
        parent=translation,
        user=editor,
        based_on_version_number=0,
        segments_text={1: "Hoy colocamos 12 carillas (superiores."},
    )
    with pytest.raises(ValidationError, match="QA errors"):
        document_finalize(doc=DOC, parent=translation, user=editor)
    url = reverse("translations:finalize", args=[translation.pk])
    page = editor_client.post(url, {}, follow=True).content.decode()
    assert "QA errors (segment 2)" in page
    # Without JavaScript the page still offers the reason form the message names.
    assert "give a reason to finalize anyway in “Finalize despite QA errors, because”" in page
    form = page[page.index("<form", page.index("data-review-finalize") - 200) :]
    form = form[: form.index("</form>")]
    assert "data-review-finalize" in form and " hidden" not in form.split(">")[0]
    assert 'name="qa_reason"' in form
    translation.refresh_from_db()
    assert translation.final_version_id is None
    marks = editor_client.get(reverse("translations:review_marks", args=[translation.pk])).json()
    checks = {q["check"] for q in marks["segments"][1]["qa"]}
    assert checks == {"numbers", "brackets"} and marks["qa"]["errors"] == 1
    editor_client.post(url, {"qa_reason": "The speaker misspoke; agreed with Dr. Soto."})
    translation.refresh_from_db()
    assert translation.final_version_id is not None
    override = Activity.objects.get(action="translation.qa_override")
    assert override.details["reason"] == "The speaker misspoke; agreed with Dr. Soto."
    # Counted by the server (the form posted no count, as without JavaScript).
    assert override.details["errors"] == 1
