"""The editor pages of any versioned document: one generic `DocumentEditor`.

`DocumentEditor` holds every view of the timed-text editor for one `VersionedDocument`:
editor, save, autosave, draft discard, conflict, history, diff, restore, finalize, find and
replace, add to dictionary, and exports. Subclass it for another kind of document (the
translation review page) and override `get_parent`, `header_context`, `player_url` and
`source_texts`; mount its `urlpatterns()` in your app's URLconf. Templates get every URL
from `urls` in their context, so they work under any namespace.
"""

from __future__ import annotations

import json
import uuid
from bisect import bisect_right
from dataclasses import dataclass, replace
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html, json_script
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods

from documents import drafts, hooks
from documents.captions import caption_check_context
from documents.diffs import word_diff
from documents.document import VersionedDocument
from documents.exports import FORMATS, ExportSource, export_document
from documents.realign import display_words, realign_words
from documents.selectors import (
    Snapshot,
    document_diff,
    document_draft_state,
    document_history,
    document_outline_of,
    document_snapshot,
)
from documents.services import (
    DocumentArchived,
    SaveConflict,
    document_draft_check,
    document_finalize,
    document_replace_all,
    document_restore_version,
    document_save_version,
)
from documents.structure import (
    drop_segments,
    outline_of,
    parse_operations,
    speaker_name,
    speakers_used,
)
from documents.text import BASE_VERSION, format_timestamp, join_segments, parse_segment_fields
from glossary.selectors import glossary_find, glossary_speaker_matchers_by_label
from glossary.services import entry_create

MAX_DRAFT_SEGMENTS = 100_000
MAX_SEGMENTS_FETCH = 2_000
SEGMENTS_CACHE_SECONDS = 3600


@dataclass(frozen=True)
class EditorUrls:
    editor: str
    save: str
    autosave: str
    draft_discard: str
    conflict: str
    history: str
    diff: str
    restore: str
    finalize: str
    replace: str
    glossary_add: str
    export: str
    captions: str
    segments: str


VIEW_NAMES = (
    "editor",
    "save",
    "autosave",
    "draft_discard",
    "conflict",
    "history",
    "diff",
    "restore",
    "finalize",
    "replace",
    "glossary_add",
    "export",
    "captions",
    "segments",
)


