"""Offline stand-in for an LLM, so `make run` works without keys. Output is labelled a draft."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from integrations.llm import ChatEngine

OFFLINE_LABEL = "[Offline draft: no language model configured]"


def offline_translation_label(language_code: str) -> str:
    """What starts every segment the offline engine "translates" (the English, labelled)."""
    return f"[draft {language_code}]"


# A sentence ends at . ! ? followed by space, except after titles such as "Dr." or "e.g.".
_SENTENCE = re.compile(
    r"(?<!\bDr\.)(?<!\bMr\.)(?<!\bMs\.)(?<!\bMrs\.)(?<!\be\.g\.)(?<!\bi\.e\.)(?<=[.!?])\s+"
)


# Where the prompt templates put the transcript ("Content: {transcription_text}").
_CONTENT = re.compile(r"(?:^|\n\s*\n)\s*Content:")


def _content(prompt: str) -> str:
    """The text to draft from: everything after the "Content:" paragraph label (a short
    transcript is often shorter than the instructions above it), else the longest paragraph."""
    label = _CONTENT.search(prompt)
    if label:
        return prompt[label.end() :].strip()
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", prompt) if p.strip()]
    return max(paragraphs, key=len) if paragraphs else ""


class OfflineChatEngine(ChatEngine):
    name = "offline"
    is_offline = True

    def complete(self, *, system: str, prompt: str, max_tokens: int = 2048) -> str:
        # Extractive: the opening sentences of the content, never the instructions.
        sentences = [s for s in _SENTENCE.split(" ".join(_content(prompt).split())) if s]
        body = " ".join(sentences[:3]) or "(no text)"
        return f"{OFFLINE_LABEL} {body}"

    def complete_json(
        self,
        *,
        system: str,
        prompt: str,
        schema: dict[str, Any],
        tool_name: str,
        max_tokens: int = 4096,
    ) -> dict[str, Any]:
        # Without a model there is no analysis: every list property comes back empty.
        properties = schema.get("properties", {})
        return {key: [] if spec.get("type") == "array" else "" for key, spec in properties.items()}

    def translate_segments(
        self,
        *,
        segments: list[dict[str, Any]],
        source_language: str,
        target_language: str,
        glossary: list[tuple[str, str]],
        examples: Sequence[tuple[str, str]] = (),
    ) -> dict[int, str]:
        # No model, no translation: the English comes back, labelled so nobody mistakes
        # it for a translation (and it is never checked for the target script).
        label = offline_translation_label(target_language)
        return {
            int(seg["id"]): f"{label} {seg['text'].strip()}" if seg["text"].strip() else seg["text"]
            for seg in segments
        }
