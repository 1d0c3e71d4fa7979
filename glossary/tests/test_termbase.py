"""The termbase: target-language entries name the English term they render."""

import importlib

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from glossary import selectors, services
from glossary.models import DictionaryEntry
from tests.factories import DictionaryEntryFactory
from translations.terms import glossary_for_language

pytestmark = pytest.mark.django_db

old_convention = importlib.import_module("glossary.migrations.0006_source_term_from_context")


def test_the_migration_turns_en_contexts_into_source_terms(editor):
    from django.apps import apps

    DictionaryEntryFactory(term_original="implane", term_corrected="implant", created_by=editor)
    explicit = DictionaryEntryFactory(
        term_original="facetas",
        term_corrected="carillas",
        language_code="es",
        context="en:  Implane",
        created_by=editor,
    )
    bare = DictionaryEntryFactory(
        term_original="implante",
        term_corrected="implante",
        language_code="it",
        context="implant",
        created_by=editor,
    )
    literal = DictionaryEntryFactory(
        term_original="muela",
        term_corrected="molar",
        language_code="es",
        context="en: molar",
        created_by=editor,
    )
    topic = DictionaryEntryFactory(
        term_original="encía",
        term_corrected="gingiva",
        language_code="es",
        context="periodontics",
        created_by=editor,
    )
    old_convention.forwards(apps, None)
    rows = {e.pk: (e.source_term, e.context) for e in DictionaryEntry.objects.all()}
    assert rows[explicit.pk] == ("implant", None)  # the English entry's corrected term
    assert rows[bare.pk] == ("implant", "implant")  # a bare context may be a topic too
    assert rows[literal.pk] == ("molar", None)
    assert rows[topic.pk] == (None, "periodontics")
    links = {(link.english, link.target_corrected) for link in glossary_for_language("es").links}
    assert links == {("implant", "carillas"), ("molar", "molar")}


def test_source_term_is_checked_and_kept_by_edits_that_leave_it_out(editor):
    entry = services.entry_create(
        user=editor,
        term_original="corona",
        term_corrected="corona cerámica",
        language_code="es",
        source_term="  ceramic   crown ",
    )
    assert entry.source_term == "ceramic crown"
    entry = services.entry_update(
        entry=entry,
        user=editor,
        term_original="corona",
        term_corrected="corona de cerámica",
        language_code="es",
    )
    assert entry.source_term == "ceramic crown"
    for bad, message in (("a\x00b", "control"), ("x" * 10_000, "at most 500"), ("!!", "letter")):
        with pytest.raises(ValidationError, match=message):
            services.entry_create(
                user=editor,
                term_original="z",
                term_corrected="z",
                language_code="es",
                source_term=bad,
            )
    with pytest.raises(ValidationError, match="English entry"):
        services.entry_create(user=editor, term_original="q", term_corrected="q", source_term="q")


@pytest.fixture
def concept(editor):
    services.entry_create(user=editor, term_original="implane", term_corrected="implant")
    return services.entry_create(user=editor, term_original="implant", term_corrected="implant")


def test_a_cell_adds_changes_links_and_empties_a_rendering(concept, editor):
    entry = services.termbase_set_rendering(
        user=editor, source_term="implant", language_code="es", rendering=" implante "
    )
    assert (entry.term_original, entry.term_corrected, entry.source_term) == (
        "implante",
        "implante",
        "implant",
    )
    changed = services.termbase_set_rendering(
        user=editor, source_term="implant", language_code="es", rendering="implante dental"
    )
    assert changed.pk == entry.pk and changed.term_original == "implante dental"
    # An unlinked entry of that spelling is linked rather than duplicated.
    loose = services.entry_create(
        user=editor, term_original="Implantat", term_corrected="Implantat", language_code="de"
    )
    linked = services.termbase_set_rendering(
        user=editor, source_term="implane", language_code="de", rendering="implantat"
    )
    assert linked.pk == loose.pk and linked.source_term == "implane"
    (row,) = selectors.termbase_concepts()
    assert row.term == "implant" and set(row.spellings) == {"implant", "implane"}
    assert {code: e.term_corrected for code, e in row.renderings.items()} == {
        "es": "implante dental",
        "de": "Implantat",
    }
    assert (
        services.termbase_set_rendering(
            user=editor, source_term="implant", language_code="es", rendering=""
        )
        is None
    )
    assert "es" not in selectors.termbase_concepts()[0].renderings


def test_a_cell_refuses_bad_input_with_a_message(concept, editor):
    for rendering, message in (
        ("a\x00b", "control"),
        ("x" * 10_000, "at most 500"),
        ("--", "no letter"),
    ):
        with pytest.raises(ValidationError, match=message):
            services.termbase_set_rendering(
                user=editor, source_term="implant", language_code="fr", rendering=rendering
            )
    with pytest.raises(ValidationError, match="English column"):
        services.termbase_set_rendering(
            user=editor, source_term="implant", language_code="en", rendering="x"
        )
    assert not DictionaryEntry.objects.filter(language_code="fr").exists()


