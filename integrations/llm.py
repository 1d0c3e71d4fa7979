"""Chat-model engines for translation and summaries, behind one small interface.

Domain code calls `get_chat_engine()` and never imports an SDK. Each vendor adapter is a
subclass that only knows its request and response; SDK exceptions go through the rule
every vendor shares (`integrations.base.sdk_error`): TransientError (retry with
backoff) or PermanentError (fail the job clearly).

The base class owns what every vendor shares: the segment-translation prompt, the
validation of the reply (every id back, nothing extra, no empty text, the right
script) and the recovery from a bad reply (ask again, then split the batch in halves),
as `weblate/machinery/base.py` does for machine translation.
"""

from __future__ import annotations

import json
import logging
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from integrations.errors import VendorReplyError

logger = logging.getLogger(__name__)

ENGINES = {
    "offline": "integrations.llm_offline.OfflineChatEngine",
    "anthropic": "integrations.llm_anthropic.AnthropicChatEngine",
    "openai": "integrations.llm_openai.OpenAIChatEngine",
}

# What the pages call each engine that wrote a text (a summary, a machine translation);
# the stored code ("offline") is not something to show an editor.
ENGINE_LABELS = {
    "offline": "the offline stand-in",
    "anthropic": "Anthropic Claude",
    "openai": "OpenAI",
}


def chat_engine_label(code: str) -> str:
    """The engine that wrote a text, in words; an unknown code is shown as it is."""
    return ENGINE_LABELS.get(code, code)


# Names for the prompt; integrations has no models, so the languages table is not read here.
LANGUAGE_NAMES = {
    "en": "English",
    "es": "Spanish",
    "pt": "Portuguese",
    "fr": "French",
    "de": "German",
    "it": "Italian",
    "zh": "Chinese (Simplified)",
    "hi": "Hindi",
    "ar": "Arabic",
    "ja": "Japanese",
    "ko": "Korean",
    "ru": "Russian",
    "el": "Greek",
    "he": "Hebrew",
    "nl": "Dutch",
    "pl": "Polish",
}

# The Unicode script a reply in each language must mostly be written in. Languages not
# listed here (and every Latin-script language) are not checked beyond "not another script".
_SCRIPT_RANGES: dict[str, tuple[tuple[int, int], ...]] = {
    "han": ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2FA1F)),
    "devanagari": ((0x0900, 0x097F), (0xA8E0, 0xA8FF)),
    "arabic": (
        (0x0600, 0x06FF),
        (0x0750, 0x077F),
        (0x08A0, 0x08FF),
        (0xFB50, 0xFDFF),
        (0xFE70, 0xFEFF),
    ),
    "cyrillic": ((0x0400, 0x04FF), (0x0500, 0x052F)),
    "greek": ((0x0370, 0x03FF), (0x1F00, 0x1FFF)),
    "hebrew": ((0x0590, 0x05FF),),
    "hangul": ((0xAC00, 0xD7AF), (0x1100, 0x11FF), (0x3130, 0x318F)),
    "kana": ((0x3040, 0x30FF),),
}
LANGUAGE_SCRIPTS: dict[str, tuple[str, ...]] = {
    "zh": ("han",),
    "ja": ("kana", "han"),
    "ko": ("hangul", "han"),
    "hi": ("devanagari",),
    "ar": ("arabic",),
    "ru": ("cyrillic",),
    "el": ("greek",),
    "he": ("hebrew",),
}
_SCRIPT_NAMES = {
    "han": "Chinese characters",
    "devanagari": "Devanagari",
    "arabic": "Arabic script",
    "cyrillic": "Cyrillic",
    "greek": "Greek",
    "hebrew": "Hebrew",
    "hangul": "Hangul",
    "kana": "kana",
}
# A segment of this many words with not one letter of the target script is untranslated.
WRONG_SCRIPT_MIN_WORDS = 4

