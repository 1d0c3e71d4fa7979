"""The translate job end to end: glossary passes, batches, engines, failures, re-translation."""

import pytest
from django.urls import reverse

from documents.services import document_save_version
from glossary.models import DictionaryEntry
from integrations.tests.llm_fakes import error, prompt_segments, tool
from jobs.models import Job
from jobs.services import job_retry
from tests.factories import DictionaryEntryFactory
from translations import services
from translations.models import Translation, TranslationVersion
from translations.tests.conftest import ENGLISH, add_english_version

pytestmark = pytest.mark.django_db


def translate(transcription, user, codes, capture):
    with capture(execute=True):
        result = services.translation_start(
            transcription=transcription, language_codes=codes, user=user
        )
    jobs = [Job.objects.get(pk=job.pk) for job in result.started]
    return jobs[0] if len(jobs) == 1 else jobs


@pytest.fixture
def glossary(editor):
    def entry(original, corrected, language="en", context=None, source_term=None):
        return DictionaryEntryFactory(
            term_original=original,
            term_corrected=corrected,
            language_code=language,
            context=context,
            source_term=source_term,
            created_by=editor,
        )

    return {
        "implane": entry("implane", "implant"),
        "veneers": entry("veneers", "veneers"),
        # Target-language entries: the offline draft keeps English words, so these match.
        "es_implant": entry("implant", "implante", "es"),
        "es_veneers": entry("facetas", "carillas", "es", source_term="veneers"),
    }


def test_offline_job_translates_the_english_final_as_it_is_and_keeps_the_timing(
    final_transcription, editor, glossary, django_capture_on_commit_callbacks
):
    job = translate(final_transcription, editor, ["es"], django_capture_on_commit_callbacks)
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.progress == 100 and job.result["label"] == "T-1-es"
    translation = Translation.objects.get(language_code="es")
    segments = translation.json_with_timestamps["segments"]
    assert [(s["start"], s["end"]) for s in segments] == [(a, b) for a, b, _ in ENGLISH]
    # No English pass: the English glossary's "implane → implant" is not in the final, so
    # the translation says "implane" as the English does; the es pass still runs.
    assert segments[2]["text"] == "[draft es] The implane needs six weeks before the crown goes on."
    assert segments[1]["text"].startswith("[draft es]")
    assert translation.source_version == final_transcription.final_version

    fixes = translation.dictionary_corrections_applied
    # "implant" is not in the English, so the es entry has nothing to fix either.
    assert not any(c["language_code"] == "en" for c in fixes)
    for entry in glossary.values():
        entry.refresh_from_db()
    assert glossary["implane"].usage_count == 0
    assert glossary["veneers"].usage_count == 0


def test_target_pass_applies_after_translating(
    final_transcription, editor, glossary, django_capture_on_commit_callbacks
):
    # With the English correction applied to the English first, the es pass then fixes the
    # rendering of "implant" the offline draft leaves in the text.
    from glossary.services import glossary_apply_to_documents

    glossary_apply_to_documents(
        user=editor, language_code="en", keys=[f"transcript:{final_transcription.pk}"]
    )
    final_transcription.refresh_from_db()
    job = translate(final_transcription, editor, ["es"], django_capture_on_commit_callbacks)
    assert job.status == Job.Status.SUCCEEDED, job.error
    translation = Translation.objects.get(language_code="es")
    segments = translation.json_with_timestamps["segments"]
    assert segments[2]["text"] == (
        "[draft es] The implante needs six weeks before the crown goes on."
    )
    es_fix = next(c for c in translation.dictionary_corrections_applied)
    assert es_fix["language_code"] == "es" and es_fix["term_corrected"] == "implante"
    assert es_fix["segment_id"] == 2 and es_fix["version"] == "T-1-es"
    glossary["es_implant"].refresh_from_db()
    assert glossary["es_implant"].usage_count == 1


