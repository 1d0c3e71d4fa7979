"""A glossary entry's impact on existing documents: previewed, applied only on request."""

import pytest
from django.urls import reverse

from accounts.models import Activity
from documents.selectors import document_snapshot
from documents.services import document_finalize
from glossary import services as glossary
from glossary.matcher import Matcher, Term
from transcripts.document import TRANSCRIPT_DOCUMENT
from translations import services
from translations.models import TranslationMemory
from translations.term_impact import changes_in, english_apply_first, english_pending
from translations.tests.conftest import add_english_version
from translations.tests.test_pages import machine

pytestmark = pytest.mark.django_db


def texts(translation):
    return document_snapshot(
        doc=services.TRANSLATION_DOCUMENT, parent=translation, with_json=False
    ).texts


@pytest.fixture
def four(final_transcription, editor, other_editor):
    """Four translations of one lecture; German is finalized."""
    made = {code: machine(final_transcription, editor, code) for code in ("es", "fr", "de", "it")}
    document_finalize(doc=services.TRANSLATION_DOCUMENT, parent=made["de"], user=other_editor)
    return made


def test_saving_entries_rewrites_no_existing_document(four, final_transcription, editor):
    """The reported bug: a glossary edit silently changed existing translations."""
    before = {code: (texts(t), t.versions.count()) for code, t in four.items()}
    english_before = document_snapshot(doc=TRANSCRIPT_DOCUMENT, parent=final_transcription).texts
    entry = glossary.entry_create(
        user=editor, term_original="implane", term_corrected="implant post"
    )
    glossary.entry_create(
        user=editor,
        term_original="implante",
        term_corrected="implante dental",
        language_code="es",
        source_term="implant",
    )
    glossary.entry_update(
        entry=entry,
        user=editor,
        term_original="implane",
        term_corrected="dental implant",
        language_code="en",
    )
    for code, translation in four.items():
        translation.refresh_from_db()
        assert (texts(translation), translation.versions.count()) == before[code]
    assert (
        document_snapshot(doc=TRANSCRIPT_DOCUMENT, parent=final_transcription).texts
        == english_before
    )


