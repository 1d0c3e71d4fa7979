"""The overview, review, report and export pages as an editor sees them."""

import pytest
from django.urls import reverse

from documents.services import document_finalize, document_save_version
from glossary.models import DictionaryEntry
from jobs.models import Job
from languages.models import Language
from translations import services
from translations.selectors import all_translations
from translations.tests.conftest import add_english_version

pytestmark = pytest.mark.django_db

SPANISH = [
    {"id": 0, "start": 0.0, "end": 2.5, "text": "Buenos días a todos."},
    {
        "id": 1,
        "start": 2.5,
        "end": 6.0,
        "text": "Hoy colocamos carillas de cerámica en los incisivos.",
    },
    {"id": 2, "start": 6.0, "end": 9.75, "text": "El implante necesita seis semanas."},
    {"id": 3, "start": 9.75, "end": 12.0, "text": "Gracias, Dr. Soto."},
]


def machine(transcription, user, code="es", segments=SPANISH, corrections=()):
    return services.translation_store_machine_text(
        transcription=transcription,
        language_code=code,
        source=transcription.final_version,
        segments=[
            {**s, "text": f"{s['text']}" if code == "es" else f"[{code}] {s['text']}"}
            for s in segments
        ],
        corrections=list(corrections),
        engine="anthropic",
        user=user,
    ).translation


def overview_url(transcription):
    return reverse("translations:overview", args=[transcription.pk])


# --- overview ------------------------------------------------------------------------------


def test_overview_lists_every_language_with_its_status(
    editor_client, final_transcription, editor, other_editor, django_assert_max_num_queries
):
    es = machine(final_transcription, editor, "es")
    fr = machine(final_transcription, editor, "fr")
    de = machine(final_transcription, editor, "de")
    document_finalize(doc=services.TRANSLATION_DOCUMENT, parent=de, user=other_editor)
    document_save_version(
        doc=services.TRANSLATION_DOCUMENT,
        parent=fr,
        user=other_editor,
        based_on_version_number=0,
        segments_text={0: "Bonjour."},
    )
    Job.objects.create(
        kind="translate",
        task_name="translations.tasks.translate",
        target_type_id=_ct(final_transcription),
        target_id=final_transcription.pk,
        params={"language": "pt"},
        status=Job.Status.RUNNING,
        progress=40,
        message="Translating into Portuguese: batch 2 of 5…",
    )
    # 10: the English glossary's matcher is built once per process (the card that offers to
    # apply it to the English first; a warm process reads it from memory), and the lecture's
    # speakers' own English terms are one query.
    with django_assert_max_num_queries(10):
        response = editor_client.get(overview_url(final_transcription))
    page = response.content.decode()
    rows = {row: _row(page, row) for row in ("es", "fr", "de", "pt", "zh", "ar")}
    assert 'data-status="machine"' in rows["es"] and "T-1-es" in rows["es"]
    assert "Anthropic Claude (asked by Erin Editor)" in rows["es"]
    assert 'data-status="edited"' in rows["fr"] and "H-1-fr" in rows["fr"]
    assert "Sam Second" in rows["fr"]
    assert 'data-status="final"' in rows["de"]
    assert 'data-status="running"' in rows["pt"] and "batch 2 of 5" in rows["pt"]
    assert 'data-status="not_started"' in rows["zh"]
    assert 'dir="rtl"' not in rows["es"]
    assert es.get_absolute_url() in rows["es"]
    assert "Gracias, Dr. Soto." in rows["es"]  # the seed query's latest text


def test_overview_query_count_does_not_grow_with_languages(
    editor_client, final_transcription, editor, django_assert_max_num_queries
):
    for code in ("es", "pt", "fr", "de", "it", "zh", "hi", "ar"):
        translation = machine(final_transcription, editor, code)
        document_finalize(doc=services.TRANSLATION_DOCUMENT, parent=translation, user=editor)
    # 10: the English glossary's matcher is built once per process (the card that offers to
    # apply it to the English first; a warm process reads it from memory), and the lecture's
    # speakers' own English terms are one query.
    with django_assert_max_num_queries(10):
        response = editor_client.get(overview_url(final_transcription))
    assert response.content.decode().count('data-status="final"') == 8


def test_outdated_translations_are_flagged_with_a_one_click_retranslate(
    editor_client, final_transcription, editor
):
    machine(final_transcription, editor, "es")
    add_english_version(final_transcription, editor)  # H-2 is final now
    page = editor_client.get(overview_url(final_transcription)).content.decode()
    row = _row(page, "es")
    assert 'data-status="outdated"' in row and "made from H-1" in row
    assert "Re-translate from H-2" in row
    assert "1 translation was made from an older English version than H-2" in page
    translation = final_transcription.translations.get()
    review = editor_client.get(translation.get_absolute_url()).content.decode()
    assert "Outdated: this translation was made from English H-1" in review
    assert "Re-translate from H-2" in review
    history = editor_client.get(reverse("translations:history", args=[translation.pk]))
    assert "Outdated: this translation was made from English H-1" in history.content.decode()
    report = editor_client.get(reverse("translations:report", args=[translation.pk]))
    assert "Outdated: made from English H-1" in report.content.decode()