def test_claude_job_sends_glossary_terms_and_batches(
    final_transcription, editor, glossary, fake_claude, settings, django_capture_on_commit_callbacks
):
    settings.TRANSLATION_BATCH_SEGMENTS = 2
    settings.TRANSLATION_PARALLELISM = 1  # requests in order, to compare prompts
    job = translate(final_transcription, editor, ["zh"], django_capture_on_commit_callbacks)
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.result["batches"] == 2 and job.result["engine"] == "anthropic"
    prompts = [fake_claude.prompt_of(r) for r in fake_claude.requests]
    assert [[s["id"] for s in prompt_segments(p)] for p in prompts] == [[0, 1], [2, 3]]
    # The English is sent as it is in the final (no silent English pass).
    assert "The implane needs" in prompts[1]
    assert "- veneers" in prompts[0]
    translation = Translation.objects.get(language_code="zh")
    assert translation.translated_text.startswith("中文: Good morning")


def test_linked_target_terms_go_to_the_batch_that_needs_them(
    final_transcription, editor, glossary, fake_claude, django_capture_on_commit_callbacks
):
    translate(final_transcription, editor, ["es"], django_capture_on_commit_callbacks)
    prompt = fake_claude.prompt_of(fake_claude.requests[0])
    assert "- veneers → carillas" in prompt


def test_batches_run_in_parallel_and_land_in_order(
    final_transcription, editor, fake_claude, settings, django_capture_on_commit_callbacks
):
    settings.TRANSLATION_BATCH_SEGMENTS = 1
    settings.TRANSLATION_PARALLELISM = 4
    fake_claude.latency = 0.3
    job = translate(final_transcription, editor, ["de"], django_capture_on_commit_callbacks)
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.result["batches"] == 4 and len(fake_claude.requests) == 4
    assert fake_claude.max_in_flight > 1
    lines = Translation.objects.get().translated_text.split("\n")
    assert lines == [f"DE: {text}" for _, _, text in ENGLISH]


def test_a_reply_in_the_wrong_language_fails_clearly_and_writes_nothing(
    final_transcription, editor, glossary, fake_claude, django_capture_on_commit_callbacks
):
    fake_claude.translator = lambda segments, language: {
        "translations": [{"id": s["id"], "text": s["text"]} for s in segments]
    }
    job = translate(final_transcription, editor, ["zh"], django_capture_on_commit_callbacks)
    assert job.status == Job.Status.FAILED
    assert "could not translate segment" in job.error and "not in Chinese" in job.error
    assert not Translation.objects.exists()
    assert not DictionaryEntry.objects.filter(usage_count__gt=0).exists()


def test_missing_segments_are_asked_again(
    final_transcription, editor, fake_claude, django_capture_on_commit_callbacks
):
    fake_claude.script = [tool({"translations": [{"id": 0, "text": "ES: Buenos días."}]})]
    job = translate(final_transcription, editor, ["es"], django_capture_on_commit_callbacks)
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert len(fake_claude.requests) == 2
    assert Translation.objects.get().translated_text.count("\n") == 3


def test_a_vendor_outage_is_retried_and_finished_batches_are_not_paid_twice(
    final_transcription, editor, fake_claude, settings, django_capture_on_commit_callbacks
):
    settings.TRANSLATION_BATCH_SEGMENTS = 2
    settings.TRANSLATION_PARALLELISM = 1  # the scripted replies go to the batches in order
    # First attempt: batch 1 fine, batch 2 hits a 503; the job's retry resumes at batch 2.
    fake_claude.script = [tool(_auto(0, 1)), error(503, "overloaded")]
    job = translate(final_transcription, editor, ["es"], django_capture_on_commit_callbacks)
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.attempts == 2
    ids = [
        [s["id"] for s in prompt_segments(fake_claude.prompt_of(r))] for r in fake_claude.requests
    ]
    assert ids == [[0, 1], [2, 3], [2, 3]]


