"""Speech-to-text engines behind one interface, chosen by settings.TRANSCRIPTION_ENGINE.

    engine = get_transcription_engine()          # "openai" | "sonix" | "local" (Whisper, offline)
    segments = engine.transcribe(path, prompt_vocabulary=["endodontics"])

Long recordings go through `integrations.transcription.runner.transcribe_media`,
which splits at silences, transcribes pieces in parallel and joins them.
"""

from __future__ import annotations

from integrations.transcription.base import TranscriptionEngine

ENGINES = ("openai", "sonix", "local")


def get_transcription_engine(name: str | None = None) -> TranscriptionEngine:
    from django.conf import settings

    name = name or settings.TRANSCRIPTION_ENGINE
    if name == "openai":
        from integrations.transcription.openai_engine import OpenAITranscriptionEngine

        return OpenAITranscriptionEngine.from_settings()
    if name == "sonix":
        from integrations.transcription.sonix_engine import SonixTranscriptionEngine

        return SonixTranscriptionEngine.from_settings()
    if name == "local":
        from integrations.transcription.local_engine import LocalTranscriptionEngine

        return LocalTranscriptionEngine.from_settings()
    raise ValueError(f"Unknown transcription engine {name!r}; choose one of {', '.join(ENGINES)}.")


__all__ = ["ENGINES", "TranscriptionEngine", "get_transcription_engine"]
