"""ElevenLabs text-to-speech: the voice-over hand-off for finalized translations.

`POST {base}/v1/text-to-speech/{voice_id}?output_format=…` with the `xi-api-key`
header and `{"text", "model_id", "previous_text", "next_text"}`; the reply body is the
audio. A request takes a few thousand characters at most, so a long translation is sent
in pieces cut at segment boundaries and the MP3 pieces are joined (MP3 frames
concatenate). `previous_text`/`next_text` keep the intonation continuous across cuts.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable, Sequence

from django.conf import settings

from integrations.base import HTTPVendor
from integrations.errors import PermanentError, VendorReplyError

# Models that accept `language_code`; for the others ElevenLabs refuses the field.
LANGUAGE_CODE_MODELS = ("eleven_turbo_v2_5", "eleven_flash_v2_5")
CONTEXT_CHARS = 300


class ElevenLabsVoice(HTTPVendor):
    name = "elevenlabs"
    label = "ElevenLabs"
    key_setting = "ELEVENLABS_API_KEY"

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        voice_id: str | None = None,
        model_id: str | None = None,
        output_format: str | None = None,
        max_chars: int | None = None,
        timeout: float | None = None,
    ):
        super().__init__(timeout=timeout)
        self.api_key = api_key if api_key is not None else settings.ELEVENLABS_API_KEY
        if not self.api_key:
            raise PermanentError("Voice-over is not configured: set ELEVENLABS_API_KEY.")
        self.base_url = (base_url or settings.ELEVENLABS_BASE_URL).rstrip("/")
        self.voice_id = voice_id or settings.ELEVENLABS_VOICE_ID
        self.model_id = model_id or settings.ELEVENLABS_MODEL_ID
        self.output_format = output_format or settings.ELEVENLABS_OUTPUT_FORMAT
        self.max_chars = max_chars or settings.ELEVENLABS_MAX_CHARS

    def pieces(self, paragraphs: Sequence[str]) -> list[str]:
        """Paragraphs packed into requests of at most `max_chars`, never cutting one
        (a paragraph longer than the limit is cut at sentence or word boundaries)."""
        pieces: list[str] = []
        current = ""
        for paragraph in (p.strip() for p in paragraphs):
            if not paragraph:
                continue
            for part in self._cut(paragraph):
                candidate = f"{current}\n{part}" if current else part
                if len(candidate) <= self.max_chars:
                    current = candidate
                else:
                    pieces.append(current)
                    current = part
        if current:
            pieces.append(current)
        return pieces

    def _cut(self, text: str) -> list[str]:
        parts: list[str] = []
        while len(text) > self.max_chars:
            window = text[: self.max_chars]
            cut = max(window.rfind(". "), window.rfind("। "), window.rfind("。"))
            if cut <= 0:
                cut = window.rfind(" ")
            cut = cut + 1 if cut > 0 else self.max_chars
            parts.append(text[:cut].strip())
            text = text[cut:].strip()
        if text:
            parts.append(text)
        return parts

    def synthesize(
        self,
        paragraphs: Sequence[str],
        *,
        language_code: str,
        on_piece: Callable[[int, int], None] | None = None,
    ) -> bytes:
        """The whole text as one MP3; `on_piece(done, total)` reports progress."""
        pieces = self.pieces(paragraphs)
        if not pieces:
            raise PermanentError("There is no text to read aloud.")
        audio = bytearray()
        for index, piece in enumerate(pieces):
            body = {"text": piece, "model_id": self.model_id}
            if index > 0:
                body["previous_text"] = pieces[index - 1][-CONTEXT_CHARS:]
            if index + 1 < len(pieces):
                body["next_text"] = pieces[index + 1][:CONTEXT_CHARS]
            if self.model_id in LANGUAGE_CODE_MODELS:
                body["language_code"] = language_code
            audio += self._request(body)
            if on_piece:
                on_piece(index + 1, len(pieces))
        return bytes(audio)

    def auth_headers(self) -> dict[str, str]:
        return {"xi-api-key": self.api_key}

    def _request(self, body: dict) -> bytes:
        voice = urllib.parse.quote(self.voice_id, safe="")
        reply = self.send(
            "POST",
            f"{self.base_url}/v1/text-to-speech/{voice}",
            query={"output_format": self.output_format},
            body=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Accept": "audio/mpeg"},
        )
        content_type = reply.headers.get("Content-Type", "")
        if not content_type.startswith("audio/") or not reply.body:
            raise VendorReplyError(
                f"{self.label} sent {content_type or 'no content type'} instead of audio."
            )
        return reply.body