def test_a_permanent_vendor_error_fails_and_retry_runs_it_again(
    final_transcription, editor, fake_claude, django_capture_on_commit_callbacks
):
    fake_claude.script = [error(400, "prompt is too long")]
    job = translate(final_transcription, editor, ["fr"], django_capture_on_commit_callbacks)
    assert job.status == Job.Status.FAILED and "prompt is too long" in job.error
    assert not Translation.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        job_retry(job=job, user=editor)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert Translation.objects.get().language_code == "fr"


def test_retranslating_an_outdated_translation_keeps_every_version(
    editor_client, final_transcription, editor, django_capture_on_commit_callbacks
):
    translate(final_transcription, editor, ["es"], django_capture_on_commit_callbacks)
    translation = Translation.objects.get()
    document_save_version(
        doc=services.TRANSLATION_DOCUMENT,
        parent=translation,
        user=editor,
        based_on_version_number=0,
        segments_text={0: "Hola."},
    )
    lines = [*ENGLISH[:3], (9.75, 12.0, "Thank you very much, Dr. Soto.")]
    add_english_version(final_transcription, editor, lines)  # H-2 is final
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            reverse("translations:start", args=[final_transcription.pk]), {"language": "es"}
        )
    assert response.status_code == 302
    translation.refresh_from_db()
    versions = list(translation.versions.order_by("version_number"))
    assert [(v.version_type, v.origin) for v in versions] == [
        ("H-1-es", TranslationVersion.Origin.EDIT),
        ("T-2-es", TranslationVersion.Origin.MACHINE),
    ]
    assert versions[1].edited_text.endswith("[draft es] Thank you very much, Dr. Soto.")
    assert translation.translated_text.startswith("[draft es] Good morning")  # T-1-es kept
    assert versions[0].edited_text.startswith("Hola.")
    assert not translation.is_outdated and translation.source_version.version_type == "H-2"
    page = editor_client.get(reverse("translations:overview", args=[final_transcription.pk]))
    # Offline: the new machine text is a labelled draft, and the overview says so.
    assert 'data-status="draft"' in page.content.decode()
    # The reviewer continues on top of the new machine text.
    result = document_save_version(
        doc=services.TRANSLATION_DOCUMENT,
        parent=translation,
        user=editor,
        based_on_version_number=2,
        segments_text={0: "¡Hola!"},
    )
    assert result.label == "H-2-es" and result.number == 3


def test_a_job_for_a_transcript_that_lost_its_final_version_fails_clearly(
    final_transcription, editor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.translation_start(
            transcription=final_transcription, language_codes=["es"], user=editor
        )
    final_transcription.final_version = None
    final_transcription.save(update_fields=["final_version"])
    for callback in callbacks:
        callback()
    job = Job.objects.get(kind="translate")
    assert job.status == Job.Status.FAILED and "no final version yet" in job.error
    assert not Translation.objects.exists()


def test_all_languages_at_once(final_transcription, editor, django_capture_on_commit_callbacks):
    jobs = translate(final_transcription, editor, None, django_capture_on_commit_callbacks)
    assert len(jobs) == 8 and all(j.status == Job.Status.SUCCEEDED for j in jobs)
    assert sorted(Translation.objects.values_list("language_code", flat=True)) == [
        "ar",
        "de",
        "es",
        "fr",
        "hi",
        "it",
        "pt",
        "zh",
    ]


def _auto(*ids):
    from translations.tests.conftest import ENGLISH as lines

    return {"translations": [{"id": i, "text": f"ES: {lines[i][2]}"} for i in ids]}


def test_each_segment_goes_to_the_engine_with_its_voice_over_budget(
    final_transcription, editor, fake_claude, django_capture_on_commit_callbacks
):
    # Chinese: 9 characters a second, so "Good morning, everyone." (2.5 s) may take 22.
    translate(final_transcription, editor, ["zh"], django_capture_on_commit_callbacks)
    prompt = fake_claude.prompt_of(fake_claude.requests[0])
    sent = {s["id"]: s["max_chars"] for s in prompt_segments(prompt)}
    assert sent == {0: 22, 1: 31, 2: 33, 3: 20}
    assert "keep each translation within its max_chars" in prompt