def test_retranslate_button_starts_one_job_for_that_language(
    editor_client, final_transcription, editor, django_capture_on_commit_callbacks
):
    machine(final_transcription, editor, "es")
    add_english_version(final_transcription, editor)
    with django_capture_on_commit_callbacks(execute=False):
        response = editor_client.post(
            reverse("translations:start", args=[final_transcription.pk]),
            {"language": "es"},
            follow=True,
        )
    assert "Translation started: Spanish." in response.content.decode()
    (job,) = Job.objects.filter(kind="translate")
    assert job.params == {"language": "es"}


def test_start_form_without_languages_says_so(editor_client, final_transcription):
    response = editor_client.post(
        reverse("translations:start", args=[final_transcription.pk]),
        {"scope": "chosen"},
        follow=True,
    )
    assert "Choose at least one language" in response.content.decode()
    assert not Job.objects.exists()


def test_start_without_final_version_explains(editor_client, transcription):
    response = editor_client.post(
        reverse("translations:start", args=[transcription.pk]), {"language": "es"}, follow=True
    )
    page = response.content.decode()
    assert "no final version yet" in page
    assert not Job.objects.exists()


def test_failed_job_shows_its_error_and_retry(editor_client, final_transcription):
    Job.objects.create(
        kind="translate",
        task_name="translations.tasks.translate",
        target_type_id=_ct(final_transcription),
        target_id=final_transcription.pk,
        params={"language": "zh"},
        status=Job.Status.FAILED,
        error="anthropic could not translate segment 1 into Chinese (Simplified)",
    )
    row = _row(editor_client.get(overview_url(final_transcription)).content.decode(), "zh")
    assert "could not translate segment 1 into Chinese" in row
    assert ">Retry</button>" in row


def test_seed_query_returns_versions_newest_first(final_transcription, editor):
    translation = machine(final_transcription, editor, "es")
    document_finalize(doc=services.TRANSLATION_DOCUMENT, parent=translation, user=editor)
    rows = all_translations(final_transcription.pk)
    assert [(r.language_code, r.version_number) for r in rows] == [("es", 1)]
    assert rows[0].latest_text.startswith("Buenos días")


# --- glossary report ----------------------------------------------------------------------


def test_report_lists_applied_entries_and_missing_linked_terms(
    editor_client, final_transcription, editor, django_assert_max_num_queries
):
    DictionaryEntry.objects.create(
        term_original="veneers", term_corrected="veneers", created_by=editor
    )
    DictionaryEntry.objects.create(
        term_original="implane", term_corrected="implant", created_by=editor
    )
    # Linked es entries: expected wherever the English has the term.
    DictionaryEntry.objects.create(
        term_original="facetas",
        term_corrected="carillas",
        language_code="es",
        source_term="veneers",
        created_by=editor,
    )
    DictionaryEntry.objects.create(
        term_original="implantación",
        term_corrected="implante dental",
        language_code="es",
        source_term="implant",
        created_by=editor,
    )
    corrections = [
        {
            "term_original": "implane",
            "term_corrected": "implant",
            "position": [88, 95],
            "language_code": "en",
            "segment_id": 2,
        },
        {
            "term_original": "veneers",
            "term_corrected": "veneers",
            "position": [40, 47],
            "language_code": "en",
            "segment_id": 1,
        },
    ]
    translation = machine(final_transcription, editor, "es", corrections=corrections)
    with django_assert_max_num_queries(8):
        response = editor_client.get(reverse("translations:report", args=[translation.pk]))
    page = response.content.decode()
    applied = page.split("Entries applied")[1].split("Expected terms")[0]
    assert "implane → implant" in applied and "#2" in applied
    assert 'veneers <span class="muted">(kept)</span>' in applied
    missing = page.split("Expected terms missing")[1]
    # "carillas" is in segment 1, "implante dental" is not in segment 2 (it says "implante").
    assert "implante dental" in missing and "#2" in missing
    assert "carillas" not in missing.split("<tbody>")[1]
    assert "2 such entries" in missing


def _ct(obj):
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(obj).pk


def _row(page: str, code: str) -> str:
    return page.split(f'id="lang-{code}"')[1].split("</tr>")[0]


def test_inactive_language_rows_stay_visible_when_translated(
    editor_client, final_transcription, editor
):
    machine(final_transcription, editor, "it")
    Language.objects.filter(code="it").update(active=False)
    page = editor_client.get(overview_url(final_transcription)).content.decode()
    assert 'id="lang-it"' in page
    assert 'value="it"' not in page.split("<table")[0]  # not offered in the form
