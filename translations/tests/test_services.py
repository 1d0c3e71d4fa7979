"""Starting translate jobs, storing machine text, labels, finalize and the outdated flag."""

import json

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Activity
from documents.services import document_finalize
from jobs.models import Job
from languages.models import Language
from translations import services
from translations.models import Translation, TranslationVersion
from translations.tests.conftest import add_english_version

pytestmark = pytest.mark.django_db

SEGMENTS = [
    {"id": 0, "start": 0.0, "end": 2.5, "text": "Buenos días a todos."},
    {"id": 1, "start": 2.5, "end": 6.0, "text": "Hoy colocamos\ncarillas  de cerámica. "},
]
CORRECTION = {
    "term_original": "implane",
    "term_corrected": "implant",
    "position": [4, 11],
    "language_code": "en",
    "segment_id": 0,
}


def queued(django_capture_on_commit_callbacks, **kwargs):
    # Keep the jobs queued: these tests are about which jobs start, not about running them.
    with django_capture_on_commit_callbacks(execute=False):
        return services.translation_start(**kwargs)


def store(transcription, user, source=None, segments=SEGMENTS, corrections=(CORRECTION,)):
    return services.translation_store_machine_text(
        transcription=transcription,
        language_code="es",
        source=source or transcription.final_version,
        segments=list(segments),
        corrections=list(corrections),
        engine="offline",
        user=user,
    )


# --- starting -----------------------------------------------------------------------------


def test_default_start_queues_one_job_per_active_target_language(
    final_transcription, editor, django_capture_on_commit_callbacks
):
    Language.objects.filter(code="it").update(active=False)
    result = queued(
        django_capture_on_commit_callbacks,
        transcription=final_transcription,
        language_codes=None,
        user=editor,
    )
    codes = sorted(job.params["language"] for job in result.started)
    assert codes == ["ar", "de", "es", "fr", "hi", "pt", "zh"]
    jobs = Job.objects.filter(kind="translate")
    assert jobs.count() == 7
    assert {job.task_name for job in jobs} == {"translations.tasks.translate"}
    assert all(job.target == final_transcription and job.created_by == editor for job in jobs)
    assert Activity.objects.filter(action="translation.start").count() == 1


def test_starting_again_does_not_duplicate_running_jobs(
    final_transcription, editor, django_capture_on_commit_callbacks
):
    first = queued(
        django_capture_on_commit_callbacks,
        transcription=final_transcription,
        language_codes=["es", "fr"],
        user=editor,
    )
    again = queued(
        django_capture_on_commit_callbacks,
        transcription=final_transcription,
        language_codes=["es", "de"],
        user=editor,
    )
    assert [j.params["language"] for j in again.started] == ["de"]
    assert [j.pk for j in again.running] == [first.started[0].pk]
    assert Job.objects.filter(kind="translate").count() == 3


@pytest.mark.parametrize(
    ("codes", "message"),
    [
        (["xx"], "not a language Max knows"),
        (["en"], "English is the source language"),
        (["es", "it"], r"Italian \(it\) is not active"),
    ],
)
def test_bad_languages_are_refused_and_nothing_starts(
    final_transcription, editor, django_capture_on_commit_callbacks, codes, message
):
    Language.objects.filter(code="it").update(active=False)
    with pytest.raises(ValidationError, match=message):
        queued(
            django_capture_on_commit_callbacks,
            transcription=final_transcription,
            language_codes=codes,
            user=editor,
        )
    assert not Job.objects.exists()


def test_a_transcript_without_final_version_cannot_be_translated(
    transcription, editor, django_capture_on_commit_callbacks
):
    add_english_version(transcription, editor, final=False)
    with pytest.raises(ValidationError, match="no final version yet"):
        queued(
            django_capture_on_commit_callbacks,
            transcription=transcription,
            language_codes=["es"],
            user=editor,
        )
    assert not Job.objects.exists()