def test_impact_counts_segments_per_translation_and_marks_the_finalized(
    four, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        rows = glossary.entry_impact(
            term_original="[de] Hoy", term_corrected="Heute", language_code="de"
        )
    assert [(r.kind, r.segments, r.occurrences, r.finalized) for r in rows] == [
        ("German translation", 1, 1, True)
    ]
    rows = glossary.entry_impact(
        term_original="implante", term_corrected="implante dental", language_code="es"
    )
    assert [(r.title, r.segments, r.total_segments, r.finalized) for r in rows] == [
        ("Lecture 1.mp3", 1, 4, False)
    ]
    # A term kept as it is changes nothing; an English entry names the English finals.
    assert (
        glossary.entry_impact(term_original="Hoy", term_corrected="Hoy", language_code="es") == []
    )
    english = glossary.entry_impact(
        term_original="implane", term_corrected="implant", language_code="en"
    )
    assert [(r.kind, r.version_label, r.segments) for r in english] == [
        ("English transcript (final)", "H-1", 1)
    ]


def test_apply_makes_new_versions_of_the_chosen_translations_only(four, editor, client):
    entry = glossary.entry_create(
        user=editor,
        term_original="implante",
        term_corrected="implante dental",
        language_code="es",
        source_term="implant",
    )
    es = four["es"]
    client.force_login(editor)
    page = client.get(reverse("glossary:edit", args=[entry.pk]))
    assert page.status_code == 200 and f"translation:{es.pk}" in page.content.decode()
    response = client.post(
        reverse("glossary:apply", args=[entry.pk]), {"document": [f"translation:{es.pk}", "x:y"]}
    )
    assert response.status_code == 302
    assert es.versions.count() == 1
    assert texts(es)[2] == "El implante dental necesita seis semanas."
    # No human reviewed the change: that segment needs review, the others keep their state,
    # and nothing goes into the translation memory.
    states = [seg.get("state") for seg in es.versions.get().json_with_timestamps["segments"]]
    assert states[2] == "needs_review" and "needs_review" not in states[:2] + states[3:]
    assert "reviewed" not in states
    assert not TranslationMemory.objects.exists()
    activity = Activity.objects.get(action="dictionary.apply")
    assert activity.details["segments"] == 1 and activity.target_id == es.pk
    entry.refresh_from_db()
    assert entry.usage_count == 1
    # Applied again: nothing left to change, no further version.
    assert (
        glossary.entry_apply_to_documents(entry=entry, user=editor, keys=[f"translation:{es.pk}"])
        == []
    )
    assert es.versions.count() == 1
    page = client.get(reverse("glossary:edit", args=[entry.pk])).content.decode()
    assert (
        "Nothing would change: no existing document has “implante” written other than as "
        "“implante dental”." in page
    )


def test_english_first_writes_the_glossary_into_the_english_final(final_transcription, editor):
    glossary.entry_create(user=editor, term_original="implane", term_corrected="implant")
    pending = english_pending(final_transcription)
    assert (pending.segments, pending.terms) == (1, [("implane", "implant", 1)])
    applied = english_apply_first(transcription=final_transcription, user=editor)
    final_transcription.refresh_from_db()
    assert applied.version_label == final_transcription.final_version.version_type == "H-2"
    assert "The implant needs six weeks" in final_transcription.final_version.edited_text
    assert english_pending(final_transcription) is None


def test_english_first_refuses_unfinalized_edits_after_the_final(final_transcription, editor):
    from django.core.exceptions import ValidationError

    glossary.entry_create(user=editor, term_original="implane", term_corrected="implant")
    add_english_version(final_transcription, editor, final=False)
    final_transcription.refresh_from_db()
    with pytest.raises(ValidationError, match="edits after its final"):
        english_apply_first(transcription=final_transcription, user=editor)


def test_start_page_offers_to_apply_the_english_glossary_first(
    final_transcription, editor, editor_client
):
    glossary.entry_create(user=editor, term_original="implane", term_corrected="implant")
    overview = reverse("translations:overview", args=[final_transcription.pk])
    page = editor_client.get(overview).content.decode()
    assert "Apply to the English first" in page and "“implane” → “implant”" in page
    # Translating without it is an explicit choice: the translate form says what it skips.
    assert "1 English glossary correction is not in the final English H-1" in page
    assert "1 correction in 1 segment of the final English is not in it yet" in page
    assert "Translate the English as it is" in page
    for _ in range(2):  # a double click: the second finds nothing left to apply
        response = editor_client.post(
            reverse("glossary:english_first"),
            {"document": f"transcript:{final_transcription.pk}", "next": overview},
        )
        assert response.status_code == 302 and response["Location"] == overview
    final_transcription.refresh_from_db()
    assert final_transcription.final_version.version_type == "H-2"
    assert final_transcription.versions.count() == 2
    assert Activity.objects.filter(action="dictionary.apply").count() == 1
    page = editor_client.get(overview).content.decode()
    assert "Apply to the English first" not in page and "data-english-pending-note" not in page
    assert "Translate selected languages" in page


def test_review_page_says_retranslating_leaves_out_pending_english_corrections(
    final_transcription, editor, editor_client
):
    es = machine(final_transcription, editor, "es")
    add_english_version(final_transcription, editor)  # H-2 final: es is outdated
    page = editor_client.get(es.get_absolute_url()).content.decode()
    assert "data-english-pending-note" not in page
    glossary.entry_create(user=editor, term_original="implane", term_corrected="implant")
    page = editor_client.get(es.get_absolute_url()).content.decode()
    assert "1 English glossary correction is not in the final English; re-translating" in page


def test_consistency_page_shows_each_rendering_per_lecture_and_the_outliers(
    final_transcription, editor, editor_client
):
    machine(final_transcription, editor, "es")
    machine(final_transcription, editor, "fr")  # "[fr] Today we place ceramic veneers …"
    glossary.entry_create(user=editor, term_original="veneers", term_corrected="veneers")
    for code, rendering in (("es", "carillas"), ("fr", "facettes")):
        glossary.termbase_set_rendering(
            user=editor, source_term="veneers", language_code=code, rendering=rendering
        )
    from glossary.selectors import termbase_concepts
    from translations.term_impact import term_consistency

    (lecture,) = term_consistency(termbase_concepts())["veneers"]
    assert {
        code: (c.with_rendering, c.with_term, c.outlier) for code, c in lecture.cells.items()
    } == {
        "es": (1, 1, False),
        "fr": (0, 1, True),
    }
    page = editor_client.get(reverse("glossary:consistency"), {"outliers": "1"})
    html = page.content.decode()
    assert page.status_code == 200 and "Lecture 1.mp3" in html
    assert html.count("consistency--outlier") == 2  # the legend and the French cell


@pytest.mark.django_db(transaction=True)
def test_applying_twice_at_once_makes_one_version(final_transcription, editor, other_editor):
    from tests.concurrency import at_once

    es = machine(final_transcription, editor, "es")
    glossary.entry_create(user=editor, term_original="implane", term_corrected="implant")
    entry = glossary.entry_create(
        user=editor,
        term_original="implante",
        term_corrected="implante dental",
        language_code="es",
        source_term="implant",
    )
    at_once(
        lambda user: glossary.glossary_apply_to_documents(
            user=user, language_code="en", keys=[f"transcript:{final_transcription.pk}"]
        ),
        [editor, other_editor],
    )
    at_once(
        lambda user: glossary.entry_apply_to_documents(
            entry=entry, user=user, keys=[f"translation:{es.pk}"]
        ),
        [editor, other_editor],
    )
    assert final_transcription.versions.count() == 2  # T-1 → H-1 final → one H-2
    assert es.versions.count() == 1
    assert Activity.objects.filter(action="dictionary.apply").count() == 2


def test_a_correction_of_capitals_only_is_a_change_until_written_so():
    # Found ignoring case; already corrected only where written exactly as corrected.
    capitals = Matcher([Term(1, "root canal", "Root Canal")])
    assert [m.text for m in changes_in(capitals, "A root canal, then the Root Canal.")] == [
        "root canal"
    ]
    longer = Matcher([Term(1, "implante", "implante dental")])
    assert changes_in(longer, "El implante dental y el implante.")[0].start == 24
    assert len(changes_in(longer, "El implante dental y el implante.")) == 1
