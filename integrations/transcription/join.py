"""Joining the transcripts of consecutive pieces into one.

Pieces are cut at pauses and never overlap, so every word was spoken in exactly one
piece: joining shifts each piece's times by its offset, keeps them inside the piece
(vendors sometimes stamp a last word past the end of the audio they were sent), keeps
time moving forward across the seam, and renumbers segment ids 0..n-1. No word is
dropped or repeated.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from integrations.transcription.base import Segment, timed_word


@dataclass(frozen=True)
class PieceTranscript:
    """One piece's segments, times relative to the piece's own start."""

    index: int
    offset: float  # seconds from the start of the recording
    duration: float
    segments: list[Segment] = field(default_factory=list)
    start_sample: int = 0
    samples: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "offset": self.offset,
            "duration": self.duration,
            "start_sample": self.start_sample,
            "samples": self.samples,
            "segments": self.segments,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PieceTranscript:
        return cls(
            index=int(data["index"]),
            offset=float(data["offset"]),
            duration=float(data["duration"]),
            segments=list(data["segments"]),
            start_sample=int(data.get("start_sample", 0)),
            samples=int(data.get("samples", 0)),
        )


def join_pieces(pieces: Iterable[PieceTranscript]) -> list[Segment]:
    """One seed-shaped segment list for the whole recording."""
    out: list[Segment] = []
    last_segment_start = 0.0
    last_word_start = 0.0
    for piece in sorted(pieces, key=lambda p: p.offset):

        def place(t: float, piece: PieceTranscript = piece) -> float:
            return piece.offset + min(max(float(t), 0.0), piece.duration)

        for seg in piece.segments:
            words = []
            for w in seg.get("words") or []:
                start = max(place(w["start"]), last_word_start)
                end = max(place(w["end"]), start)
                words.append(timed_word(w, start, end))
                last_word_start = start
            start = max(place(seg["start"]), last_segment_start)
            end = max(place(seg["end"]), start)
            out.append(
                {
                    "id": len(out),
                    "start": round(start, 3),
                    "end": round(end, 3),
                    "text": seg["text"],
                    "words": words,
                    **({"speaker": seg["speaker"]} if seg.get("speaker") else {}),
                }
            )
            last_segment_start = start
    return out