def test_up_to_date_translations_are_skipped(
    final_transcription, editor, django_capture_on_commit_callbacks
):
    store(final_transcription, editor)
    result = queued(
        django_capture_on_commit_callbacks,
        transcription=final_transcription,
        language_codes=["es", "pt"],
        user=editor,
    )
    assert [t.language_code for t in result.up_to_date] == ["es"]
    assert [j.params["language"] for j in result.started] == ["pt"]


# --- storing machine text and labels ------------------------------------------------------


def test_first_machine_text_is_the_translations_row_t1(final_transcription, editor):
    stored = store(final_transcription, editor)
    translation = stored.translation
    assert stored.label == "T-1-es" and stored.version is None
    assert (
        translation.translated_text == "Buenos días a todos.\nHoy colocamos carillas de cerámica."
    )
    assert translation.source_version == final_transcription.final_version
    assert translation.json_with_timestamps["segments"][1]["start"] == 2.5
    assert translation.dictionary_corrections_applied == [{**CORRECTION, "version": "T-1-es"}]
    assert not translation.versions.exists()
    assert Activity.objects.filter(action="translation.machine", target_id=translation.pk).exists()


def test_storing_the_same_source_again_changes_nothing(final_transcription, editor):
    store(final_transcription, editor)
    again = store(final_transcription, editor, segments=[{**SEGMENTS[0], "text": "Otro."}])
    assert again.skipped
    assert Translation.objects.get().translated_text.startswith("Buenos días")
    assert not TranslationVersion.objects.exists()


def test_retranslation_keeps_old_text_and_appends_a_machine_version(final_transcription, editor):
    first = store(final_transcription, editor).translation
    document_finalize(
        doc=services.TRANSLATION_DOCUMENT, parent=first, user=editor
    )  # H-1-es, version 1
    new_source = add_english_version(final_transcription, editor)  # H-2 becomes final
    first.refresh_from_db()
    assert first.is_outdated

    new = [{**SEGMENTS[0], "text": "Hola a todos."}, SEGMENTS[1]]
    stored = store(final_transcription, editor, source=new_source, segments=new)
    translation = Translation.objects.get()
    assert stored.label == "T-2-es"
    assert stored.version.version_number == 2 and stored.version.is_machine
    assert stored.version.edited_text.startswith("Hola a todos.")
    # Nothing lost: T-1-es in the row, the finalized copy as version 1.
    assert translation.translated_text.startswith("Buenos días")
    assert translation.versions.get(version_number=1).edited_text.startswith("Buenos días")
    assert translation.source_version == new_source and not translation.is_outdated
    assert [c["version"] for c in translation.dictionary_corrections_applied] == [
        "T-1-es",
        "T-2-es",
    ]
    assert translation.current_machine_label == "T-2-es"
    diff = json.loads(stored.version.diff_from_previous)
    assert diff["operations"][0]["old_text"] in ("Buenos días", "Buenos días a todos")


# --- finalize --------------------------------------------------------------------------------


def test_finalizing_an_unedited_translation_copies_it_into_version_1(final_transcription, editor):
    translation = store(final_transcription, editor).translation
    version = document_finalize(doc=services.TRANSLATION_DOCUMENT, parent=translation, user=editor)
    translation.refresh_from_db()
    assert translation.final_version == version
    assert version.version_number == 1
    # The label is the English source label plus the language.
    assert version.version_type == f"{final_transcription.final_version.version_type}-es"
    assert version.origin == TranslationVersion.Origin.FINALIZE
    assert version.json_with_timestamps == translation.json_with_timestamps
    # Finalizing again does not add versions.
    assert (
        document_finalize(doc=services.TRANSLATION_DOCUMENT, parent=translation, user=editor)
        == version
    )
    assert translation.versions.count() == 1


def test_outdated_follows_the_english_final_version(final_transcription, editor):
    translation = store(final_transcription, editor).translation
    assert not translation.is_outdated
    add_english_version(final_transcription, editor, final=False)
    translation = Translation.objects.select_related("transcription").get()
    assert not translation.is_outdated  # a newer save that is not final changes nothing
    add_english_version(final_transcription, editor)
    translation = Translation.objects.select_related("transcription").get()
    assert translation.is_outdated
