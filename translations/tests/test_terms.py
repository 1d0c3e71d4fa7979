"""The glossary as translations use it: matching, linking English terms, prompt hints."""

import pytest

from tests.factories import DictionaryEntryFactory
from translations.terms import WordIndex, consistency_report, find_term, glossary_for_language

pytestmark = pytest.mark.django_db


def test_find_term_is_whole_word_and_case_insensitive_unless_unspaced():
    assert find_term("Implant, implants, IMPLANT.", "implant") == [(0, 7), (19, 26)]
    assert find_term("种植体很重要", "种植体", word_boundaries=False) == [(0, 3)]
    assert find_term("Straße", "strasse") == []


def test_word_index_finds_multiword_terms_in_any_case():
    index = WordIndex("We place a Ceramic  Crown on the ortho-dontic case.")
    assert index.has("ceramic crown") and index.has("Crown")
    assert not index.has("ceramic bridge") and not index.has("row")


@pytest.fixture
def entries(editor):
    def entry(original, corrected, language="en", source_term=None, context=None):
        return DictionaryEntryFactory(
            term_original=original,
            term_corrected=corrected,
            language_code=language,
            source_term=source_term,
            context=context,
            created_by=editor,
        )

    entry("implane", "implant")
    entry("veneers", "veneers")
    entry("facetas", "carillas", "es", "Veneers")  # linked by its source term
    entry("implantación", "implante", "es", "implane")  # linked by an en entry's original
    entry("muela", "molar", "es", "molar")  # links a term with no en entry
    # A context that reads like the old convention links nothing any more.
    entry("encía", "gingiva", "es", context="en: gums")
    entry("veneers", "veneers", "fr")  # another language: ignored


def test_links_follow_the_source_term_column(entries):
    glossary = glossary_for_language("es")
    links = {(link.english, link.target_corrected) for link in glossary.links}
    assert links == {("veneers", "carillas"), ("implant", "implante"), ("molar", "molar")}
    assert glossary.unlinked == [("encía", "gingiva")]


def test_a_batch_gets_only_the_terms_its_english_contains(entries):
    glossary = glossary_for_language("es")
    pairs = glossary.for_batch(["The implant and the veneers."])
    assert ("implant", "implante") in pairs and ("veneers", "carillas") in pairs
    assert ("molar", "molar") not in pairs
    assert ("encía", "gingiva") in pairs  # unlinked target entries always go along
    assert glossary.for_batch(["Nothing relevant."]) == [("encía", "gingiva")]


def test_report_finds_expected_terms_missing_even_from_an_uncorrected_source(entries):
    english = [
        {"id": 0, "start": 0.0, "text": "The implane needs time."},
        {"id": 1, "start": 3.0, "text": "Veneers are thin."},
    ]
    translated = [
        {"id": 0, "text": "El implante necesita tiempo."},
        {"id": 1, "text": "Las facetas son finas."},
    ]
    report = consistency_report(
        corrections=[],
        label="T-1-es",
        english_segments=english,
        translated_segments=translated,
        language_code="es",
    )
    assert [(m.segment_id, m.english, m.expected) for m in report.missing] == [
        (1, "veneers", "carillas")
    ]
    assert report.linked_terms == 3
