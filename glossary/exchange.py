"""Reading and writing glossary files: CSV and TBX (TermBase eXchange, ISO 30042).

Parsing only turns bytes into `ImportRow`s (or refuses the whole file with one clear
`ImportFileError`); judging each row against the dictionary is
`services.glossary_import`'s job.

CSV
---
UTF-8 (a byte-order mark is fine), comma-separated (semicolon or tab is recognised
from the header line, as spreadsheets in some locales write them). The header names
the columns, in any order::

    term_original,term_corrected,language_code,context,usage_count,source_term

`term_original` and `term_corrected` are required; `source_term` names the English term a
target-language entry renders (the termbase); `language_code` defaults to `en`
(the seed's default); `usage_count` is what export writes and is ignored on import
(usage is counted by Max, not by files). Any other column is refused.

Spreadsheets run a cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage
return before one) as a formula: `=HYPERLINK(...)` in a term would be a live link, `+cmd|...`
a command. Export therefore writes such a cell with a leading apostrophe (OWASP's "CSV
injection" advice; spreadsheets show the apostrophe-prefixed text as text), and import
removes it again. To keep that reversible for every value, a value that already starts
with apostrophes followed by one of those characters gets one more apostrophe, and import
removes exactly one: export → import is lossless.

TBX
---
Export writes TBX-Basic in the TBX v2 layout (`<martif>`, ISO 30042:2008), the
dialect memoQ, Trados MultiTerm and Weblate (translate-toolkit) all read. One
`termEntry` is one concept: an English term with its English entries and every
target-language entry whose `source_term` names it, one `langSet` per language (per
correction and context, when a language keeps two spellings; a canonical entry
beside corrections to the same term has a section of its own). Within a language
section, an entry maps as::

    <termEntry id="…">
      <descrip type="subjectField">{context}</descrip>            (when there is one)
      <langSet xml:lang="{language_code}">
        <tig><term>{term_corrected}</term>
             <termNote type="administrativeStatus">preferredTerm-admn-sts</termNote></tig>
        <tig><term>{term_original}</term>                          (unless canonical)
             <termNote type="administrativeStatus">notRecommendedTerm-admn-sts</termNote></tig>
      </langSet>
    </termEntry>

i.e. the correction is the concept's preferred term and the original is a term not
to use. A canonical entry (original == corrected) is a lone preferred term.

Import reads that layout, TBX v3 (`<tbx>`, `conceptEntry`/`langSec`/`termSec`, with
or without the ISO namespace) and `ntig` as well. Per language section: the preferred
term is the one marked preferred, else the first term not marked as one to avoid;
every term marked not recommended / deprecated / obsolete / forbidden / superseded
becomes an entry original → preferred; every other term (admitted, or unmarked) is a
canonical entry. `subjectField` (on the entry or the language section) becomes the
context. Language tags are reduced to Max's codes: `en-US` → `en` when `en-US` itself
is not a Max language. In a concept with an English section, the other languages'
entries get the English preferred term as their `source_term`.

Every stored text makes a well-formed file: `& < >` and quotes are escaped, tab and
line breaks are written as character references (so the parser's line-end and
whitespace normalisation cannot change them), and the characters XML 1.0 cannot carry at
all (C0 controls other than tab, LF, CR; U+FFFE, U+FFFF) are left out: they are invisible
debris of copy and paste, which Max refuses wherever text is entered, so only rows stored
before that rule can hold one. Everything else reads back exactly.

Safety: the XML is parsed by expat with every entity declaration, internal DTD
subset and external entity refused (what defusedxml does), so no billion-laughs or
external-entity attack gets through; a bare `<!DOCTYPE martif SYSTEM "…dtd">`, as
TBX v2 files carry, is accepted and never fetched.
"""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pyexpat import ExpatError, ParserCreate

CSV_COLUMNS = [
    "term_original",
    "term_corrected",
    "language_code",
    "context",
    "usage_count",
    "source_term",
]
CSV_REQUIRED = {"term_original", "term_corrected"}
CSV_IGNORED = {"usage_count"}

XML_LANG = "http://www.w3.org/XML/1998/namespace lang"
AVOID_STATUSES = ("notrecommended", "deprecated", "obsolete", "forbidden", "superseded")

# What a spreadsheet reads as the start of a formula (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message is for the user."""


@dataclass(frozen=True)
class ImportRow:
    """One dictionary entry read from a file; `where` tells the user which line or entry."""

    where: str
    term_original: str
    term_corrected: str
    language_code: str
    context: str = ""
    source_term: str = ""  # the English term a target-language entry renders


