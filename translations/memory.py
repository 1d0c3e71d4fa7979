"""Translation memory lookups and TMX (DESIGN.md "Translation review").

Reviewed segments are kept in `translation_memory` (writes: translations.services). An
exact match is the same English after normalising whitespace and case (`source_key`, found
through its sha1 `source_hash`, one indexed query for a whole document); a fuzzy match is
at least `FUZZY_CUTOFF` % similar (rapidfuzz's normalised Indel ratio on the keys).

Fuzzy candidates are narrowed before rapidfuzz scores them: an inverted index of words over
the pair's memory (numpy arrays, kept in this process and brought up to date with entries
written since) gives the entries that share at least half of the segment's distinct words
and have a length that can still reach the cutoff; at most `MAX_CANDIDATES` of them are
scored. A near-identical entry always shares most words; an entry that differs in most of
its words' spellings can be missed (the price of 2,400 lookups against 200,000 entries in
well under the 2 s target; see `make bench`).
"""

from __future__ import annotations

import hashlib
import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from django.db.models import Count, Max
from rapidfuzz import fuzz, process

from translations.models import TranslationMemory

FUZZY_CUTOFF = 75.0
SUGGESTIONS = 3
# Posting lists longer than this are words too common to narrow anything (the, of, and).
COMMON_POSTINGS = 20_000
# At most this many candidates (those sharing the most words) are scored per segment.
MAX_CANDIDATES = 400

_WORD = re.compile(r"[^\W_]+")


def normalise(text: str) -> str:
    """What makes two English texts "the same": whitespace and case do not count."""
    return " ".join(str(text).split()).casefold()


def source_hash(key: str) -> str:
    return hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class Match:
    entry_id: str
    source_text: str
    target_text: str
    score: float  # 100 for an exact match

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.entry_id,
            "source": self.source_text,
            "target": self.target_text,
            "score": round(self.score),
        }


def exact_matches(
    texts: Sequence[str], *, target_language: str, source_language: str = "en"
) -> dict[int, Match]:
    """Exact matches by position in `texts`, in one query (blank texts have none)."""
    keys = {i: normalise(t) for i, t in enumerate(texts) if str(t).strip()}
    hashes = {i: source_hash(k) for i, k in keys.items()}
    found = {}
    unique = list(set(hashes.values()))
    for start in range(0, len(unique), 5_000):
        for row in TranslationMemory.objects.filter(
            source_language=source_language,
            target_language=target_language,
            source_hash__in=unique[start : start + 5_000],
        ).values_list("pk", "source_hash", "source_key", "source_text", "target_text"):
            found[row[1]] = row
    result = {}
    for i, h in hashes.items():
        row = found.get(h)
        if row is not None and row[2] == keys[i]:
            result[i] = Match(str(row[0]), row[3], row[4], 100.0)
    return result


