"""ElevenLabs text-to-speech: the voice-over hand-off for finalized translations.

`POST {base}/v1/text-to-speech/{voice_id}?output_format=…` with the `xi-api-key`
header and `{"text", "model_id", "previous_text", "next_text"}`; the reply body is the
audio. A request takes a few thousand characters at most, so a long translation is sent
in pieces cut at segment boundaries and the MP3 pieces are joined (MP3 frames
concatenate). `previous_text`/`next_text` keep the intonation continuous across cuts.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence

from django.conf import settings

from integrations.errors import PermanentError, TransientError, VendorReplyError, parse_retry_after

# Models that accept `language_code`; for the others ElevenLabs refuses the field.
LANGUAGE_CODE_MODELS = ("eleven_turbo_v2_5", "eleven_flash_v2_5")
CONTEXT_CHARS = 300


class ElevenLabsVoice:
    name = "elevenlabs"
    label = "ElevenLabs"

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
        self.api_key = api_key if api_key is not None else settings.ELEVENLABS_API_KEY
        if not self.api_key:
            raise PermanentError("Voice-over is not configured: set ELEVENLABS_API_KEY.")
        self.base_url = (base_url or settings.ELEVENLABS_BASE_URL).rstrip("/")
        self.voice_id = voice_id or settings.ELEVENLABS_VOICE_ID
        self.model_id = model_id or settings.ELEVENLABS_MODEL_ID
        self.output_format = output_format or settings.ELEVENLABS_OUTPUT_FORMAT
        self.max_chars = max_chars or settings.ELEVENLABS_MAX_CHARS
        self.timeout = timeout if timeout is not None else settings.VENDOR_TIMEOUT_SECONDS

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

    def _request(self, body: dict) -> bytes:
        query = urllib.parse.urlencode({"output_format": self.output_format})
        voice = urllib.parse.quote(self.voice_id, safe="")
        request = urllib.request.Request(
            f"{self.base_url}/v1/text-to-speech/{voice}?{query}",
            data=json.dumps(body).encode(),
            method="POST",
            headers={
                "xi-api-key": self.api_key,
                "Content-Type": "application/json",
                "Accept": "audio/mpeg",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                content_type = response.headers.get("Content-Type", "")
                data = response.read()
        except urllib.error.HTTPError as exc:
            with exc:
                raise self._status_error(exc) from exc
        except TimeoutError as exc:
            raise TransientError(f"{self.label} did not answer in time.") from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise TransientError(f"{self.label} did not answer in time.") from exc
            raise TransientError(f"Could not reach {self.label} ({exc.reason}).") from exc
        if not content_type.startswith("audio/") or not data:
            raise VendorReplyError(
                f"{self.label} sent {content_type or 'no content type'} instead of audio."
            )
        return data

    def _status_error(self, exc: urllib.error.HTTPError) -> Exception:
        try:
            detail = json.loads(exc.read() or b"{}").get("detail", "")
        except ValueError:
            detail = ""
        if isinstance(detail, dict):
            detail = detail.get("message") or detail.get("status") or ""
        elif isinstance(detail, list):  # validation errors: [{"msg": …}]
            detail = "; ".join(str(d.get("msg", d)) for d in detail if isinstance(d, dict))
        detail = str(detail or exc.reason)[:300]
        if exc.code == 429:
            retry_after = parse_retry_after({k.lower(): v for k, v in exc.headers.items()})
            return TransientError(f"{self.label} is rate limiting Max (429): {detail}", retry_after)
        if exc.code >= 500:
            return TransientError(f"{self.label} had a server problem ({exc.code}): {detail}")
        if exc.code in (401, 403):
            return PermanentError(
                f"{self.label} refused the API key ({exc.code}): {detail}. "
                "Check ELEVENLABS_API_KEY."
            )
        return PermanentError(f"{self.label} rejected the request ({exc.code}): {detail}")