def detect_format(filename: str, data: bytes) -> str:
    name = filename.lower()
    if name.endswith(".csv") or name.endswith(".txt"):
        return "csv"
    if name.endswith(".tbx") or name.endswith(".xml"):
        return "tbx"
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return "tbx"
    return "csv"


def decode_utf8(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"The file is not UTF-8 text (byte 0x{data[exc.start]:02x} at position {exc.start} "
            "is not valid UTF-8). Save it as UTF-8 (in Excel: “CSV UTF-8”) and upload it again."
        ) from exc


# --- CSV -------------------------------------------------------------------------------


def parse_csv(data: bytes) -> list[ImportRow]:
    text = decode_utf8(data)
    if "\x00" in text:
        raise ImportFileError("The file contains NUL bytes: it is not a CSV text file.")
    if not text.strip():
        raise ImportFileError("The file is empty.")
    first_line = text.lstrip().split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [name.strip().lower() for name in next(reader)]
        _check_header(header)
        rows = []
        for record in reader:
            if not any(field.strip() for field in record):
                continue
            where = f"line {reader.line_num}"
            if len(record) > len(header):
                raise ImportFileError(
                    f"{where.capitalize()} has {len(record)} fields but the header has "
                    f"{len(header)}: check for an unquoted comma."
                )
            values = {
                name: csv_cell_restore(value) for name, value in zip(header, record, strict=False)
            }
            rows.append(
                ImportRow(
                    where=where,
                    term_original=values.get("term_original", ""),
                    term_corrected=values.get("term_corrected", ""),
                    language_code=values.get("language_code", "").strip() or "en",
                    context=values.get("context", "").strip(),
                    source_term=values.get("source_term", "").strip(),
                )
            )
    except csv.Error as exc:
        raise ImportFileError(
            f"The CSV cannot be read near line {reader.line_num}: {exc}."
        ) from exc
    return rows


def _check_header(header: list[str]) -> None:
    expected = ",".join(CSV_COLUMNS[:4])
    unknown = [name for name in header if name not in CSV_COLUMNS]
    if unknown:
        raise ImportFileError(
            f"Unknown column(s) in the header: {', '.join(repr(n) for n in unknown)}. "
            f"The first line must name the columns, e.g. “{expected}”."
        )
    missing = sorted(CSV_REQUIRED - set(header))
    if missing:
        raise ImportFileError(
            f"The header lacks {' and '.join(missing)}. "
            f"The first line must name the columns, e.g. “{expected}”."
        )
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise ImportFileError(f"The header names {', '.join(repeated)} more than once.")


def csv_cell_neutralise(value: str) -> str:
    """The cell as export writes it: never the start of a spreadsheet formula."""
    return "'" + value if value.lstrip("'").startswith(FORMULA_STARTS) else value


def csv_cell_restore(value: str) -> str:
    """The inverse of `csv_cell_neutralise`."""
    if value.startswith("'") and value[1:].lstrip("'").startswith(FORMULA_STARTS):
        return value[1:]
    return value


def write_csv(entries: Iterable) -> str:
    out = io.StringIO(newline="")
    # A byte-order mark so spreadsheets open the file as UTF-8; import accepts it.
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        writer.writerow(
            [
                csv_cell_neutralise(entry.term_original),
                csv_cell_neutralise(entry.term_corrected),
                csv_cell_neutralise(entry.language_code),
                csv_cell_neutralise(entry.context or ""),
                entry.usage_count,
                csv_cell_neutralise(getattr(entry, "source_term", None) or ""),
            ]
        )
    return out.getvalue()


# --- TBX -------------------------------------------------------------------------------


def _forbid(*_args):
    raise ImportFileError(
        "The TBX file declares entities or an inline DTD, which Max refuses for safety. "
        "Export it again without them."
    )


def parse_xml(data: bytes) -> ET.Element:
    """Parse untrusted XML safely into an ElementTree with namespace-free tag names.

    Attribute names keep their namespace as "uri local" (xml:lang is `XML_LANG`).
    """
    builder = ET.TreeBuilder()
    parser = ParserCreate(namespace_separator=" ")

    def start_doctype(_name, _system_id, _public_id, has_internal_subset):
        if has_internal_subset:
            _forbid()

    def start(tag, attributes):
        builder.start(tag.rsplit(" ", 1)[-1], attributes)

    def end(tag):
        builder.end(tag.rsplit(" ", 1)[-1])

    parser.StartDoctypeDeclHandler = start_doctype
    parser.EntityDeclHandler = _forbid
    parser.UnparsedEntityDeclHandler = _forbid
    parser.ExternalEntityRefHandler = _forbid
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = builder.data
    parser.buffer_text = True
    try:
        parser.Parse(data, True)
    except ExpatError as exc:
        raise ImportFileError(
            f"The TBX file is not well-formed XML (line {exc.lineno}, column {exc.offset + 1}): "
            f"{_expat_message(exc)}."
        ) from exc
    return builder.close()