def test_termbase_page_and_cell_post(concept, editor, editor_client, django_assert_max_num_queries):
    services.termbase_set_rendering(
        user=editor, source_term="implant", language_code="es", rendering="implante"
    )
    with django_assert_max_num_queries(12):
        page = editor_client.get(reverse("glossary:termbase"))
    html = page.content.decode()
    assert page.status_code == 200 and 'value="implante"' in html and "(fr)" in html
    cell = editor_client.post(
        reverse("glossary:termbase_cell"),
        {"source_term": "implant", "language_code": "fr", "rendering": "implant\x00"},
        HTTP_HX_REQUEST="true",
    )
    # NUL is refused before the view (the site-wide rule); termbase.js shows it in the cell.
    assert cell.status_code == 400 and "rendering" in cell.content.decode()
    cell = editor_client.post(
        reverse("glossary:termbase_cell"),
        {"source_term": "implant", "language_code": "fr", "rendering": "x" * 10_000},
        HTTP_HX_REQUEST="true",
    )
    assert cell.status_code == 200 and "at most 500" in cell.content.decode()
    cell = editor_client.post(
        reverse("glossary:termbase_cell"),
        {"source_term": "implant", "language_code": "fr", "rendering": "implant dentaire"},
        HTTP_HX_REQUEST="true",
    )
    assert 'value="implant dentaire"' in cell.content.decode() and "Saved" in cell.content.decode()
    plain = editor_client.post(
        reverse("glossary:termbase_cell"),
        {"source_term": "implant", "language_code": "it", "rendering": "impianto"},
    )
    assert plain.status_code == 302
    assert DictionaryEntry.objects.get(language_code="it").source_term == "implant"


def _rows():
    return sorted(
        DictionaryEntry.objects.values_list(
            "term_original", "term_corrected", "language_code", "context", "source_term"
        ),
        key=lambda r: tuple(v or "" for v in r),
    )


def test_tbx_carries_a_concept_per_english_term_and_round_trips(concept, editor):
    from glossary.exchange import parse_xml, write_tbx

    for code, rendering in (("es", "implante"), ("de", "Implantat"), ("ar", "زرعة")):
        services.termbase_set_rendering(
            user=editor, source_term="implant", language_code=code, rendering=rendering
        )
    services.entry_create(
        user=editor,
        term_original="implantación",
        term_corrected="implante",
        language_code="es",
        source_term="implane",
    )
    services.entry_create(user=editor, term_original="molar", term_corrected="molar")
    exported = write_tbx(DictionaryEntry.objects.all(), source_note="test")
    root = parse_xml(exported.encode())
    implant = next(
        e for e in root.iter("termEntry") if "Implantat" in [t.text for t in e.iter("term")]
    )
    lang = "http://www.w3.org/XML/1998/namespace lang"
    assert sorted(s.get(lang) for s in implant.iter("langSet")) == [
        "ar",
        "de",
        "en",
        "en",
        "es",
        "es",
    ]
    assert len(list(root.iter("termEntry"))) == 2  # implant, molar
    before = _rows()
    DictionaryEntry.objects.all().delete()
    report = services.glossary_import_file(user=editor, filename="g.tbx", data=exported.encode())
    assert report.imported, report.problems
    # Every rendering names its English term again (the concept's preferred English term).
    assert [(*r[:3], r[4]) for r in _rows()] == [
        (*r[:3], "implant" if r[2] != "en" else None) for r in before
    ]


def test_tbx_v3_concept_from_another_tool_links_its_languages(editor):
    data = b"""<?xml version="1.0" encoding="UTF-8"?>
<tbx type="TBX-Basic" style="dca" xml:lang="en" xmlns="urn:iso:std:iso:30042:ed-2">
<text><body>
  <conceptEntry id="c1">
    <langSec xml:lang="en-US"><termSec><term>ceramic crown</term></termSec></langSec>
    <langSec xml:lang="es"><termSec><term>corona cer\xc3\xa1mica</term></termSec></langSec>
    <langSec xml:lang="fr"><termSec><term>couronne c\xc3\xa9ramique</term></termSec></langSec>
  </conceptEntry>
</body></text></tbx>"""
    report = services.glossary_import_file(user=editor, filename="x.tbx", data=data)
    assert report.imported, report.problems
    assert {(e.language_code, e.source_term) for e in DictionaryEntry.objects.all()} == {
        ("en", None),
        ("es", "ceramic crown"),
        ("fr", "ceramic crown"),
    }
    assert ("ceramic crown", "corona cerámica") in glossary_for_language("es").for_batch(
        ["A ceramic crown."]
    )
