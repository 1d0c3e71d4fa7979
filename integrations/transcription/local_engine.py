"""Offline recognition with PocketSphinx: rough, but real words with real timestamps.

The wheel ships the en-us acoustic model, language model and dictionary, so nothing
is downloaded. It is the default when no API key is set, so `make run` works offline;
the API engines are the accurate path. A decoder holds about 300 MB, so decoders are
pooled and reused rather than loaded per piece.
"""

from __future__ import annotations

import os
import queue
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from integrations.transcription.audio import read_pcm
from integrations.transcription.base import (
    Audio,
    Segment,
    TranscriptionEngine,
    segments_from_words,
)
from integrations.transcription.chunking import is_silent

FRAMES_PER_SECOND = 100  # PocketSphinx's feature frames
_ALTERNATE = re.compile(r"\(\d+\)$")  # "the(2)": the second pronunciation of "the"

_decoders: queue.SimpleQueue = queue.SimpleQueue()


def _decoder():
    try:
        return _decoders.get_nowait()
    except queue.Empty:
        import pocketsphinx

        return pocketsphinx.Decoder(loglevel="FATAL")


class LocalTranscriptionEngine(TranscriptionEngine):
    name = "local"
    source = "whisper"
    model = "pocketsphinx-en-us"
    piece_format = "pcm"
    # Long utterances make the decoder's search slow and its memory grow; pauses are
    # plentiful in speech, so short pieces cost nothing.
    max_piece_seconds = 30.0
    max_parallel = 1  # CPU-bound, and each decoder holds about 300 MB

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
        pcm = audio if isinstance(audio, np.ndarray) else read_pcm(os.fspath(audio))
        if pcm.size == 0 or is_silent(pcm):
            return []
        decoder = _decoder()
        decoder.start_utt()
        decoder.process_raw(np.ascontiguousarray(pcm, dtype="<i2").tobytes(), full_utt=True)
        decoder.end_utt()
        words = []
        for seg in decoder.seg():
            word = _ALTERNATE.sub("", seg.word)
            if not word or word.startswith(("<", "[", "+")):  # <s>, <sil>, [NOISE], +UH+
                continue
            words.append(
                {
                    "word": word,
                    "start": seg.start_frame / FRAMES_PER_SECOND,
                    "end": (seg.end_frame + 1) / FRAMES_PER_SECOND,
                }
            )
        # Only a decoder that finished its utterance cleanly goes back to the pool.
        _decoders.put(decoder)
        return segments_from_words(words)