def _expat_message(exc: ExpatError) -> str:
    return str(exc).split(":", 1)[0]


def _text(element: ET.Element | None) -> str:
    return "".join(element.itertext()) if element is not None else ""


def _children(element: ET.Element, *tags: str) -> list[ET.Element]:
    return [child for child in element if child.tag in tags]


def _subject_field(element: ET.Element) -> str:
    for descrip in _children(element, "descrip", "descripGrp"):
        if descrip.tag == "descripGrp":
            descrip = next(iter(_children(descrip, "descrip")), descrip)
        if descrip.get("type") == "subjectField":
            return " ".join(_text(descrip).split())
    return ""


def _term_status(term_group: ET.Element) -> str:
    for note in term_group.iter("termNote"):
        if note.get("type") == "administrativeStatus":
            return _text(note).strip().lower()
    return ""


def parse_tbx(data: bytes) -> list[ImportRow]:
    decode_utf8(data)  # same clear message as CSV for a wrongly encoded file
    root = parse_xml(data)
    if root.tag not in ("martif", "tbx"):
        raise ImportFileError(
            f"This XML file is not TBX: its root element is <{root.tag}>, "
            "expected <martif> (TBX v2) or <tbx> (TBX v3)."
        )
    file_language = root.get(XML_LANG, "")
    rows: list[ImportRow] = []
    entries = [e for e in root.iter() if e.tag in ("termEntry", "conceptEntry")]
    for number, entry in enumerate(entries, start=1):
        where = f"term entry {number}" + (f" (id {entry.get('id')})" if entry.get("id") else "")
        entry_context = _subject_field(entry)
        sections = _children(entry, "langSet", "langSec")
        if not sections:
            raise ImportFileError(f"The {where} has no language section (langSet / langSec).")
        found = []
        for section in sections:
            language = section.get(XML_LANG) or file_language
            context = _subject_field(section) or entry_context
            found.extend(_section_rows(section, where, language, context))
        # The concept's English term: what its other languages' terms render.
        english = next(
            (r.term_corrected for r in found if _is_english(r.language_code) and r.term_corrected),
            "",
        )
        rows.extend(
            row
            if _is_english(row.language_code) or not english
            else replace(row, source_term=english)
            for row in found
        )
    if not rows:
        raise ImportFileError("The TBX file contains no terms (no termEntry / conceptEntry).")
    return rows


def _is_english(tag: str) -> bool:
    return tag.strip().lower().replace("_", "-").split("-", 1)[0] == "en"


def _section_rows(section: ET.Element, where: str, language: str, context: str) -> list[ImportRow]:
    terms: list[tuple[str, str]] = []  # (term, status)
    for group in _children(section, "tig", "ntig", "termSec"):
        term = next(group.iter("term"), None)
        terms.append((_text(term), _term_status(group)))
    if not terms:
        return [ImportRow(where, "", "", language, context)]
    avoided = [t for t in terms if t[1].startswith(AVOID_STATUSES)]
    kept = [t for t in terms if not t[1].startswith(AVOID_STATUSES)]
    preferred = next((t for t in kept if t[1].startswith("preferred")), kept[0] if kept else None)
    rows = []
    if preferred is None:
        return [
            ImportRow(where, term, "", language, context)  # reported: no correct term given
            for term, _ in avoided
        ]
    # A concept with terms to avoid is a correction: its preferred term is what they become,
    # not also a canonical entry of its own (Max exports a canonical entry as a concept with
    # a preferred term only), so Max's own export imports back as exactly the entries it
    # came from. A kept term that differs from a term to avoid only by case ("covid" →
    # "COVID") is likewise that entry's original, never a canonical entry.
    avoided_keys = {" ".join(term.split()).casefold() for term, _ in avoided}
    for term, status in kept:
        if avoided and (term, status) == preferred:
            continue
        if " ".join(term.split()).casefold() not in avoided_keys:
            rows.append(ImportRow(where, term, term, language, context))
    for term, _ in avoided:
        rows.append(ImportRow(where, term, preferred[0], language, context))
    return rows


# Characters outside XML 1.0's `Char` production: no file may contain them, not even as
# character references.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_XML_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "\t": "&#9;",
        "\n": "&#10;",
        "\r": "&#13;",
    }
)


