"""Sonix REST API v1 (https://sonix.ai/docs/api): a small client on the standard library,
and the converter from Sonix's transcript JSON to the seed's shape.

    client = SonixClient()                       # SONIX_BASE_URL, bearer SONIX_API_KEY
    client.list_media(page=1)                    # GET  /media?page=1        -> [media, …]
    client.get_media(media_id)                   # GET  /media/<id>           -> media
    client.upload_media(path, "Lecture 5")       # POST /media (multipart)   -> media id
    client.get_transcript_json(media_id)         # GET  /media/<id>/transcript.json
    sonix_json_to_seed(transcript, duration)     # -> {"segments": […], "metadata": {…}}

A media object is `{"id", "name", "status", "duration", "language", "created_at", …}`;
status is one of "preparing", "transcribing", "completed", "blocked", "failed".
The transcript JSON is `{"name", "transcript": [{"speaker", "start_time", "end_time",
"words": [{"text", "start_time", "end_time"}]}]}` with times in seconds; word texts
may carry their leading space and trailing punctuation.

Faults follow the rule every vendor shares (`integrations.base`); Sonix's own
meanings for 402 and 403 are added as hints, an unknown media id is `SonixNotFound`,
and a reply that is not the documented JSON is `VendorReplyError`.
"""

from __future__ import annotations

import os
import unicodedata
import urllib.parse
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from integrations.base import HTTPVendor
from integrations.errors import PermanentError, TransientError, VendorReplyError
from integrations.transcription.base import label_speakers

UPLOAD_CHUNK_BYTES = 1024 * 1024


class SonixNotFound(PermanentError):
    """Sonix has no media with that id (deleted in Sonix, or a typo)."""


@dataclass(frozen=True)
class SonixMediaPage:
    media: list[dict[str, Any]]
    page: int
    total_pages: int


class SonixClient(HTTPVendor):
    """Talks to Sonix with a bearer key; HTTP, timeouts and faults are the base's."""

    label = "Sonix"
    key_setting = "SONIX_API_KEY"
    status_hints = {
        402: "Sonix reports a payment problem on the account; update billing at my.sonix.ai.",
        403: "This Sonix account may have no API access (a paid subscription is needed).",
    }

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float | None = None,
    ):
        from django.conf import settings

        super().__init__(timeout=timeout)
        self.api_key = settings.SONIX_API_KEY if api_key is None else api_key
        if not self.api_key:
            raise PermanentError("Sonix is not configured: set SONIX_API_KEY.")
        self.base_url = (base_url or settings.SONIX_BASE_URL).rstrip("/")

    # -- the API ---------------------------------------------------------------

    def list_media_page(self, page: int = 1) -> SonixMediaPage:
        reply = self._request("GET", "/media", query={"page": max(1, int(page))})
        media = reply.get("media") if isinstance(reply, dict) else None
        if not isinstance(media, list) or not all(
            isinstance(item, dict) and item.get("id") for item in media
        ):
            raise VendorReplyError("Sonix's media list is not in the documented shape.")
        return SonixMediaPage(
            media=media,
            page=_int(reply.get("page"), default=page),
            total_pages=max(1, _int(reply.get("total_pages"), default=1)),
        )

    def list_media(self, page: int = 1) -> list[dict[str, Any]]:
        return self.list_media_page(page).media

    def get_media(self, media_id: str) -> dict[str, Any]:
        reply = self._request("GET", f"/media/{_quote(media_id)}")
        if not isinstance(reply, dict) or not reply.get("id"):
            raise VendorReplyError(f"Sonix's reply for media {media_id} has no id.")
        return reply

    def upload_media(self, file_path: str | os.PathLike, name: str, language: str = "en") -> str:
        """Upload a local file for transcription (streamed, never read whole)."""
        path = Path(file_path)
        boundary = uuid.uuid4().hex
        head = b"".join(
            [
                _form_field(boundary, "name", name),
                _form_field(boundary, "language", language or "en"),
                (
                    f"--{boundary}\r\n"
                    f'Content-Disposition: form-data; name="file"; '
                    f'filename="{_header_safe(path.name)}"\r\n'
                    "Content-Type: application/octet-stream\r\n\r\n"
                ).encode(),
            ]
        )
        tail = f"\r\n--{boundary}--\r\n".encode()
        length = len(head) + path.stat().st_size + len(tail)

        def body() -> Iterator[bytes]:
            yield head
            with path.open("rb") as fh:
                while chunk := fh.read(UPLOAD_CHUNK_BYTES):
                    yield chunk
            yield tail

        reply = self._request(
            "POST",
            "/media",
            body=body(),
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Content-Length": str(length),
            },
        )
        media_id = reply.get("id") if isinstance(reply, dict) else None
        if not media_id:
            raise VendorReplyError("Sonix accepted the upload but sent no media id.")
        return str(media_id)

    def get_transcript_json(self, media_id: str) -> dict[str, Any]:
        reply = self._request("GET", f"/media/{_quote(media_id)}/transcript.json")
        if not isinstance(reply, dict) or not isinstance(reply.get("transcript"), list):
            raise VendorReplyError(f"Sonix's transcript for media {media_id} has no word list.")
        return reply

    # -- HTTP ------------------------------------------------------------------

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.send_json(method, self.base_url + path, **kwargs)

    def status_error(
        self, status: int, body: bytes, headers: Mapping[str, str]
    ) -> TransientError | PermanentError:
        error = super().status_error(status, body, headers)
        return SonixNotFound(str(error)) if status == 404 else error


