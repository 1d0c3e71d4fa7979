"""Exports of timed segments: plain text, SRT, WebVTT and Word (DOCX).

Written generically (segments in, bytes out) because the transcript editor's exports
did not exist when translations needed them; they take any list of
`{"id", "start", "end", "text"}` and a title, so transcripts can use them as well.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import srt
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from webvtt import Caption, WebVTT

FORMATS = {
    "txt": ("text/plain; charset=utf-8", "txt"),
    "srt": ("application/x-subrip; charset=utf-8", "srt"),
    "vtt": ("text/vtt; charset=utf-8", "vtt"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
}


def _timed(segments: Sequence[dict[str, Any]]) -> list[tuple[float, float, str]]:
    """Segments with usable times; untimed ones follow the previous one (subtitles need times)."""
    result, cursor = [], 0.0
    for seg in segments:
        text = " ".join(str(seg.get("text", "")).split())
        if not text:
            continue
        start = seg.get("start")
        end = seg.get("end")
        start = float(start) if start is not None else cursor
        end = float(end) if end is not None else start + 2.0
        end = max(end, start + 0.001)
        result.append((start, end, text))
        cursor = end
    return result


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return ""
    total = int(seconds)
    return f"{total // 3600:d}:{total % 3600 // 60:02d}:{total % 60:02d}"


def export_txt(segments: Sequence[dict[str, Any]], *, title: str = "") -> bytes:
    lines = [title, ""] if title else []
    lines += [" ".join(str(s.get("text", "")).split()) for s in segments]
    return ("\n".join(line for line in lines) + "\n").encode()


def export_srt(segments: Sequence[dict[str, Any]], *, title: str = "") -> bytes:
    subtitles = [
        srt.Subtitle(index=i, start=timedelta(seconds=a), end=timedelta(seconds=b), content=t)
        for i, (a, b, t) in enumerate(_timed(segments), start=1)
    ]
    return srt.compose(subtitles).encode()


def _vtt_time(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def export_vtt(segments: Sequence[dict[str, Any]], *, title: str = "") -> bytes:
    vtt = WebVTT()
    for start, end, text in _timed(segments):
        # "-->" would end a cue's text early: WebVTT forbids it there.
        vtt.captions.append(Caption(_vtt_time(start), _vtt_time(end), text.replace("-->", "→")))
    return vtt.content.encode()


def export_docx(segments: Sequence[dict[str, Any]], *, title: str = "", rtl: bool = False) -> bytes:
    document = Document()
    if title:
        document.add_heading(title, level=1)
    for seg in segments:
        text = " ".join(str(seg.get("text", "")).split())
        if not text:
            continue
        paragraph = document.add_paragraph()
        stamp = _clock(seg.get("start"))
        if stamp:
            run = paragraph.add_run(f"[{stamp}] ")
            run.bold = True
        paragraph.add_run(text)
        if rtl:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            # Word's right-to-left paragraph flag (w:bidi), so Arabic reads correctly.
            paragraph._p.get_or_add_pPr().append(paragraph._p.makeelement(qn("w:bidi"), {}))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def export(fmt: str, segments: Sequence[dict[str, Any]], *, title: str = "", rtl=False) -> bytes:
    if fmt == "txt":
        return export_txt(segments, title=title)
    if fmt == "srt":
        return export_srt(segments, title=title)
    if fmt == "vtt":
        return export_vtt(segments, title=title)
    if fmt == "docx":
        return export_docx(segments, title=title, rtl=rtl)
    raise ValueError(f"Unknown export format {fmt!r}")
