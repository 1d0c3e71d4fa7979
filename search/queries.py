"""Full-text search over the latest text of every transcript and translation.

PostgreSQL: `websearch_to_tsquery` (quotes, `or`, `-word`) against a vector built per row with
the row's language configuration, ranked with `ts_rank`, snippets from `ts_headline`. Other
databases (the embedded SQLite default): every word must occur, case-insensitively.

There is no GIN index: the vector is computed from the latest version's text at query time,
which is a join the index could not cover without a stored search column in the transcripts
and translations tables (not this module's to add). Fine for thousands of transcripts; a
stored, trigger-maintained `tsvector` column with a GIN index is the step after that.

Snippets are safe HTML: the database marks matches with private-use sentinel characters
(stripped from the text first, so only ours remain), the text is escaped, and only then are
the sentinels turned into `<mark>` tags.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import (
    Case,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat, Greatest, Lower, Replace, StrIndex, Substr
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from languages.models import Language
from transcripts.models import Transcription, TranscriptionVersion
from translations.models import Translation, TranslationVersion

# PostgreSQL text-search configurations for the languages Max works in; others use "simple".
SEARCH_CONFIGS = {
    "en": "english",
    "es": "spanish",
    "pt": "portuguese",
    "fr": "french",
    "de": "german",
    "it": "italian",
    "hi": "hindi",
    "ar": "arabic",
}
# Unicode private-use characters: never produced by transcription or translation engines,
# and removed from the text before highlighting in any case.
MARK_START = "\ue000"
MARK_STOP = "\ue001"
MAX_HITS_PER_KIND = 200
SNIPPET_CONTEXT_CHARS = 80

TRANSCRIPT = "transcript"
TRANSLATION = "translation"


@dataclass(frozen=True)
class SearchHit:
    kind: str  # TRANSCRIPT or TRANSLATION
    pk: Any
    language_code: str
    version_label: str  # T-1, H-3, T-1-es, H-2-es…
    project_name: str
    file_name: str
    snippet: SafeString
    rank: float
    start_seconds: float | None  # start of the first segment with a match
    url: str  # the editor, positioned at that segment ("" if the editor is not routed)

    @property
    def is_translation(self) -> bool:
        return self.kind == TRANSLATION

    @property
    def start_label(self) -> str:
        if self.start_seconds is None:
            return ""
        total = int(self.start_seconds)
        hours, rest = divmod(total, 3600)
        minutes, seconds = divmod(rest, 60)
        return f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"


def editor_link(url: str, start_seconds: float | None) -> str:
    """The editor URL opened at a time: `?t=` for the server, `#t=` (media fragment) for script."""
    if not url or start_seconds is None:
        return url
    t = f"{start_seconds:.2f}".rstrip("0").rstrip(".")
    return f"{url}?t={t}#t={t}"


# --- shared query pieces -----------------------------------------------------------------


def _latest(version_model, parent_field: str, column: str) -> Subquery:
    newest = version_model.objects.filter(**{parent_field: OuterRef("pk")}).order_by(
        "-version_number"
    )
    return Subquery(newest.values(column)[:1])


def _transcript_text():
    return Coalesce(
        _latest(TranscriptionVersion, "transcription", "edited_text"),
        F("raw_text"),
        output_field=TextField(),
    )


def _transcript_json():
    return Coalesce(
        _latest(TranscriptionVersion, "transcription", "json_with_timestamps"),
        F("json_with_timestamps"),
    )


def _transcript_label():
    return Coalesce(
        _latest(TranscriptionVersion, "transcription", "version_type"),
        F("transcription_type"),
        output_field=TextField(),
    )


def _translation_text():
    return Coalesce(
        _latest(TranslationVersion, "translation", "edited_text"),
        F("translated_text"),
        output_field=TextField(),
    )


def _translation_json():
    return Coalesce(
        _latest(TranslationVersion, "translation", "json_with_timestamps"),
        F("json_with_timestamps"),
    )


def _translation_label():
    return Coalesce(
        _latest(TranslationVersion, "translation", "version_type"),
        Concat(Value("T-1-"), F("language_code"), output_field=TextField()),
        output_field=TextField(),
    )


def _config():
    """The row's text-search configuration, from its language code."""
    return Case(
        *[When(language_code=code, then=Value(name)) for code, name in SEARCH_CONFIGS.items()],
        default=Value("simple"),
        output_field=TextField(),
    )


def _strip_sentinels(expression):
    return Replace(Replace(expression, Value(MARK_START), Value("")), Value(MARK_STOP), Value(""))