def _speaker_choices(structure: dict[str, Any] | None) -> list[tuple[str, str]]:
    """Speakers a dictionary entry may be limited to: not the default speaker merged into
    another (it speaks nowhere and only carries that speaker's name)."""
    if not structure:
        return []
    names = structure["names"]
    return [
        (label, name)
        for label, name in names.items()
        if label in structure["speakers"]
        or not any(other != label and names[other] == name for other in names)
    ]


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _int(value: Any, label: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{label} is missing or not a number.") from None
    if number < 0:
        raise ValidationError(f"{label} cannot be negative.")
    return number


def _page_loaded(value: str | None):
    """When the posting editor page was rendered (its own copy of the server's clock)."""
    if not value:
        return None
    try:
        moment = parse_datetime(value)
    except ValueError:
        moment = None
    if moment is None or timezone.is_naive(moment):
        raise ValidationError("The page's load time could not be read.")
    return moment


def _message(error: ValidationError) -> str:
    return " ".join(error.messages)


def _page_message(error: ValidationError) -> str:
    """The message shown on the page; a refused write to an archived document links to the
    live one."""
    live = getattr(error, "live", None) if isinstance(error, DocumentArchived) else None
    if live is None:
        return _message(error)
    return format_html(
        '{} <a href="{}">Open the live one</a>.', _message(error), live.get_absolute_url()
    )


def _posted_segments(request: HttpRequest) -> dict[int, str] | None:
    """Segments from a save or autosave: JSON `segments` (script) or `seg-N` fields (form)."""
    raw = request.POST.get("segments")
    if raw is not None:
        try:
            data = json.loads(raw)
        except json.JSONDecodeError:
            raise ValidationError("The edited segments could not be read.") from None
        if not isinstance(data, dict) or len(data) > MAX_DRAFT_SEGMENTS:
            raise ValidationError("The edited segments could not be read.")
        try:
            return {_int(k, "A segment number"): str(v) for k, v in data.items()}
        except ValidationError:
            raise ValidationError("The edited segments could not be read.") from None
    try:
        fields = parse_segment_fields(request.POST)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    return fields or None


def _posted_structure(request: HttpRequest) -> list[dict[str, Any]]:
    """Split, merge and speaker changes from a save or autosave: JSON `structure`."""
    raw = request.POST.get("structure")
    if not raw:
        return []
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        raise ValidationError("The structure changes could not be read.") from None
    return parse_operations(data)


def _posted_confirmed(request: HttpRequest) -> dict[int, list[int]] | None:
    """Words the editor confirmed by ear: JSON {segment: [word indexes]}."""
    raw = request.POST.get("confirmed")
    if not raw:
        return None
    unreadable = ValidationError("The confirmed words could not be read.")
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        raise unreadable from None
    if not isinstance(data, dict) or len(data) > MAX_DRAFT_SEGMENTS:
        raise unreadable
    if not all(isinstance(words, list) for words in data.values()):
        raise unreadable
    try:
        return {
            _int(i, "A segment number"): [_int(k, "A word number") for k in words]
            for i, words in data.items()
        }
    except ValidationError:
        raise unreadable from None


def _compact_segment(
    segment: dict, text: str, realign: bool, *, with_confidence: bool = False
) -> list:
    """[start, end, text, word starts, word ends(, word confidences)]: the editor's data, a
    third of the JSON. Confidences (0-1, null for a word a human typed or confirmed) are
    only sent for documents whose engine gave them."""
    if realign:
        words = realign_words(
            segment.get("words") or [], text, segment.get("start"), segment.get("end")
        )
    else:
        words = display_words(segment)
    compact = [
        segment.get("start"),
        segment.get("end"),
        text,
        [w["start"] for w in words],
        [w["end"] for w in words],
    ]
    if with_confidence:
        compact.append([_confidence(w) for w in words])
    return compact


def _first_paint(segments: list[dict], dirty: list[int], at_time: str | None) -> set[int] | None:
    """Which segments a long document's editor page carries in full (words and times): the
    first screens, the segments a restored draft changed, and those around the moment a
    search hit opens at (?t=). None: a document short enough to carry all of them."""
    count = len(segments)
    if count <= settings.EDITOR_LAZY_ABOVE:
        return None
    first = settings.EDITOR_FIRST_SEGMENTS
    loaded = set(range(min(count, first)))
    loaded.update(dirty)
    try:
        t = float(at_time) if at_time else None
    except ValueError:
        t = None
    if t is not None and t >= 0:
        starts = [seg.get("start") or 0.0 for seg in segments]
        at = max(0, bisect_right(starts, t) - 1)
        loaded.update(range(max(0, at - first // 2), min(count, at + first // 2)))
    return loaded


def _outline_segment(segment: dict, text: str) -> list:
    """[start, end, length of the text]: a segment the page fetches later (/segments/),
    enough to place it (its height, its moment) until then."""
    return [segment.get("start"), segment.get("end"), len(text)]


def _confidence(word: dict) -> float | None:
    value = word.get("probability")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return round(float(value), 3)
    return None


def _has_confidence(segments: list[dict]) -> bool:
    # A plain loop: this runs over every word of a three-hour lecture on each page load.
    for seg in segments:
        for word in seg.get("words") or ():
            if word.get("probability") is not None and _confidence(word) is not None:
                return True
    return False


class DocumentEditor:
    """All views of the editor for one kind of versioned document."""

    # Set by each kind of document.
    doc: VersionedDocument
    parent_model: type
    namespace: str  # the URL namespace the subclass's urlpatterns() are mounted under
    name_prefix: str = ""
    template_dir: str = "documents/editor"
    kind_label: str

    # -- hooks for other kinds of document --------------------------------------------------

    def get_parent(self, pk, *, purpose: str = "page"):
        """The parent row; `purpose` is "page", "light" (existence only) or "data"."""
        queryset = self.parent_model.objects.all()
        if purpose == "light":
            queryset = queryset.only("pk")
        return get_object_or_404(queryset, pk=pk)

    def header_context(self, request: HttpRequest, parent) -> dict[str, Any]:
        """Title, breadcrumbs and notes for the page header."""
        return {"doc_title": str(parent), "doc_subtitle": "", "back_url": None, "notes": []}

    def player_url(self, parent) -> str | None:
        return None

    def source_texts(self, parent) -> list[str] | None:
        """Read-only texts shown beside each segment (the English source of a translation)."""
        return None

    def direction(self, parent) -> str:
        return "ltr"

    def voiceover_chars_per_second(self, parent) -> float | None:
        """Characters a second a voice-over of this document may take: the editor marks a
        segment whose text is longer than its duration allows (None: no budget)."""
        return None

    def export_title(self, parent) -> str:
        return str(parent)

    def speaker_rows(self, parent) -> dict[str, Any]:
        """The document's speakers as {label: speaker id} for speaker dictionary terms
        (none unless the kind of document has a speakers table)."""
        return {}

    def speaker_scope(self, parent) -> dict[str, Any] | None:
        """How the dictionary finds this document's speakers' own terms (a filter on its
        entries), or None."""
        return None

    def view_captions(self, request: HttpRequest, pk):
        """The caption check: how many cues of the SRT/WebVTT meet each rule of the language's
        caption profile, and every cue that breaks one, linked to its place in the editor."""
        parent = self.get_parent(pk)
        try:
            source = self.export_source(request, parent)
            report = source.captions(lead_names=source.several_speakers)
        except ValidationError as error:
            raise Http404(_message(error)) from None
        context = self._base_context(request, parent)
        context.update(caption_check_context(report, source, request.GET.get("version", "")))
        return render(request, "documents/editor/captions.html", context)

    # -- plumbing ----------------------------------------------------------------------------

    def url_name(self, name: str) -> str:
        return f"{self.namespace}:{self.name_prefix}{name}"

    def urls(self, parent) -> EditorUrls:
        return EditorUrls(
            **{name: reverse(self.url_name(name), args=[parent.pk]) for name in VIEW_NAMES}
        )

    def urlpatterns(self) -> list:
        routes = {
            "editor": ("", ["GET"]),
            "save": ("save/", ["POST"]),
            "autosave": ("draft/", ["POST"]),
            "draft_discard": ("draft/discard/", ["GET", "POST"]),
            "conflict": ("conflict/", ["GET", "POST"]),
            "history": ("history/", ["GET"]),
            "diff": ("diff/", ["GET"]),
            "restore": ("restore/", ["POST"]),
            "finalize": ("finalize/", ["POST"]),
            "replace": ("replace/", ["POST"]),
            "glossary_add": ("dictionary/", ["POST"]),
            "export": ("export/", ["GET"]),
            "captions": ("captions/", ["GET"]),
            "segments": ("segments/", ["GET"]),
        }
        return [
            path(
                f"<uuid:pk>/{route}",
                require_http_methods(methods)(getattr(self, f"view_{name}")),
                name=self.name_prefix + name,
            )
            for name, (route, methods) in routes.items()
        ]

    def _base_context(self, request, parent, latest: Snapshot | None = None) -> dict[str, Any]:
        context = {
            "document": parent,
            "urls": self.urls(parent),
            "kind": self.doc.kind,
            "kind_label": self.kind_label,
            "template_dir": self.template_dir,
            "direction": self.direction(parent),
            "language_code": self.doc.language_code(parent),
            "export_formats": list(FORMATS.values()),
        }
        context.update(self.header_context(request, parent))
        if latest is not None:
            context["latest"] = latest
            context["final"] = self._final_label(parent, latest)
        return context

    def _final_label(self, parent, latest: Snapshot) -> str | None:
        final_id = parent.final_version_id
        if final_id is None:
            return None
        if latest.version is not None and latest.version.pk == final_id:
            return latest.label
        return (
            self.doc.version_model.objects.filter(pk=final_id)
            .values_list("version_type", flat=True)
            .first()
        )

    def _label(self, parent, number: int) -> str:
        if number == BASE_VERSION:
            return self.doc.base_label(parent)
        return self.doc.version_label(parent, number)

    def _back_to_editor(self, request, parent) -> HttpResponse:
        target = request.POST.get("next") or request.GET.get("next")
        if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
            return redirect(target)
        return redirect(self.urls(parent).editor)

    # -- the editor page ---------------------------------------------------------------------

    @staticmethod
    def _suggestions(
        texts: list[str],
        language_code: str,
        segment_speakers: list[str] | None = None,
        speaker_matchers: dict[str, Any] | None = None,
    ) -> tuple[list[dict], dict]:
        """Known wrong terms in the text, for one-click corrections: the editor only offers
        them, it never changes the text on its own.

        Returns the list for the side panel ({original, corrected, count}, and `speaker`
        for a speaker's own entry: Apply all replaces in that speaker's segments only) and,
        per segment, where they occur: {index: [[start, end, replacement], ...]}.
        """
        text = join_segments(texts)
        matches = [
            (m, "")
            for m in glossary_find(text=text, language_code=language_code)
            if not m.canonical
        ]
        line_starts = [0]
        for t in texts[:-1]:
            line_starts.append(line_starts[-1] + len(t) + 1)
        # A speaker's own terms, found in that speaker's segments only.
        matchers = speaker_matchers or {}
        for index, speaker in enumerate(segment_speakers if matchers else ()):
            matcher = matchers.get(speaker)
            if matcher is not None:
                matches.extend(
                    (
                        replace(
                            m, start=m.start + line_starts[index], end=m.end + line_starts[index]
                        ),
                        speaker,
                    )
                    for m in matcher.find(texts[index])
                    if not m.canonical
                )
        if not matches:
            return [], {}
        matches.sort(key=lambda pair: pair[0].start)
        counts: dict[tuple[str, str, str], int] = {}
        occurrences: dict[int, list] = {}
        for match, only in matches:
            index = bisect_right(line_starts, match.start) - 1
            offset = line_starts[index]
            occurrences.setdefault(index, []).append(
                [match.start - offset, match.end - offset, match.replacement]
            )
            key = (match.term_original, match.term_corrected, only)
            counts[key] = counts.get(key, 0) + 1
        suggestions = [
            {"original": original, "corrected": corrected, "count": count}
            | ({"speaker": only} if only else {})
            for (original, corrected, only), count in sorted(counts.items())
        ]
        return suggestions, occurrences

    def _structure_payload(self, parent, latest: Snapshot, replay) -> dict[str, Any] | None:
        """Segment ids, speakers and their names, for splitting, merging and speaker chips.
        A document without structure edits whose segments name speakers (a translation of a
        transcript with several) shows the chips only."""
        if not latest.json:
            return None
        read_only = not self.doc.structure_edits
        if read_only and not any(
            seg.get("speaker") not in (None, "S1") for seg in latest.json.get("segments") or ()
        ):
            return None
        outline = outline_of(latest.json, latest.texts)
        default_name = self.doc.default_speaker(parent) if self.doc.default_speaker else ""
        return {
            "ids": outline.ids,
            "speakers": outline.speakers,
            "names": {
                label: speaker_name(outline.names, label, default_name)
                for label in speakers_used(outline)
            },
            "next_id": outline.next_id,
            "next_speaker": outline.next_speaker,
            "replay": replay,
            "read_only": read_only,
        }

    def view_editor(self, request: HttpRequest, pk):
        parent = self.get_parent(pk)
        latest = document_snapshot(doc=self.doc, parent=parent)
        draft = drafts.draft_get(kind=self.doc.kind, document_id=parent.pk, user=request.user)
        texts = list(latest.texts)
        dirty: list[int] = []
        replay: dict[str, Any] | None = None
        pending_draft = None
        draft_restored = False
        if draft is not None and request.GET.get("draft") == "restore":
            state = document_draft_state(doc=self.doc, parent=parent, draft=draft, latest=latest)
            if state is None:
                messages.error(request, "The draft no longer fits this document; discard it.")
                pending_draft = draft
            elif state.merge.conflicts:
                return redirect(self.urls(parent).conflict)
            elif state.structured is not None:
                # The page replays the draft's structure changes, then its texts (editor.js).
                merged = state.structured
                position = {i: k for k, i in enumerate(merged.outline.ids)}
                replay = {
                    "structure": merged.operations,
                    "segments": {
                        str(position[i]): t for i, t in merged.texts_by_id.items() if i in position
                    },
                }
                draft_restored = True
            else:
                texts, dirty, draft_restored = state.merge.texts, state.dirty, True
        elif draft is not None:
            changed = [i for i, t in draft.segments.items() if i >= len(texts) or texts[i] != t]
            if changed or draft.based_on != latest.number or draft.structure:
                pending_draft = draft
            else:
                drafts.draft_discard(kind=self.doc.kind, document_id=parent.pk, user=request.user)

        segments = latest.segments
        dirty_set = set(dirty)
        with_confidence = _has_confidence(segments)
        # A long document's page carries the first screens; the rest comes from /segments/,
        # read from the version this page opened (a replayed draft needs them all at once).
        loaded = (
            _first_paint(segments, dirty, request.GET.get("t"))
            if replay is None and len(segments) == len(texts)
            else None
        )
        source_texts = self.source_texts(parent)
        source: list[str | None] | None = None if source_texts is None else list(source_texts)
        if loaded is not None and source is not None:
            source = [t if i in loaded else None for i, t in enumerate(source)]
        payload: dict[str, Any] = {
            "based_on": latest.number,
            "label": latest.label,
            "segments": [
                _compact_segment(seg, texts[i], i in dirty_set, with_confidence=with_confidence)
                if loaded is None or i in loaded
                else _outline_segment(seg, texts[i])
                for i, seg in enumerate(segments)
            ],
            "lazy": {
                "url": f"{self.urls(parent).segments}?version={latest.number}",
                "chunk": settings.EDITOR_CHUNK_SEGMENTS,
            }
            if loaded is not None
            else None,
            "saved": {str(i): latest.texts[i] for i in dirty},
            "source": source,
            "budget_cps": self.voiceover_chars_per_second(parent),
            # Which load of the page this is: autosave never overwrites a draft that another
            # page wrote after this moment (see drafts.draft_autosave).
            "page": uuid.uuid4().hex,
            "page_loaded": timezone.now().isoformat(),
            "uncertain_below": settings.EDITOR_UNCERTAIN_BELOW if with_confidence else None,
            "structure": self._structure_payload(parent, latest, replay),
        }
        scope = self.speaker_scope(parent)
        speaker_matchers = (
            glossary_speaker_matchers_by_label(
                language_code=self.doc.language_code(parent), scope=scope
            )
            if scope is not None and latest.json
            else {}
        )
        segment_speakers = (
            outline_of(latest.json, texts).speakers
            if speaker_matchers and len(latest.segments) == len(texts)
            else None
        )
        payload["suggestions"], payload["occurrences"] = self._suggestions(
            texts, self.doc.language_code(parent), segment_speakers, speaker_matchers
        )

        paginator = Paginator(range(len(texts)), settings.EDITOR_PAGE_SEGMENTS)
        page_obj = paginator.get_page(request.GET.get("page"))
        page_rows = [
            {
                "index": i,
                "number": i + 1,
                "time": format_timestamp(segments[i].get("start")),
                "text": texts[i],
            }
            for i in page_obj.object_list
        ]
        context = self._base_context(request, parent, latest)
        context.update(
            {
                "editor_data": json_script(payload, "editor-data"),
                "segment_count": len(texts),
                "word_count": sum(len(t.split()) for t in texts),
                "page_obj": page_obj,
                "page_rows": page_rows,
                "pending_draft": pending_draft,
                "pending_draft_label": self._label(parent, pending_draft.based_on)
                if pending_draft
                else "",
                "draft_restored": draft_restored,
                "dirty_count": len(dirty),
                "autosave_seconds": settings.EDITOR_AUTOSAVE_SECONDS,
                "player_url": self.player_url(parent),
                "has_timings": bool(latest.json),
                "suggestion_count": len(payload["suggestions"]),
                "uncertain_below": payload["uncertain_below"],
                "structure_edits": payload["structure"] is not None
                and not payload["structure"]["read_only"],
                "speaker_choices": _speaker_choices(payload["structure"])
                if payload["structure"] and not payload["structure"]["read_only"]
                else [],
                # Parts other apps add (documents.hooks): approval, comments, presence.
                "extensions": hooks.editor_extension_context(request, self.doc, parent, latest),
            }
        )
        return render(request, f"{self.template_dir}/editor.html", context)

    def view_segments(self, request: HttpRequest, pk):
        """Segments [from, to) of version `version` as the editor page has them ({from,
        segments: [[start, end, text, word starts, word ends(, confidences)], ...], source}):
        a long document's page fetches those it did not carry as the editor scrolls or needs
        them, from the version it opened, so they always match the rest of the page."""
        parent = self.get_parent(pk, purpose="data")
        try:
            number = _int(request.GET.get("version"), "The version")
            start = _int(request.GET.get("from", 0), "The first segment")
            end = _int(request.GET.get("to"), "The last segment")
            if start < 0 or end < start or end - start > MAX_SEGMENTS_FETCH:
                raise ValidationError("Ask for at most 2,000 segments, from the first on.")
            # A saved version never changes: its segments are read (the whole timed JSON)
            # once, then each chunk is a slice of them.
            key = f"editor-segments:{self.doc.kind}:{parent.pk}:{number}"
            compact = cache.get(key)
            if compact is None:
                compact = self._compact_version(parent, number)
                cache.set(key, compact, SEGMENTS_CACHE_SECONDS)
        except ValidationError as error:
            return JsonResponse({"message": _message(error)}, status=400)
        end = min(end, len(compact))
        start = min(start, end)
        source = self.source_texts(parent)
        data = {
            "from": start,
            "segments": compact[start:end],
            "source": source[start:end] if source is not None else None,
        }
        response = HttpResponse(
            json.dumps(data, separators=(",", ":"), ensure_ascii=False),
            content_type="application/json",
        )
        # The segments of a saved version never change.
        response["Cache-Control"] = "private, max-age=3600"
        return response

    def _compact_version(self, parent, number: int) -> list[list]:
        """Every segment of version `number` as the editor page has them."""
        snapshot = document_snapshot(doc=self.doc, parent=parent, version_number=number)
        segments = snapshot.segments
        texts = snapshot.texts
        if len(segments) != len(texts):
            raise ValidationError("This version has no word times.")
        with_confidence = _has_confidence(segments)
        return [
            _compact_segment(seg, texts[i], False, with_confidence=with_confidence)
            for i, seg in enumerate(segments)
        ]

    # -- save and drafts ---------------------------------------------------------------------

    def _save_response(self, request, parent, result) -> HttpResponse:
        if _wants_json(request):
            # The new timings of the segments this save changed (the page has the rest).
            segments = {}
            if result.created and not result.includes_newer:
                confidence = _has_confidence(list(result.segments.values()))
                segments = {
                    str(i): _compact_segment(seg, seg["text"], False, with_confidence=confidence)
                    for i, seg in result.segments.items()
                }
            return JsonResponse(
                {
                    "status": "saved" if result.created else "unchanged",
                    "version_number": result.number,
                    "label": result.label,
                    "includes_newer": result.includes_newer,
                    "became_final": result.became_final,
                    "segments": segments,
                    "ids": getattr(result, "ids", None),
                    "message": self._save_message(result),
                }
            )
        messages.success(request, self._save_message(result))
        return self._back_to_editor(request, parent)

    @staticmethod
    def _save_message(result) -> str:
        if not result.created:
            return "Nothing to save: the text is the same as the latest version."
        message = f"Saved {result.label}."
        if result.includes_newer:
            message += " Changes saved by others in the meantime were merged in."
        if result.became_final:
            message += f" {result.label} is now the final version."
        return message

    def view_save(self, request: HttpRequest, pk):
        parent = self.get_parent(pk, purpose="data")
        try:
            based_on = _int(request.POST.get("based_on"), "The version you started from")
            text = request.POST.get("text")
            segments = None if text is not None else _posted_segments(request)
            if text is None and segments is None:
                segments = {}
            result = document_save_version(
                doc=self.doc,
                parent=parent,
                user=request.user,
                based_on_version_number=based_on,
                segments_text=segments,
                text=text,
                keep_draft=request.POST.get("keep_draft") == "1",
                confirmed_words=_posted_confirmed(request),
                structure=_posted_structure(request),
            )
        except SaveConflict as conflict:
            url = self.urls(parent).conflict
            if _wants_json(request):
                return JsonResponse(
                    {"status": "conflict", "url": url, "message": str(conflict)}, status=409
                )
            return redirect(url)
        except DocumentArchived as error:
            if _wants_json(request):
                live = error.live.get_absolute_url() if error.live is not None else None
                message = _message(error) + " Your edits are kept as a draft of this one."
                return JsonResponse(
                    {"status": "archived", "message": message, "live_url": live}, status=409
                )
            messages.error(request, _page_message(error))
            return self._back_to_editor(request, parent)
        except ValidationError as error:
            if _wants_json(request):
                return JsonResponse({"status": "error", "message": _message(error)}, status=400)
            messages.error(request, _message(error))
            return self._back_to_editor(request, parent)
        return self._save_response(request, parent, result)

    def view_autosave(self, request: HttpRequest, pk):
        parent = self.get_parent(pk, purpose="light")
        try:
            based_on = _int(request.POST.get("based_on"), "The version you started from")
            segments = _posted_segments(request) or {}
            structure = _posted_structure(request)
            page_loaded = _page_loaded(request.POST.get("page_loaded"))
            document_draft_check(
                doc=self.doc,
                parent=parent,
                based_on=based_on,
                segments=segments,
                added=sum(op["operation"] == "split" for op in structure),
            )
        except ValidationError as error:
            return JsonResponse({"status": "error", "message": _message(error)}, status=400)
        try:
            draft = drafts.draft_autosave(
                kind=self.doc.kind,
                document_id=parent.pk,
                user=request.user,
                based_on=based_on,
                segments=segments,
                page=request.POST.get("page", "")[:64],
                page_loaded=page_loaded,
                structure=structure,
            )
        except drafts.DraftUnavailable as error:
            # The page keeps the text and sends it again (autosave.js); 503 so it
            # reads as "try again", never as a refusal of the edits.
            response = JsonResponse(
                {"status": "unavailable", "message": _message(error)}, status=503
            )
            response["Retry-After"] = "30"
            return response
        except drafts.NewerDraft as newer:
            return JsonResponse(
                {
                    "status": "newer",
                    "saved_at": newer.draft.saved_at.isoformat(),
                    "message": "Edits you made on another page were kept as a draft after "
                    "this page opened. Reload the page to get them back; autosave is paused "
                    "here so they are not overwritten.",
                },
                status=409,
            )
        return JsonResponse(
            {
                "status": "saved" if draft else "cleared",
                "saved_at": draft.saved_at.isoformat() if draft else None,
            }
        )

    def view_draft_discard(self, request: HttpRequest, pk):
        parent = self.get_parent(pk, purpose="light")
        draft = drafts.draft_get(kind=self.doc.kind, document_id=parent.pk, user=request.user)
        if request.method == "POST":
            drafts.draft_discard(kind=self.doc.kind, document_id=parent.pk, user=request.user)
            if _wants_json(request):
                # The editor discards in place, keeping whatever is typed on the page.
                return JsonResponse({"status": "discarded" if draft else "none"})
            if draft is not None:
                messages.success(request, "Draft discarded.")
            return redirect(self.urls(parent).editor)
        if draft is None:
            messages.info(request, "There is no draft to discard.")
            return redirect(self.urls(parent).editor)
        parent = self.get_parent(pk)
        context = self._base_context(request, parent)
        context["draft"] = draft
        return render(request, f"{self.template_dir}/draft_discard.html", context)

    # -- conflicts ---------------------------------------------------------------------------

    def view_conflict(self, request: HttpRequest, pk):
        parent = self.get_parent(pk)
        draft = drafts.draft_get(kind=self.doc.kind, document_id=parent.pk, user=request.user)
        if draft is None:
            messages.info(request, "There is no unsaved draft to resolve.")
            return redirect(self.urls(parent).editor)
        if request.method == "POST":
            return self._resolve_conflict(request, parent, draft)
        latest = document_snapshot(doc=self.doc, parent=parent, with_json=False)
        state = document_draft_state(doc=self.doc, parent=parent, draft=draft, latest=latest)
        if state is None:
            messages.error(request, "The draft no longer fits this document; discard it.")
            return redirect(self.urls(parent).editor)
        if not state.merge.conflicts:
            messages.info(request, "Your draft now merges cleanly; check it and save.")
            return redirect(self.urls(parent).editor + "?draft=restore")
        latest_version = latest.version
        base_segments = document_segments_for_times(self.doc, parent)
        rows = []
        for conflict in state.merge.conflicts:
            theirs_parts, mine_parts = word_diff(conflict.theirs, conflict.mine)
            start = (
                base_segments[conflict.index].get("start")
                if conflict.index < len(base_segments)
                else None
            )
            rows.append(
                {
                    "index": conflict.index,
                    "number": conflict.index + 1,
                    "time": format_timestamp(start),
                    "base": conflict.base,
                    "mine": conflict.mine,
                    "theirs": conflict.theirs,
                    "theirs_parts": theirs_parts,
                    "mine_parts": mine_parts,
                    # A split, merge or speaker change: kept or left out as a whole.
                    "structural": bool(draft.structure),
                    "speaker": conflict.speaker,
                }
            )
        mine_by_index = {c.index: c.mine for c in state.merge.conflicts}
        context = self._base_context(request, parent)
        context.update(
            {
                "draft": draft,
                "base": state.base,
                "theirs": latest,
                "theirs_author": latest_version.edited_by.get_full_name()
                if latest_version is not None
                else "Machine",
                "theirs_when": latest_version.created_at if latest_version is not None else None,
                "rows": rows,
                "merged_count": len(state.dirty),
                "mine_full_text": join_segments(
                    [mine_by_index.get(i, t) for i, t in enumerate(state.merge.texts)]
                ),
                "theirs_full_text": latest.text,
            }
        )
        return render(request, f"{self.template_dir}/conflict.html", context, status=409)

    def _resolve_conflict(self, request, parent, draft: drafts.Draft) -> HttpResponse:
        urls = self.urls(parent)
        if request.POST.get("draft_stamp") != draft.stamp:
            messages.error(
                request, "Your draft changed (another tab?) while you resolved; check again."
            )
            return redirect(urls.conflict)
        try:
            seen = _int(request.POST.get("latest_seen"), "The version you compared with")
            theirs = document_snapshot(
                doc=self.doc, parent=parent, version_number=seen, with_json=False
            )
        except ValidationError as error:
            messages.error(request, _message(error))
            return redirect(urls.conflict)
        state = document_draft_state(doc=self.doc, parent=parent, draft=draft, latest=theirs)
        if state is None:
            messages.error(request, "The draft no longer fits this document; discard it.")
            return redirect(urls.editor)
        if state.structured is not None:
            return self._resolve_structured(request, parent, draft, state)
        texts = list(state.merge.texts)
        for conflict in state.merge.conflicts:
            choice = request.POST.get(f"choice-{conflict.index}", "mine")
            if choice == "theirs":
                texts[conflict.index] = conflict.theirs
            else:
                texts[conflict.index] = request.POST.get(f"seg-{conflict.index}", conflict.mine)
        mine = {i: t for i, t in enumerate(texts) if t != theirs.texts[i]}
        try:
            result = document_save_version(
                doc=self.doc,
                parent=parent,
                user=request.user,
                based_on_version_number=theirs.number,
                segments_text=mine,
            )
        except SaveConflict:
            messages.warning(request, "Someone saved again while you resolved. One more look.")
            return redirect(urls.conflict)
        except ValidationError as error:
            messages.error(request, _message(error))
            return redirect(urls.conflict)
        if not result.created:
            drafts.draft_discard(kind=self.doc.kind, document_id=parent.pk, user=request.user)
        messages.success(request, self._save_message(result))
        return redirect(urls.editor)

    def _resolve_structured(self, request, parent, draft: drafts.Draft, state) -> HttpResponse:
        """A draft with structure changes: "mine" applies them over the other change,
        "theirs" leaves out my changes to that segment (or speaker)."""
        urls = self.urls(parent)
        force: set[int] = set()
        dropped: set[int] = set()
        dropped_speakers: set[str] = set()
        for conflict in state.merge.conflicts:
            if request.POST.get(f"choice-{conflict.index}", "mine") == "theirs":
                if conflict.speaker:
                    dropped_speakers.add(conflict.speaker)
                elif conflict.segment_id is not None:
                    dropped.add(conflict.segment_id)
            elif conflict.segment_id is not None:
                force.add(conflict.segment_id)
        # A text-only draft's conflict row is editable: "mine" is the text as edited there.
        typed = {} if draft.structure else draft.segments
        edited = {
            conflict.segment_id: request.POST[f"seg-{conflict.index}"]
            for conflict in state.merge.conflicts
            if conflict.segment_id is not None
            and conflict.segment_id in force
            and f"seg-{conflict.index}" in request.POST
        }
        try:
            base = document_outline_of(self.doc, parent, draft.based_on)
            if typed:
                typed = dict(typed)
                for segment_id, text in edited.items():
                    if (at := base.position(segment_id)) is not None:
                        typed[at] = text
            structure, edits = drop_segments(
                base,
                draft.structure,
                typed or draft.segments,
                segments=dropped,
                speakers=dropped_speakers,
            )
            result = document_save_version(
                doc=self.doc,
                parent=parent,
                user=request.user,
                based_on_version_number=draft.based_on,
                segments_text=edits,
                structure=structure,
                force=force,
            )
        except SaveConflict:
            messages.warning(request, "Someone saved again while you resolved. One more look.")
            return redirect(urls.conflict)
        except ValidationError as error:
            messages.error(request, _message(error))
            return redirect(urls.conflict)
        drafts.draft_discard(kind=self.doc.kind, document_id=parent.pk, user=request.user)
        messages.success(request, self._save_message(result))
        return redirect(urls.editor)

    # -- history, diff, restore, finalize ----------------------------------------------------

    def view_history(self, request: HttpRequest, pk):
        parent = self.get_parent(pk)
        rows = document_history(doc=self.doc, parent=parent)
        context = self._base_context(request, parent)
        latest_number = rows[0].number if rows else BASE_VERSION
        context.update(
            {
                "rows": rows,
                "latest_number": latest_number,
                "compare_from": rows[1].number if len(rows) > 1 else BASE_VERSION,
                "final": next((r.label for r in rows if r.is_final), None),
            }
        )
        return render(request, f"{self.template_dir}/history.html", context)

    def view_diff(self, request: HttpRequest, pk):
        parent = self.get_parent(pk)
        try:
            new_number = (
                _int(request.GET["b"], "The newer version")
                if request.GET.get("b")
                else document_snapshot(doc=self.doc, parent=parent, with_json=False).number
            )
            old_number = (
                _int(request.GET["a"], "The older version")
                if request.GET.get("a")
                else max(new_number - 1, BASE_VERSION)
            )
            diff = document_diff(
                doc=self.doc, parent=parent, old_number=old_number, new_number=new_number
            )
        except ValidationError as error:
            raise Http404(_message(error)) from None
        rows = document_history(doc=self.doc, parent=parent)
        context = self._base_context(request, parent)
        context.update({"diff": diff, "rows": rows})
        return render(request, f"{self.template_dir}/diff.html", context)

    def view_restore(self, request: HttpRequest, pk):
        parent = self.get_parent(pk, purpose="data")
        try:
            number = _int(request.POST.get("version"), "The version to restore")
            version = document_restore_version(
                doc=self.doc, parent=parent, user=request.user, version_number=number
            )
        except ValidationError as error:
            messages.error(request, _page_message(error))
            return redirect(self.urls(parent).history)
        messages.success(request, f"Restored the text of that version as {version.version_type}.")
        return self._back_to_editor(request, parent)

    def view_finalize(self, request: HttpRequest, pk):
        parent = self.get_parent(pk, purpose="data")
        raw = request.POST.get("version", "")
        try:
            number = None if raw == "" else _int(raw, "The version to finalize")
            version = document_finalize(
                doc=self.doc, parent=parent, user=request.user, version_number=number
            )
        except ValidationError as error:
            messages.error(request, _page_message(error))
            return self._back_to_editor(request, parent)
        messages.success(request, f"{version.version_type} is the final version.")
        return self._back_to_editor(request, parent)

    # -- find and replace, dictionary, exports -----------------------------------------------

    def view_replace(self, request: HttpRequest, pk):
        parent = self.get_parent(pk, purpose="data")
        try:
            result, count = document_replace_all(
                doc=self.doc,
                parent=parent,
                user=request.user,
                based_on_version_number=_int(request.POST.get("based_on"), "The version"),
                find=request.POST.get("find", ""),
                replace=request.POST.get("replace", ""),
                match_case=request.POST.get("match_case") == "1",
                whole_words=request.POST.get("whole_words") == "1",
            )
        except SaveConflict:
            return redirect(self.urls(parent).conflict)
        except ValidationError as error:
            messages.error(request, _page_message(error))
            return self._back_to_editor(request, parent)
        plural = "" if count == 1 else "s"
        messages.success(
            request, f"Replaced {count} occurrence{plural}. {self._save_message(result)}"
        )
        return self._back_to_editor(request, parent)

    def view_glossary_add(self, request: HttpRequest, pk):
        parent = self.get_parent(pk, purpose="data")
        try:
            label = request.POST.get("speaker") or ""
            speaker_id = None
            if label:
                speaker_id = self.speaker_rows(parent).get(label)
                if speaker_id is None:
                    raise ValidationError(
                        "That speaker is not saved yet: save the version first, then add "
                        "their term."
                    )
            entry = entry_create(
                user=request.user,
                term_original=request.POST.get("term_original", ""),
                term_corrected=request.POST.get("term_corrected", ""),
                language_code=self.doc.language_code(parent),
                context=request.POST.get("context") or None,
                speaker_id=speaker_id,
            )
        except ValidationError as error:
            if _wants_json(request):
                return JsonResponse({"status": "error", "message": _message(error)}, status=400)
            messages.error(request, _message(error))
            return self._back_to_editor(request, parent)
        message = (
            f"Added “{entry.term_original} → {entry.term_corrected}” to the "
            f"{entry.language_code} dictionary."
        )
        if _wants_json(request):
            return JsonResponse({"status": "added", "message": message})
        messages.success(request, message)
        return self._back_to_editor(request, parent)

    def export_source(self, request: HttpRequest, parent) -> ExportSource:
        """The version `?version=` names (the latest without it), as exports read it."""
        raw = request.GET.get("version", "")
        number = None if raw == "" else _int(raw, "The version")
        snapshot = document_snapshot(doc=self.doc, parent=parent, version_number=number)
        return ExportSource(
            title=self.export_title(parent),
            label=snapshot.label,
            text=snapshot.text,
            json=snapshot.json,
            speaker=self.doc.default_speaker(parent)
            if self.doc.default_speaker
            else settings.SPEAKER_NAME,
            language_code=self.doc.language_code(parent),
        )

    def view_export(self, request: HttpRequest, pk):
        parent = self.get_parent(pk)
        fmt = request.GET.get("format", "txt")
        try:
            source = self.export_source(request, parent)
            body, export_format = export_document(source, fmt)
        except ValidationError as error:
            raise Http404(_message(error)) from None
        stem = slugify(PurePosixPath(self.export_title(parent)).stem) or self.doc.kind
        filename = f"{stem}-{source.label}.{export_format.extension}"
        response = HttpResponse(body, content_type=export_format.content_type)
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response


def document_segments_for_times(doc: VersionedDocument, parent) -> list[dict]:
    """Segments with their start times (the same in every version of a document)."""
    from documents.text import document_segments

    return document_segments(doc.base_json(parent), doc.base_text(parent))
