"""OpenAI audio transcription (Whisper and successors), or any OpenAI-compatible server.

The request: `audio.transcriptions.create(model, file, response_format="verbose_json",
timestamp_granularities=["word", "segment"], prompt=<glossary vocabulary>)`. The reply
lists segments and words separately; words are put into their segments here.

A diarizing model (`gpt-4o-transcribe-diarize`) is asked for `diarized_json` instead: its
segments name their speaker ("A", "B"), it takes no prompt and gives no word times (the
words are spread over each segment). Any reply whose segments carry a `speaker` (some
OpenAI-compatible servers built on WhisperX do) keeps it; `transcripts.pipeline` turns
them into the transcript's speakers S1, S2, ….

The SDK's own retries are off (max_retries=0): the pipeline retries a failed piece
with the same backoff as the job runner (jobs.services.backoff_seconds), honouring
Retry-After, and gives up to the job runner after that — one policy, not two stacked.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

import numpy as np
import openai

from integrations.base import sdk_error, sdk_http_client, vendor_timeout
from integrations.errors import VendorReplyError
from integrations.transcription.audio import write_piece
from integrations.transcription.base import (
    Audio,
    Segment,
    TranscriptionEngine,
    as_seconds,
    make_word,
    segments_from_words,
    vocabulary_prompt,
    words_into_segments,
)

OPENAI_MAX_UPLOAD_BYTES = 25 * 1000 * 1000  # "File uploads are currently limited to 25 MB"
OPENAI_HOSTS = {"api.openai.com"}


class OpenAITranscriptionEngine(TranscriptionEngine):
    name = "openai"
    source = "whisper"
    piece_format = "flac"
    max_request_bytes = OPENAI_MAX_UPLOAD_BYTES
    max_piece_seconds = 600.0

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str | None = None,
        model: str = "whisper-1",
        timeout: float = 120.0,
    ):
        self.model = model
        self.base_url = base_url or None
        # An OpenAI-compatible local server may need no key, but the SDK insists on one.
        self.client = openai.OpenAI(
            api_key=api_key or "not-needed",
            base_url=base_url or None,
            timeout=timeout,
            max_retries=0,
            http_client=sdk_http_client(openai),
        )

    @classmethod
    def from_settings(cls) -> OpenAITranscriptionEngine:
        from django.conf import settings

        return cls(
            api_key=settings.OPENAI_API_KEY,
            base_url=settings.OPENAI_BASE_URL,
            model=settings.OPENAI_TRANSCRIPTION_MODEL,
            timeout=vendor_timeout(),
        )

    @property
    def diarizes(self) -> bool:
        """Whether the configured model tells speakers apart."""
        return "diarize" in self.model

    @property
    def engine_label(self) -> str:
        if self.base_url and urlsplit(self.base_url).hostname not in OPENAI_HOSTS:
            # Another server speaking OpenAI's API: name it, not OpenAI.
            return f"{self.model} at {urlsplit(self.base_url).hostname} (OpenAI-compatible)"
        return f"OpenAI {self.model}"

    def _transcribe(
        self,
        audio: Audio,
        *,
        prompt_vocabulary: list[str],
        language: str,
        state: dict[str, Any],
        on_state: Callable[[dict[str, Any]], None],
        on_wait: Callable[[str], None],
    ) -> list[Segment]:
        extra: dict[str, Any] = {}
        prompt = vocabulary_prompt(prompt_vocabulary)
        if self.diarizes:
            # The diarizing model refuses a prompt and word timestamps; long audio needs
            # its server-side chunking.
            extra.update(response_format="diarized_json", chunking_strategy="auto")
        else:
            extra.update(
                response_format="verbose_json", timestamp_granularities=["word", "segment"]
            )
            if prompt:
                extra["prompt"] = prompt
        if language:
            extra["language"] = language
        handle: IO[bytes]
        if isinstance(audio, np.ndarray):
            name, handle = "audio.wav", io.BytesIO()
            write_piece(audio, handle, "wav")
            handle.seek(0)
        else:
            path = Path(os.fspath(audio))
            name, handle = path.name, path.open("rb")
        with handle:
            # The raw response, parsed here: the SDK's typed model neither rejects a
            # malformed body nor survives one under warnings-as-errors.
            raw = self.client.audio.transcriptions.with_raw_response.create(
                model=self.model,
                file=(name, handle),
                **extra,
            )
            body = raw.content
        return parse_verbose_json(body)

    def _map_error(self, exc: Exception) -> Exception | None:
        mapped = sdk_error(
            exc,
            sdk=openai,
            vendor=self.label,
            key_setting="OPENAI_API_KEY",
            hints={413: "A piece of audio is too large for one request."},
        )
        return mapped or super()._map_error(exc)


def parse_verbose_json(body: bytes | str | dict[str, Any]) -> list[Segment]:
    """Seed-shaped segments from a `verbose_json` reply; anything malformed raises
    VendorReplyError, never a half-read transcript."""
    if not isinstance(body, dict):
        try:
            body = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise VendorReplyError(
                "The OpenAI transcription service sent a reply that is not JSON."
            ) from exc
    if not isinstance(body, dict) or not isinstance(body.get("text", ""), str):
        raise VendorReplyError("The OpenAI transcription reply has no transcript text.")
    raw_words = body.get("words")
    raw_segments = body.get("segments")
    if raw_words is None and raw_segments is None:
        if body.get("text", "").strip():
            raise VendorReplyError(
                "The OpenAI transcription reply has no timestamps (was verbose_json ignored?)."
            )
        return []
    if not isinstance(raw_words or [], list) or not isinstance(raw_segments or [], list):
        raise VendorReplyError("The OpenAI transcription reply has malformed words or segments.")
    try:
        # OpenAI-compatible servers built on faster-whisper also send each word's
        # "probability"; whisper-1 sends none.
        words = [
            make_word(w["word"], w["start"], w["end"], w.get("probability"))
            for w in raw_words or []
        ]
        segments = [
            {
                "id": 0,
                "start": as_seconds(s["start"], "segment start"),
                "end": as_seconds(s["end"], "segment end"),
                "text": _text(s["text"]),
                "words": [],
                **({"speaker": s["speaker"]} if isinstance(s.get("speaker"), str) else {}),
            }
            for s in raw_segments or []
        ]
    except (KeyError, TypeError) as exc:
        raise VendorReplyError(
            f"The OpenAI transcription reply is missing a field ({exc})."
        ) from exc
    if not segments:
        return segments_from_words(words)
    return words_into_segments(segments, words)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise VendorReplyError(f"The transcript has a segment whose text is not text: {value!r}.")
    return value.strip()