class FirstMatchingSegmentStart(Func):
    """Start time of the segment that best shows the match: one matching the whole query
    first, else one sharing a word (stemmed) with it or containing it verbatim; earliest wins.

    Walks `json_with_timestamps -> 'segments'` in the database so only a number comes back,
    not a three-hour transcript's JSON.
    """

    output_field = FloatField()

    def __init__(self, timestamps, config, query: str):
        super().__init__(timestamps, config, Value(query))

    def as_sql(self, compiler, connection, **extra):
        json_sql, json_params = compiler.compile(self.source_expressions[0])
        cfg_sql, cfg_params = compiler.compile(self.source_expressions[1])
        q_sql, q_params = compiler.compile(self.source_expressions[2])
        cfg = f"({cfg_sql})::regconfig"
        segments = (
            f"CASE WHEN jsonb_typeof(({json_sql}) -> 'segments') = 'array' "
            f"THEN ({json_sql}) -> 'segments' ELSE '[]'::jsonb END"
        )
        seg_vector = f"to_tsvector({cfg}, seg ->> 'text')"
        sql = (
            f"(SELECT (seg ->> 'start')::float8 FROM jsonb_array_elements({segments}) AS seg "
            f"WHERE jsonb_typeof(seg -> 'start') = 'number' AND ("
            f"tsvector_to_array({seg_vector}) && tsvector_to_array(to_tsvector({cfg}, {q_sql})) "
            f"OR strpos(lower(seg ->> 'text'), lower({q_sql})) > 0) "
            f"ORDER BY ({seg_vector} @@ websearch_to_tsquery({cfg}, {q_sql})) DESC, "
            f"(seg ->> 'start')::float8 LIMIT 1)"
        )
        params = [
            *json_params,
            *json_params,
            *cfg_params,
            *cfg_params,
            *q_params,
            *q_params,
            *cfg_params,
            *cfg_params,
            *q_params,
        ]
        return sql, params


# --- snippets ----------------------------------------------------------------------------


def safe_snippet(marked: str) -> SafeString:
    """Escape a headline whose matches are wrapped in sentinels; only our <mark>s survive."""
    html = escape(marked).replace(MARK_START, "<mark>").replace(MARK_STOP, "</mark>")
    # Everything but our own tags was escaped above.
    return mark_safe(html)


def _words(query: str) -> list[str]:
    return [w for w in re.split(r"\s+", query.replace('"', " ").strip()) if w]


def plain_snippet(text: str, query: str) -> SafeString:
    """A window of text around the first verbatim match, with every match marked."""
    text = text.replace(MARK_START, "").replace(MARK_STOP, "")
    words = sorted({w.lower() for w in _words(query) if not w.startswith("-")}, key=len)[::-1]
    if not words:
        return safe_snippet(text[: 2 * SNIPPET_CONTEXT_CHARS])
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    first = pattern.search(text)
    begin = max(0, first.start() - SNIPPET_CONTEXT_CHARS) if first else 0
    end = min(len(text), (first.end() if first else 0) + SNIPPET_CONTEXT_CHARS)
    window = pattern.sub(lambda m: f"{MARK_START}{m.group(0)}{MARK_STOP}", text[begin:end])
    prefix = "… " if begin > 0 else ""
    suffix = " …" if end < len(text) else ""
    return safe_snippet(f"{prefix}{window}{suffix}")


def _segment_start(timestamps: Any, query: str) -> float | None:
    words = [w.lower() for w in _words(query) if not w.startswith("-")]
    segments = timestamps.get("segments") if isinstance(timestamps, dict) else None
    for seg in segments if isinstance(segments, list) else []:
        text = str(seg.get("text", "")).lower() if isinstance(seg, dict) else ""
        start = seg.get("start") if isinstance(seg, dict) else None
        if words and any(w in text for w in words) and isinstance(start, (int, float)):
            return float(start)
    return None


# --- PostgreSQL --------------------------------------------------------------------------


def _no_boundary_codes() -> list[str]:
    # PostgreSQL's parser cannot split unspaced scripts (Chinese) into words: match verbatim.
    return list(Language.objects.filter(word_boundaries=False).values_list("code", flat=True))


def _pg_matches(qs: QuerySet, text, query: str, verbatim_codes: list[str]) -> QuerySet:
    config = _config()
    vector = SearchVector(text, config=config)
    tsquery = SearchQuery(query, config=config, search_type="websearch")
    matches = Q(search_vector=tsquery)
    if verbatim_codes:
        matches |= Q(language_code__in=verbatim_codes, search_text__icontains=query)
    return (
        qs.annotate(search_text=text, search_vector=vector, rank=SearchRank(vector, tsquery))
        .filter(matches)
        .order_by("-rank", "-created_at")
    )


def _pg_details(qs: QuerySet, text, timestamps, query: str) -> QuerySet:
    config = _config()
    tsquery = SearchQuery(query, config=config, search_type="websearch")
    clean = _strip_sentinels(text)
    position = StrIndex(Lower(clean), Lower(Value(query)))
    return qs.annotate(
        headline=SearchHeadline(
            clean,
            tsquery,
            config=config,
            start_sel=MARK_START,
            stop_sel=MARK_STOP,
            max_words=35,
            min_words=15,
            max_fragments=2,
            fragment_delimiter=" … ",
        ),
        # For verbatim (unspaced-script) matches, where ts_headline marks nothing.
        excerpt=Substr(
            clean, Greatest(position - SNIPPET_CONTEXT_CHARS, 1), 2 * SNIPPET_CONTEXT_CHARS
        ),
        start_seconds=FirstMatchingSegmentStart(timestamps, config, query),
    )