TRANSLATION_TOOL = "submit_translations"
TRANSLATION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "translations": {
            "type": "array",
            "description": "One entry per input segment, same ids.",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer", "description": "The input segment's id."},
                    "text": {"type": "string", "description": "The translated segment."},
                },
                "required": ["id", "text"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["translations"],
    "additionalProperties": False,
}
# The prompt's segments follow this line as a JSON array; fake vendor servers in the
# tests read them from there too.
SEGMENTS_MARKER = "Segments (JSON):"


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


def _script_of(ch: str) -> str | None:
    cp = ord(ch)
    for script, ranges in _SCRIPT_RANGES.items():
        if any(lo <= cp <= hi for lo, hi in ranges):
            return script
    if unicodedata.category(ch).startswith("L"):
        return "latin" if cp < 0x0250 or 0x1E00 <= cp <= 0x1EFF else "other"
    return None


def _words(text: str) -> list[str]:
    words, current = [], []
    for ch in text:
        if unicodedata.category(ch)[0] in "LMN":
            current.append(ch)
        elif current:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    return words


def script_problem(*, text: str, target_language: str) -> str | None:
    """Why `text` cannot be a translation into `target_language`, or None when it may be.

    Deliberately lenient: product names, drug names and numbers stay in Latin letters in
    every language, so only clear cases are refused. For a language with its own script
    (zh, hi, ar, …) a segment of four or more words without one letter of that script is
    refused. For Latin-script languages a segment mostly written in another script is
    refused; an English-looking reply is never refused one segment at a time (see
    `echo_problem`), because "Invisalign SmartTrack" is a correct Spanish segment.
    """
    counts: dict[str, int] = {}
    for ch in text:
        script = _script_of(ch)
        if script:
            counts[script] = counts.get(script, 0) + 1
    expected = LANGUAGE_SCRIPTS.get(target_language)
    name = language_name(target_language)
    if expected:
        in_script = sum(counts.get(s, 0) for s in expected)
        if in_script == 0 and len(_words(text)) >= WRONG_SCRIPT_MIN_WORDS:
            scripts = " or ".join(_SCRIPT_NAMES[s] for s in expected)
            return f"is not in {name}: it has no {scripts}"
        return None
    foreign = sum(n for s, n in counts.items() if s != "latin")
    if foreign >= 4 and foreign > counts.get("latin", 0):
        return f"is not in {name}: it is written in another script"
    return None


def echo_problem(
    *, texts: Mapping[int, str], sources: Mapping[int, str], target_language: str
) -> str | None:
    """A reply that hands back the English unchanged, for a batch with real sentences."""
    if target_language == "en":
        return None
    long_ids = [i for i, src in sources.items() if len(_words(src)) >= WRONG_SCRIPT_MIN_WORDS]
    if len(long_ids) < 2:
        return None
    if all(texts[i].strip().casefold() == sources[i].strip().casefold() for i in long_ids):
        return f"came back untranslated (still English, not {language_name(target_language)})"
    return None


