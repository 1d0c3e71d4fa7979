"""Exports of any version of a timed document: TXT, SRT, WebVTT, DOCX and the JSON.

Each format is built by its library (srt, webvtt-py, python-docx, json), never by string
templates. Segments without text are left out of the timed formats (an empty cue is invalid);
documents without timings cannot be exported as subtitles.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import srt
from django.core.exceptions import ValidationError
from docx import Document
from docx.shared import Pt, RGBColor
from webvtt import Caption, WebVTT

from documents.captions import (
    CaptionProfile,
    CaptionReport,
    build_cues,
    caption_segments,
    display_lines,
    profile_for,
)
from documents.labels import engine_label, version_label_explained
from documents.structure import DEFAULT_SPEAKER, segment_speaker, speaker_name
from documents.text import document_segments, format_timestamp, normalize_text


@dataclass(frozen=True)
class ExportFormat:
    key: str
    label: str
    extension: str
    content_type: str


FORMATS: dict[str, ExportFormat] = {
    f.key: f
    for f in (
        ExportFormat("txt", "Text", "txt", "text/plain; charset=utf-8"),
        ExportFormat("srt", "SubRip (SRT)", "srt", "application/x-subrip; charset=utf-8"),
        ExportFormat("vtt", "WebVTT", "vtt", "text/vtt; charset=utf-8"),
        ExportFormat(
            "docx",
            "Word (DOCX)",
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ExportFormat("json", "JSON", "json", "application/json"),
    )
}


@dataclass(frozen=True)
class ExportSource:
    """What every exporter needs: one state of a document."""

    title: str
    label: str  # "H-3", "T-1"
    text: str
    json: dict | None
    speaker: str  # the default speaker's name (segments without a speaker are theirs)
    language_code: str = "en"
    caption_profile: CaptionProfile | None = None  # None: the language's, from `languages`

    @property
    def segments(self) -> list[dict]:
        return document_segments(self.json, self.text)

    def name_of(self, segment: dict) -> str:
        names = (self.json or {}).get("speakers") or {}
        return speaker_name(names, segment_speaker(segment), self.speaker)

    @property
    def several_speakers(self) -> bool:
        return len({self.name_of(seg) for seg in self.segments}) > 1

    def captions(self, *, lead_names: bool = False) -> CaptionReport:
        """The cues of this state by the language's caption profile (ValidationError when
        the document has no timings)."""
        profile = self.caption_profile or profile_for(self.language_code)
        try:
            segments = caption_segments(self.segments, name_of=self.name_of, lead_names=lead_names)
        except ValueError:
            raise ValidationError(f"{self.label} has no timings, so it has no subtitles.") from None
        return CaptionReport(build_cues(segments, profile), profile)


def export_txt(source: ExportSource) -> bytes:
    """One line per segment; with several speakers, a "Name:" paragraph per speaker turn."""
    if not source.several_speakers:
        return (source.text.rstrip("\n") + "\n").encode("utf-8")
    turns: list[tuple[str, list[str]]] = []
    for seg in source.segments:
        text = normalize_text(seg.get("text"))
        if not text:
            continue
        name = source.name_of(seg)
        if turns and turns[-1][0] == name:
            turns[-1][1].append(text)
        else:
            turns.append((name, [text]))
    return ("\n\n".join(f"{name}: {' '.join(texts)}" for name, texts in turns) + "\n").encode(
        "utf-8"
    )


def export_srt(source: ExportSource) -> bytes:
    """Cues by the caption builder. With several speakers, a cue where the speaker changes
    starts with the speaker's name (SRT has no voice markup)."""
    report = source.captions(lead_names=source.several_speakers)
    subtitles = [
        srt.Subtitle(
            index=i,
            start=timedelta(milliseconds=cue.start_ms),
            end=timedelta(milliseconds=cue.end_ms),
            content="\n".join(_srt_text(line) for line in display_lines(cue, report.profile)),
        )
        for i, cue in enumerate(report.cues, start=1)
    ]
    return srt.compose(subtitles).encode("utf-8")


# SRT players take <b>, <i>, <font …> (any <word…>) for markup, and SRT has no escape (most
# show "&lt;" as is): such brackets in a name or a text become look-alikes that read the
# same and style nothing. A lone "<" or "a < b" stays.
_SRT_TAG = re.compile(r"<(/?[^\W\d_][^<>]*)>")


