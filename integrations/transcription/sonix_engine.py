"""Sonix: upload the whole recording, poll until it is transcribed, fetch the JSON.

Sonix takes multi-hour files itself, so nothing is split locally. The HTTP work is
`integrations.sonix.SonixClient` (shared with the Sonix import); this engine only
runs the upload → poll → fetch conversation, and remembers the Sonix media id in
its resumable state so a redelivered job polls the same upload instead of paying
for a second one.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from integrations.errors import PermanentError, TransientError, VendorReplyError
from integrations.transcription.audio import probe_duration
from integrations.transcription.base import Audio, Segment, TranscriptionEngine

DONE = "completed"
FAILED = {"failed", "blocked", "error", "cancelled", "deleted"}


class SonixTranscriptionEngine(TranscriptionEngine):
    name = "sonix"
    source = "sonix"
    model = "sonix"
    splits_media = False

    def __init__(
        self,
        *,
        client=None,
        poll_seconds: float = 15.0,
        max_wait_seconds: float = 12 * 3600,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self._client = client
        self.poll_seconds = poll_seconds
        self.max_wait_seconds = max_wait_seconds
        self._sleep = sleep

    @property
    def engine_label(self) -> str:
        return "Sonix"

    @classmethod
    def from_settings(cls) -> SonixTranscriptionEngine:
        from django.conf import settings

        return cls(
            poll_seconds=getattr(settings, "SONIX_POLL_SECONDS", 15.0),
            max_wait_seconds=getattr(settings, "SONIX_MAX_WAIT_SECONDS", 12 * 3600),
        )

    @property
    def client(self):
        if self._client is None:
            from integrations.sonix import SonixClient

            self._client = SonixClient()
        return self._client

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
        from integrations.sonix import SonixNotFound, sonix_json_to_seed

        if isinstance(audio, np.ndarray):
            raise TypeError("Sonix takes the whole recording as a file, not samples.")
        path = Path(os.fspath(audio))
        media_id = state.get("sonix_media_id")
        media = None
        if media_id:
            try:
                media = self.client.get_media(media_id)
            except SonixNotFound:
                media_id = None  # deleted in Sonix since the last attempt: upload again
        if not media_id:
            on_wait("Uploading to Sonix…")
            media_id = self.client.upload_media(path, path.stem, language or "en")
            if not media_id:
                raise VendorReplyError("Sonix accepted the upload but sent no media id.")
            on_state({"sonix_media_id": str(media_id)})
        waited = 0.0
        while True:
            media = media or self.client.get_media(media_id)
            status = str((media or {}).get("status") or "").lower()
            if status == DONE:
                break
            if status in FAILED:
                raise PermanentError(f"Sonix could not transcribe the file (status “{status}”).")
            if waited >= self.max_wait_seconds:
                # Give the slot back to the queue; the job resumes polling the same upload.
                raise TransientError(
                    f"Sonix is still working after {waited / 60:.0f} minutes.",
                    retry_after=self.poll_seconds,
                )
            on_wait(f"Sonix is transcribing ({status or 'waiting'})…")
            self._sleep(self.poll_seconds)
            waited += self.poll_seconds
            media = None
        transcript = self.client.get_transcript_json(media_id)
        duration = probe_duration(path) or 0.0
        seed = sonix_json_to_seed(transcript, duration)
        segments = seed.get("segments") if isinstance(seed, dict) else None
        if not isinstance(segments, list):
            raise VendorReplyError("The Sonix transcript has no segments.")
        return segments