class FuzzyIndex:
    """The memory of one language pair, in this process: each entry's key and an inverted
    index of words → entry positions (numpy arrays). Entries added or changed after it was
    built are kept aside and scored against every query, until there are enough of them to
    rebuild."""

    def __init__(self, rows: Iterable[tuple[Any, str]]):
        self.ids: list[Any] = []
        self.keys: list[str] = []
        lists: dict[str, list[int]] = {}
        for n, (pk, key) in enumerate(rows):
            self.ids.append(pk)
            self.keys.append(key)
            for word in set(_WORD.findall(key)):
                lists.setdefault(word, []).append(n)
        self.postings = {w: np.array(ns, dtype=np.int32) for w, ns in lists.items()}
        self.lengths = np.array([len(k) for k in self.keys], dtype=np.int32)
        self.position = {pk: n for n, pk in enumerate(self.ids)}
        self.recent: dict[int, str] = {}  # position → key, for entries newer than the index

    def add(self, pk: Any, key: str) -> None:
        n = self.position.get(pk)
        if n is None:
            n = len(self.ids)
            self.ids.append(pk)
            self.keys.append(key)
            self.position[pk] = n
        else:
            self.keys[n] = key
        self.recent[n] = key

    def candidates(self, key: str) -> list[int]:
        """Entries sharing at least half of the query's distinct (not too common) words, of
        a length that can still reach the cutoff, most shared words first."""
        arrays = [
            posting
            for word in set(_WORD.findall(key))
            if (posting := self.postings.get(word)) is not None and len(posting) <= COMMON_POSTINGS
        ]
        if not arrays:
            return []
        positions, counts = np.unique(np.concatenate(arrays), return_counts=True)
        need = max(1, (len(arrays) + 1) // 2)
        keep = counts >= need
        positions, counts = positions[keep], counts[keep]
        # Indel ratio ≥ 75 % needs lengths within a factor of 0.6 (2·min/(a+b) ≥ 0.75).
        lengths = self.lengths[positions]
        fits = (lengths >= len(key) * 0.6) & (lengths <= len(key) / 0.6)
        positions, counts = positions[fits], counts[fits]
        if len(positions) > MAX_CANDIDATES:
            positions = positions[np.argsort(-counts, kind="stable")[:MAX_CANDIDATES]]
        return positions.tolist()

    def lookup(self, text: str, *, limit: int = SUGGESTIONS) -> list[tuple[Any, float]]:
        """(entry id, score) of the best fuzzy matches, best first."""
        key = normalise(text)
        if not key:
            return []
        pool = {n: self.keys[n] for n in self.candidates(key) if n not in self.recent}
        pool.update(self.recent)
        hits = process.extract(key, pool, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=limit)
        return [(self.ids[n], score) for _, score, n in hits]


_indexes: dict[tuple[str, str], tuple[int, Any, FuzzyIndex]] = {}
_lock = threading.Lock()
# Entries changed since the index was built that are scored one by one; beyond, rebuild.
RECENT_LIMIT = 5_000


def fuzzy_index(*, target_language: str, source_language: str = "en") -> FuzzyIndex:
    """The pair's index: built once per process, then brought up to date with the entries
    added or changed since (a review session adds a few at a time)."""
    rows = TranslationMemory.objects.filter(
        source_language=source_language, target_language=target_language
    )
    count, at = rows.aggregate(n=Count("pk"), at=Max("updated_at")).values()
    pair = (source_language, target_language)
    with _lock:
        cached = _indexes.get(pair)
    if cached is not None:
        old_count, old_at, index = cached
        if (count, at) == (old_count, old_at):
            return index
        if count >= old_count and at is not None and old_at is not None and at >= old_at:
            changed = list(
                rows.filter(updated_at__gte=old_at).values_list("pk", "source_key")[
                    : RECENT_LIMIT + 1
                ]
            )
            if len(index.recent) + len(changed) <= RECENT_LIMIT:
                for pk, key in changed:
                    index.add(pk, key)
                if len(index.ids) == count:  # nothing removed meanwhile
                    with _lock:
                        _indexes[pair] = (count, at, index)
                    return index
    index = FuzzyIndex(rows.order_by().values_list("pk", "source_key").iterator(chunk_size=20_000))
    with _lock:
        _indexes[pair] = (count, at, index)
    return index


def document_matches(
    texts: Sequence[str], *, target_language: str, source_language: str = "en"
) -> dict[int, list[Match]]:
    """The memory's best matches for every English text of a document, by position: an
    exact match alone when there is one, else up to `SUGGESTIONS` fuzzy ones."""
    exact = exact_matches(texts, target_language=target_language, source_language=source_language)
    result: dict[int, list[Match]] = {i: [m] for i, m in exact.items()}
    todo = [i for i, t in enumerate(texts) if i not in exact and str(t).strip()]
    if not todo:
        return result
    index = fuzzy_index(target_language=target_language, source_language=source_language)
    found = {i: hits for i in todo if (hits := index.lookup(texts[i]))}
    wanted = {pk for hits in found.values() for pk, _ in hits}
    entries = {
        pk: (source, target)
        for pk, source, target in TranslationMemory.objects.filter(pk__in=wanted).values_list(
            "pk", "source_text", "target_text"
        )
    }
    for i, hits in found.items():
        matches = [Match(str(pk), *entries[pk], score) for pk, score in hits if pk in entries]
        if matches:
            result[i] = matches
    return result


# --- TMX 1.4b ----------------------------------------------------------------------------

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# Characters XML 1.0 cannot carry (control characters other than tab and newlines).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def tmx_write(entries: Iterable[TranslationMemory], *, source_language: str = "en") -> bytes:
    root = ET.Element("tmx", version="1.4")
    ET.SubElement(
        root,
        "header",
        {
            "creationtool": "Max",
            "creationtoolversion": "1",
            "segtype": "sentence",
            "o-tmf": "Max",
            "adminlang": "en",
            "srclang": source_language,
            "datatype": "plaintext",
            "creationdate": datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"),
        },
    )
    body = ET.SubElement(root, "body")
    for entry in entries:
        tu = ET.SubElement(body, "tu")
        if entry.usage_count:
            tu.set("usagecount", str(entry.usage_count))
        for lang, text in (
            (entry.source_language, entry.source_text),
            (entry.target_language, entry.target_text),
        ):
            tuv = ET.SubElement(tu, "tuv", {XML_LANG: lang})
            ET.SubElement(tuv, "seg").text = _NOT_XML.sub("", text)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


# A memory entry longer than this (either side) is no segment: refused, it would only slow
# every fuzzy lookup down.
TM_MAX_CHARS = 5_000


@dataclass(frozen=True)
class TmxUnit:
    source_language: str
    source_text: str
    target_language: str
    target_text: str


def tmx_read(data: bytes, *, source_language: str = "en") -> list[TmxUnit]:
    """Every (source, target) pair of a TMX file: the `srclang` (or `source_language`)
    variant against each other variant of a unit. Raises ValueError for what is not TMX."""
    # No document type (no entities to expand or fetch): TMX needs none.
    if b"<!DOCTYPE" in data[:4096].upper() or b"<!ENTITY" in data.upper():
        raise ValueError("The file declares a document type or entities; TMX needs neither.")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        if b"encoding=" not in data[:200] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                raise ValueError(
                    "Not a TMX file Max can read: it is not UTF-8 and declares no other "
                    "encoding. Save it as UTF-8 and import it again."
                ) from exc
        raise ValueError(f"Not a TMX file: {exc}") from exc
    if root.tag != "tmx":
        raise ValueError("Not a TMX file: its root element is not <tmx>.")
    header = root.find("header")
    src = (header.get("srclang") if header is not None else None) or source_language
    if src == "*all*":
        src = source_language
    units = []
    for tu in root.iter("tu"):
        variants = []
        for tuv in tu.findall("tuv"):
            lang = tuv.get(XML_LANG) or tuv.get("lang") or ""
            seg = tuv.find("seg")
            if seg is None or not lang:
                continue
            variants.append((lang.split("-")[0].lower(), "".join(seg.itertext()).strip()))
        sources = [text for lang, text in variants if lang == src.split("-")[0].lower()]
        if not sources or not sources[0]:
            continue
        for lang, text in variants:
            if lang != src.split("-")[0].lower() and text:
                units.append(TmxUnit(src.split("-")[0].lower(), sources[0], lang, text))
    return units