def _pg_snippet(row, query: str) -> SafeString:
    if MARK_START in (row.headline or ""):
        return safe_snippet(row.headline)
    return plain_snippet(row.excerpt or "", query)


class SearchResults:
    """Ranked hits for a query, sliceable for Paginator; details load per page only."""

    def __init__(self, query: str, *, full_text: bool | None = None):
        self.query = query.strip()
        # Full-text search needs PostgreSQL; elsewhere every word must occur verbatim.
        self.full_text = connection.vendor == "postgresql" if full_text is None else full_text
        self.truncated = False
        self._ranked: list[tuple[float, str, Any]] = self._rank() if self.query else []

    def __len__(self) -> int:
        return len(self._ranked)

    def count(self) -> int:
        return len(self._ranked)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self._details(self._ranked[index])
        return self._details([self._ranked[index]])[0]

    # ranking

    def _querysets(self):
        transcripts = Transcription.objects.filter(
            archived=False, audio_file__archived=False, audio_file__project__archived=False
        )
        translations = Translation.objects.filter(
            transcription__archived=False,
            transcription__audio_file__archived=False,
            transcription__audio_file__project__archived=False,
        )
        return transcripts, translations

    def _rank(self) -> list[tuple[float, str, Any]]:
        transcripts, translations = self._querysets()
        if self.full_text:
            verbatim = _no_boundary_codes()
            found_t = _pg_matches(transcripts, _transcript_text(), self.query, verbatim)
            found_tr = _pg_matches(translations, _translation_text(), self.query, verbatim)
        else:
            found_t = self._contains(transcripts, _transcript_text())
            found_tr = self._contains(translations, _translation_text())
        ranked: list[tuple[float, str, Any]] = []
        for kind, qs in ((TRANSCRIPT, found_t), (TRANSLATION, found_tr)):
            rows = list(qs.values_list("rank", "pk")[: MAX_HITS_PER_KIND + 1])
            if len(rows) > MAX_HITS_PER_KIND:
                self.truncated = True
                rows = rows[:MAX_HITS_PER_KIND]
            ranked.extend((float(rank or 0), kind, pk) for rank, pk in rows)
        # Stable: within equal rank, transcripts before translations, newest first.
        ranked.sort(key=lambda r: -r[0])
        return ranked

    def _contains(self, qs: QuerySet, text) -> QuerySet:
        qs = qs.annotate(search_text=text, rank=Value(0.0, output_field=FloatField()))
        for word in _words(self.query):
            if word.startswith("-") and len(word) > 1:
                qs = qs.exclude(search_text__icontains=word[1:])
            else:
                qs = qs.filter(search_text__icontains=word)
        return qs.order_by("-created_at")

    # details of one page

    def _details(self, ranked: Iterable[tuple[float, str, Any]]) -> list[SearchHit]:
        ranked = list(ranked)
        ids = {TRANSCRIPT: [], TRANSLATION: []}
        for _, kind, pk in ranked:
            ids[kind].append(pk)
        rows: dict[tuple[str, Any], Any] = {}
        if ids[TRANSCRIPT]:
            qs = Transcription.objects.filter(pk__in=ids[TRANSCRIPT]).select_related(
                "audio_file__project"
            )
            qs = qs.annotate(version_label=_transcript_label())
            for row in self._with_snippets(qs, _transcript_text(), _transcript_json()):
                rows[TRANSCRIPT, row.pk] = row
        if ids[TRANSLATION]:
            qs = Translation.objects.filter(pk__in=ids[TRANSLATION]).select_related(
                "transcription__audio_file__project"
            )
            qs = qs.annotate(version_label=_translation_label())
            for row in self._with_snippets(qs, _translation_text(), _translation_json()):
                rows[TRANSLATION, row.pk] = row
        return [
            self._hit(kind, rank, rows[kind, pk]) for rank, kind, pk in ranked if (kind, pk) in rows
        ]

    def _with_snippets(self, qs: QuerySet, text, timestamps) -> Iterable:
        if self.full_text:
            for row in _pg_details(qs, text, timestamps, self.query):
                row.snippet = _pg_snippet(row, self.query)
                yield row
            return
        for row in qs.annotate(search_text=text, search_json=timestamps):
            row.snippet = plain_snippet(row.search_text, self.query)
            row.start_seconds = _segment_start(row.search_json, self.query)
            yield row

    def _hit(self, kind: str, rank: float, row) -> SearchHit:
        transcription = row if kind == TRANSCRIPT else row.transcription
        audio_file = transcription.audio_file
        return SearchHit(
            kind=kind,
            pk=row.pk,
            language_code=row.language_code,
            version_label=row.version_label,
            project_name=audio_file.project.name,
            file_name=audio_file.file_name,
            snippet=row.snippet,
            rank=rank,
            start_seconds=row.start_seconds,
            url=editor_link(row.get_absolute_url(), row.start_seconds),
        )


def search(query: str, *, full_text: bool | None = None) -> SearchResults:
    """Ranked hits across the latest text of every live transcript and translation."""
    return SearchResults(query, full_text=full_text)