def _srt_text(line: str) -> str:
    return _SRT_TAG.sub(r"‹\1›", line)


def _vtt_time(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def _vtt_escape(text: str) -> str:
    # Cue text is markup: a literal & or < must be written as an entity (WebVTT §4.2.2).
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def export_vtt(source: ExportSource) -> bytes:
    vtt = WebVTT()
    report = source.captions()
    for cue in report.cues:
        # The voice span names the speaker; players show it as styling, not as text.
        lines = [_vtt_escape(line) for line in display_lines(cue, report.profile)]
        vtt.captions.append(
            Caption(
                _vtt_time(cue.start),
                _vtt_time(cue.end),
                f"<v {_vtt_escape(cue.speaker)}>" + "\n".join(lines),
            )
        )
    return vtt.content.encode("utf-8")


def export_docx(source: ExportSource) -> bytes:
    # XML holds no control characters: names and titles stored before they were cleaned
    # lose theirs here (normalize_text drops them).
    title = normalize_text(source.title)
    document = Document()
    document.core_properties.title = f"{title} ({source.label})"
    document.core_properties.language = source.language_code
    document.add_heading(title, level=1)
    meta = document.add_paragraph()
    names = list(dict.fromkeys(normalize_text(source.name_of(seg)) for seg in source.segments))
    names = names or [normalize_text(source.speaker)]
    meta.add_run(
        f"Version {source.label} · Speaker{'s' if len(names) > 1 else ''}: {', '.join(names)}"
    ).italic = True
    document.add_paragraph().add_run(version_label_explained(source.label)).italic = True
    hours = any((seg.get("end") or 0) >= 3600 for seg in source.segments)
    for seg in source.segments:
        text = normalize_text(seg.get("text"))
        if not text:
            continue
        paragraph = document.add_paragraph()
        stamp = format_timestamp(seg.get("start"), hours=hours)
        if stamp:
            run = paragraph.add_run(f"[{stamp}] ")
            run.font.color.rgb = RGBColor(0x5B, 0x65, 0x77)
            run.font.size = Pt(9)
        paragraph.add_run(f"{normalize_text(source.name_of(seg))}: ").bold = True
        paragraph.add_run(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def export_json(source: ExportSource) -> bytes:
    data: dict[str, Any] = dict(source.json or {"segments": source.segments})
    # The seed's `speaker_name`, beside each segment's speaker label.
    data["segments"] = [
        {**seg, "speaker": segment_speaker(seg), "speaker_name": source.name_of(seg)}
        for seg in data.get("segments") or []
    ]
    # By label: two speakers may share a name.
    labels = dict.fromkeys(segment_speaker(seg) for seg in data["segments"])
    names = (source.json or {}).get("speakers") or {}
    metadata = data.get("metadata") or {}
    human = source.label.startswith("H-")
    data["metadata"] = {
        **metadata,
        "version_type": source.label,
        # The engine fields above describe the machine transcript a human version started
        # from; these say who produced this text.
        "produced_by": "human" if human else "machine",
        "version_explained": version_label_explained(source.label),
        **(
            {"machine_engine": name}
            if (
                name := engine_label(
                    metadata.get("engine"), metadata.get("model"), metadata.get("engine_label")
                )
            )
            else {}
        ),
        # The default speaker as named in this version (a rename of S1 included).
        "speaker": speaker_name(names, DEFAULT_SPEAKER, source.speaker),
        "speakers": [
            {"label": label, "name": speaker_name(names, label, source.speaker)} for label in labels
        ],
        "language_code": source.language_code,
    }
    data["text"] = source.text
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


EXPORTERS = {
    "txt": export_txt,
    "srt": export_srt,
    "vtt": export_vtt,
    "docx": export_docx,
    "json": export_json,
}


def export_document(source: ExportSource, fmt: str) -> tuple[bytes, ExportFormat]:
    """The file body and its format; unknown formats and untimed subtitles raise."""
    if fmt not in FORMATS:
        raise ValidationError(f"Unknown export format “{fmt}”.")
    return EXPORTERS[fmt](source), FORMATS[fmt]