def _quote(media_id: str) -> str:
    media_id = str(media_id or "").strip()
    if not media_id:
        raise PermanentError("A Sonix media id is required.")
    return urllib.parse.quote(media_id, safe="")


def _int(value: Any, *, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _header_safe(text: str) -> str:
    cleaned = "".join(c for c in str(text) if c.isprintable() and c not in '"\\')
    return cleaned or "recording"


def _form_field(boundary: str, name: str, value: str) -> bytes:
    return (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
    ).encode()


# -- Sonix transcript JSON → the seed's shape ------------------------------------

SENTENCE_ENDS = (".", "?", "!", "…")
CLOSERS = "\"'”’)]»"
# Sonix paragraphs can run for minutes; segments are cut at sentence ends into pieces
# of about this length (the editor, translation and subtitles work per segment).
SEGMENT_TARGET_SECONDS = 10.0
SEGMENT_MAX_SECONDS = 30.0


def sonix_json_to_seed(transcript_json: dict[str, Any], duration: float | None = None) -> dict:
    """Convert Sonix's transcript JSON to `{"segments": [{"id", "start", "end", "text",
    "words": [{"word", "start", "end"}]}], "metadata": {"source": "sonix", "duration"}}`.

    Segments never cross a speaker change; within a paragraph they end at sentence
    ends, about SEGMENT_TARGET_SECONDS long and at most SEGMENT_MAX_SECONDS unless a
    single word is longer. Every word is kept, in order; a punctuation-only token is
    joined to the word before it.
    """
    if not isinstance(transcript_json, dict) or not isinstance(
        transcript_json.get("transcript"), list
    ):
        raise VendorReplyError("The Sonix transcript has no “transcript” list.")
    segments: list[dict[str, Any]] = []
    for paragraph in transcript_json["transcript"]:
        if not isinstance(paragraph, dict):
            raise VendorReplyError("A Sonix transcript paragraph is not an object.")
        words = _paragraph_words(paragraph)
        speaker = paragraph.get("speaker")
        for run in _segment_runs(words):
            segments.append(
                {
                    "id": len(segments),
                    "start": run[0]["start"],
                    "end": run[-1]["end"],
                    "text": " ".join(w["word"] for w in run),
                    "words": run,
                    **({"speaker": speaker} if isinstance(speaker, str) and speaker else {}),
                }
            )
    last_end = segments[-1]["end"] if segments else 0.0
    total = float(duration) if duration else last_end
    # Sonix's speakers and the names editors gave them there (S1, S2, … here).
    speakers = label_speakers(segments)
    return {
        **({"speakers": speakers} if speakers else {}),
        "segments": segments,
        "metadata": {"source": "sonix", "duration": round(max(total, last_end), 3)},
    }


def _paragraph_words(paragraph: dict[str, Any]) -> list[dict[str, Any]]:
    raw_words = paragraph.get("words")
    if not isinstance(raw_words, list):
        raise VendorReplyError("A Sonix transcript paragraph has no word list.")
    previous_end = _seconds(paragraph.get("start_time"), default=0.0)
    words: list[dict[str, Any]] = []
    for raw in raw_words:
        if not isinstance(raw, dict) or not isinstance(raw.get("text"), str):
            raise VendorReplyError("A Sonix transcript word has no text.")
        text = unicodedata.normalize("NFC", raw["text"]).strip()
        if not text:
            continue
        if words and _is_punctuation(text):
            words[-1]["word"] += text
            continue
        start = _seconds(raw.get("start_time"), default=previous_end)
        end = _seconds(raw.get("end_time"), default=start)
        start = max(start, words[-1]["start"]) if words else start
        end = max(end, start)
        words.append({"word": text, "start": start, "end": end})
        previous_end = end
    return words


def _segment_runs(words: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    current: list[dict[str, Any]] = []
    for sentence in _sentences(words):
        for piece in _cap_length(sentence):
            if current and piece[-1]["end"] - current[0]["start"] > SEGMENT_MAX_SECONDS:
                yield current
                current = []
            current.extend(piece)
            if current[-1]["end"] - current[0]["start"] >= SEGMENT_TARGET_SECONDS:
                yield current
                current = []
    if current:
        yield current


def _sentences(words: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    sentence: list[dict[str, Any]] = []
    for word in words:
        sentence.append(word)
        if word["word"].rstrip(CLOSERS).endswith(SENTENCE_ENDS):
            yield sentence
            sentence = []
    if sentence:
        yield sentence


def _cap_length(sentence: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """A sentence longer than SEGMENT_MAX_SECONDS (an unpunctuated ramble) is cut."""
    piece: list[dict[str, Any]] = []
    for word in sentence:
        if piece and word["end"] - piece[0]["start"] > SEGMENT_MAX_SECONDS:
            yield piece
            piece = []
        piece.append(word)
    if piece:
        yield piece


def _is_punctuation(text: str) -> bool:
    return all(unicodedata.category(c).startswith("P") for c in text)


def _seconds(value: Any, *, default: float) -> float:
    if value is None:
        return round(float(default), 3)
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise VendorReplyError("A Sonix transcript time is not a number.")
    try:
        seconds = float(value)
    except ValueError as exc:
        raise VendorReplyError("A Sonix transcript time is not a number.") from exc
    if seconds != seconds or seconds < 0 or seconds == float("inf"):
        raise VendorReplyError("A Sonix transcript time is out of range.")
    return round(seconds, 3)