def xml_text(value: str) -> str:
    """`value` as XML character data (or an attribute value inside double quotes) that
    parses back to exactly `value`, less what XML cannot carry at all."""
    return _NOT_XML.sub("", value).translate(_XML_ESCAPES)


def tbx_concepts(entries: Iterable) -> list[list]:
    """The entries grouped into concepts, as export writes them: an English term (the
    English entries correcting to it) with every entry whose `source_term` names it or one
    of its spellings. Entries of other languages that name no exported English term are a
    concept of their own (of their `source_term` when they have one)."""
    entries = list(entries)
    concepts: dict[str, list] = {}
    by_name: dict[str, str] = {}
    for entry in entries:
        if entry.language_code == "en":
            key = " ".join(entry.term_corrected.split()).casefold()
            concepts.setdefault(key, []).append(entry)
    for key, members in concepts.items():
        for entry in members:
            for name in (entry.term_original, entry.term_corrected):
                by_name.setdefault(" ".join(name.split()).casefold(), key)
    loose = 0
    for entry in entries:
        if entry.language_code == "en":
            continue
        source = " ".join((getattr(entry, "source_term", None) or "").split()).casefold()
        key = by_name.get(source) if source else None
        if key is None and source:
            key = by_name.setdefault(source, f"source:{source}")
        if key is None:
            loose += 1
            key = f"entry:{loose}"
        concepts.setdefault(key, []).append(entry)
    return list(concepts.values())


def write_tbx(entries: Iterable, *, source_note: str) -> str:
    """TBX-Basic (v2 layout): one `termEntry` per concept (see `tbx_concepts`), one
    `langSet` per language, corrected term preferred and originals not recommended."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<!DOCTYPE martif SYSTEM "TBXBasiccoreStructV02.dtd">',
        '<martif type="TBX-Basic-V1" xml:lang="en">',
        "  <martifHeader>",
        "    <fileDesc>",
        "      <titleStmt><title>Max glossary</title></titleStmt>",
        f"      <sourceDesc><p>{xml_text(source_note)}</p></sourceDesc>",
        "    </fileDesc>",
        '    <encodingDesc><p type="XCSURI">TBXBasicXCSV02.xcs</p></encodingDesc>',
        "  </martifHeader>",
        "  <text>",
        "    <body>",
    ]
    for members in tbx_concepts(entries):
        contexts = {entry.context or "" for entry in members}
        shared = contexts.pop() if len(contexts) == 1 else None
        lines.append(f'      <termEntry id="e-{xml_text(str(members[0].pk))}">')
        if shared:
            lines.append(f'        <descrip type="subjectField">{xml_text(shared)}</descrip>')
        english = [e for e in members if e.language_code == "en"]
        source = next(
            (getattr(e, "source_term", None) for e in members if getattr(e, "source_term", None)),
            None,
        )
        if not english and source:
            # The English term the renderings name has no English entry: it is still the
            # concept's English term (imported back as a term to keep).
            lines.append('        <langSet xml:lang="en">')
            lines.append(_tig(source, "preferredTerm-admn-sts"))
            lines.append("        </langSet>")
        # One language section per language, correction and context (a concept may hold
        # two spellings a language keeps, or entries of differing contexts).
        # A term kept as it is gets a section of its own beside the corrections to it: a
        # section with terms to avoid imports as corrections only.
        sections: dict[tuple[str, str, str, bool], list] = {}
        for entry in members:
            key = (
                entry.language_code,
                entry.term_corrected,
                entry.context or "",
                entry.term_original == entry.term_corrected,
            )
            sections.setdefault(key, []).append(entry)
        for (language, corrected, context, _), group in sections.items():
            lines.append(f'        <langSet xml:lang="{xml_text(language)}">')
            if shared is None and context:
                lines.append(
                    f'          <descrip type="subjectField">{xml_text(context)}</descrip>'
                )
            lines.append(_tig(corrected, "preferredTerm-admn-sts"))
            for entry in group:
                if entry.term_original != entry.term_corrected:
                    lines.append(_tig(entry.term_original, "notRecommendedTerm-admn-sts"))
            lines.append("        </langSet>")
        lines.append("      </termEntry>")
    lines += ["    </body>", "  </text>", "</martif>", ""]
    return "\n".join(lines)


def _tig(term: str, status: str) -> str:
    return (
        f"          <tig><term>{xml_text(term)}</term>"
        f'<termNote type="administrativeStatus">{status}</termNote></tig>'
    )