class ChatEngine(ABC):
    """One LLM vendor. `name` is recorded with outputs; `is_offline` marks draft stand-ins."""

    name: str = "base"
    is_offline: bool = False
    # A reply that fails validation is asked for this many times before the batch is split.
    reply_attempts: int = 2

    @abstractmethod
    def complete(self, *, system: str, prompt: str, max_tokens: int = 2048) -> str:
        """Free text for `prompt`. Empty or refused replies raise VendorReplyError."""

    @abstractmethod
    def complete_json(
        self,
        *,
        system: str,
        prompt: str,
        schema: dict[str, Any],
        tool_name: str,
        max_tokens: int = 4096,
    ) -> dict[str, Any]:
        """A JSON object matching `schema` (tool use / JSON mode). Malformed → VendorReplyError."""

    # Context budget in characters of prompt text; callers split longer inputs deliberately.
    max_input_chars: int = 400_000

    # --- translation ---------------------------------------------------------------

    def translate_segments(
        self,
        *,
        segments: list[dict[str, Any]],
        source_language: str,
        target_language: str,
        glossary: list[tuple[str, str]],
        examples: Sequence[tuple[str, str]] = (),
    ) -> dict[int, str]:
        """Translate `[{"id", "text"}]` into `{id: text}`, every id back, none empty.

        `examples` are reviewed translations of similar sentences (the translation memory's
        fuzzy matches): (source, translation) pairs the model may follow for wording.

        A reply that fails validation is asked for again; if it still fails, the batch
        is split in halves and each half translated on its own, down to one segment.
        A single segment that still comes back wrong raises VendorReplyError naming it.
        Transient and permanent vendor faults propagate unchanged.
        """
        # `max_chars`, when given, is the segment's voice-over budget (the characters that
        # fit the time the speaker took); the model is asked to stay within it.
        cleaned: list[dict[str, Any]] = [
            {
                "id": int(s["id"]),
                "text": str(s["text"]),
                **({"max_chars": int(s["max_chars"])} if s.get("max_chars") is not None else {}),
            }
            for s in segments
        ]
        if len({s["id"] for s in cleaned}) != len(cleaned):
            raise ValueError("Segment ids must be unique.")
        # Blank segments need no model: they stay blank (validation refuses empty replies).
        result: dict[int, str] = {s["id"]: s["text"] for s in cleaned if not s["text"].strip()}
        todo = [s for s in cleaned if s["text"].strip()]
        if todo:
            result.update(
                self._translate_batch(
                    todo, source_language, target_language, glossary, tuple(examples)
                )
            )
        return result

    def _translate_batch(
        self,
        segments: list[dict[str, Any]],
        source_language: str,
        target_language: str,
        glossary: list[tuple[str, str]],
        examples: Sequence[tuple[str, str]] = (),
    ) -> dict[int, str]:
        problem: VendorReplyError | None = None
        for attempt in range(1, self.reply_attempts + 1):
            try:
                reply = self.complete_json(
                    system=self.translation_system(source_language, target_language),
                    prompt=self.translation_prompt(
                        segments, source_language, target_language, glossary, examples
                    ),
                    schema=TRANSLATION_SCHEMA,
                    tool_name=TRANSLATION_TOOL,
                    max_tokens=self.translation_max_tokens(segments),
                )
                return self.validate_translation(reply, segments, target_language)
            except VendorReplyError as exc:
                problem = exc
                logger.info(
                    "%s: bad translation reply for %d segments (attempt %d): %s",
                    self.name,
                    len(segments),
                    attempt,
                    exc,
                )
        if len(segments) == 1:
            raise VendorReplyError(
                f"{self.name} could not translate segment {segments[0]['id']} into "
                f"{language_name(target_language)}: {problem}"
            )
        middle = len(segments) // 2
        first = self._translate_batch(
            segments[:middle], source_language, target_language, glossary, examples
        )
        second = self._translate_batch(
            segments[middle:], source_language, target_language, glossary, examples
        )
        return {**first, **second}

    def translation_max_tokens(self, segments: list[dict[str, Any]]) -> int:
        # Non-Latin scripts cost more tokens per character; JSON adds per-segment overhead.
        chars = sum(len(s["text"]) for s in segments)
        return min(16_000, max(1024, chars * 2 + 40 * len(segments)))

    def translation_system(self, source_language: str, target_language: str) -> str:
        return (
            "You are a professional translator of dental education lectures by "
            f"{getattr(settings, 'SPEAKER_NAME', 'the speaker')}. Translate from "
            f"{language_name(source_language)} into {language_name(target_language)} "
            f"({target_language}). Keep the meaning, register and dental terminology "
            "exact; do not summarise, merge, split, drop or add segments. Return every "
            f"segment through the {TRANSLATION_TOOL} tool, one output per input id."
        )

    def translation_prompt(
        self,
        segments: list[dict[str, Any]],
        source_language: str,
        target_language: str,
        glossary: list[tuple[str, str]],
        examples: Sequence[tuple[str, str]] = (),
    ) -> str:
        lines = [
            f"Translate each segment into {language_name(target_language)} "
            f"({target_language}). Return exactly one translation per id, in "
            f"{language_name(target_language)}, none empty, no ids added or left out.",
        ]
        if glossary:
            lines.append("")
            lines.append(
                "Glossary. 'A → B': write B where you would write A. A single term: a "
                "fixed term, rendered the same way every time it occurs."
            )
            for original, corrected in glossary:
                lines.append(
                    f"- {corrected}" if original == corrected else f"- {original} → {corrected}"
                )
        if any("max_chars" in s for s in segments):
            lines.append("")
            lines.append(
                "Voice-over: the translation is dubbed over the speaker's timing. A segment's "
                "max_chars is how many characters fit the time the speaker took; keep each "
                "translation within its max_chars (spaces count) by choosing concise wording, "
                "never by leaving out meaning, numbers or glossary terms."
            )
        if examples:
            lines.append("")
            lines.append(
                "Reviewed translations of similar sentences (follow their wording where the "
                "meaning is the same; they are not segments to translate):"
            )
            for source, target in examples:
                lines.append(
                    f"- {json.dumps(source, ensure_ascii=False)} → "
                    f"{json.dumps(target, ensure_ascii=False)}"
                )
        lines.append("")
        lines.append(SEGMENTS_MARKER)
        lines.append(json.dumps(segments, ensure_ascii=False))
        return "\n".join(lines)

    def validate_translation(
        self, reply: Any, segments: list[dict[str, Any]], target_language: str
    ) -> dict[int, str]:
        """The reply as `{id: text}`, or VendorReplyError saying exactly what is wrong."""
        items = reply.get("translations") if isinstance(reply, dict) else None
        if not isinstance(items, list):
            raise VendorReplyError("the reply has no list of translations")
        expected = {s["id"]: s["text"] for s in segments}
        texts: dict[int, str] = {}
        for item in items:
            if not isinstance(item, dict):
                raise VendorReplyError("a translation is not an object")
            # Whatever the model sent; int() below refuses what is not an id.
            raw_id: Any = item.get("id")
            text = item.get("text")
            try:
                seg_id = int(raw_id)
            except (TypeError, ValueError):
                raise VendorReplyError(f"a translation has no valid id ({raw_id!r})") from None
            if seg_id not in expected:
                raise VendorReplyError(f"the reply has segment {seg_id}, which was not asked for")
            if seg_id in texts:
                raise VendorReplyError(f"the reply has segment {seg_id} twice")
            if not isinstance(text, str) or not text.strip():
                raise VendorReplyError(f"segment {seg_id} came back empty")
            texts[seg_id] = text.strip()
        missing = [i for i in expected if i not in texts]
        if missing:
            shown = ", ".join(str(i) for i in missing[:10])
            noun = "segment {} is" if len(missing) == 1 else "segments {} are"
            raise VendorReplyError(f"{noun.format(shown)} missing from the reply")
        for seg_id, text in texts.items():
            problem = script_problem(text=text, target_language=target_language)
            if problem:
                raise VendorReplyError(f"segment {seg_id} {problem}")
        echo = echo_problem(texts=texts, sources=expected, target_language=target_language)
        if echo:
            raise VendorReplyError(f"the batch {echo}")
        return texts


def get_chat_engine(name: str | None = None) -> ChatEngine:
    name = name or settings.LLM_ENGINE
    try:
        path = ENGINES[name]
    except KeyError as exc:
        raise ValueError(f"Unknown LLM engine {name!r}; choose one of {sorted(ENGINES)}") from exc
    return import_string(path)()
