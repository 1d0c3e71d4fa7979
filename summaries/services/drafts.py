"""Writing one draft with the language model: the prompt from the template's current
version and editors' corrections, and long transcripts condensed into notes first."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from integrations.errors import PermanentError, VendorReplyError
from integrations.llm import ChatEngine
from summaries import texts
from summaries.models import FeedbackLog, GeneratedSummary, PromptVersion
from summaries.selectors import feedback_example_candidates, prompt_version_current
from summaries.services.templates import prompt_template_validate

SummaryType = GeneratedSummary.SummaryType

# Keyed by the summary_type column's value (a SummaryType is that str).
MAX_TOKENS: dict[str, int] = {
    SummaryType.EMAIL: 600,
    SummaryType.LINKEDIN: 300,
    SummaryType.BLOG: 2000,
}
NOTES_MAX_TOKENS = 1500
# Condensing notes of notes more often than this means the model is not shortening them.
MAX_CONDENSE_ROUNDS = 4
# Below this many characters for the transcript, a prompt is not worth sending.
MIN_TRANSCRIPT_BUDGET = 500

WHAT_IS_WRITTEN: dict[str, str] = {
    SummaryType.EMAIL: "a short professional email",
    SummaryType.LINKEDIN: "a LinkedIn post",
    SummaryType.BLOG: "a blog post excerpt",
}

SUMMARY_SYSTEM = (
    "You write texts for a dental-education company from transcripts of talks by its "
    "speaker, {speaker}. Follow the instructions in the user's message exactly. Reply "
    "with the finished text only: no preamble, no remarks about what you did."
)
# With several speakers (DESIGN.md "Speakers and segments") the transcript's turns start with
# the speaker's name, and the model is told who they are.
SPEAKERS_NOTICE = (
    " The talk has several speakers: {names}. In the transcript each speaker's turn starts "
    "with their name and a colon; attribute statements to the right person."
)
NOTES_NOTICE = (
    "\n\nThe transcript was too long to send at once, so the content in the user's "
    "message is notes made from its {count} parts, in order, not the transcript itself."
)
EXAMPLES_INTRO = (
    "\n\nEditors corrected earlier AI drafts of this kind of text. Learn from their "
    "corrections and write the way they edited, without copying their content:"
)
EXAMPLE_BLOCK = (
    "\n\nExample {index}\nAI draft:\n<<<\n{draft}\n>>>\n"
    "As the editor finalized it:\n<<<\n{edited}\n>>>"
)
NOTES_SYSTEM = (
    "You condense one part of a long talk transcript into notes for a writer who will "
    "draft {what} from the notes of all parts. Keep every key point, claim, number, "
    "clinical term and example; drop filler and repetition. Write plain sentences or "
    "bullet points, no preamble."
)
NOTES_PROMPT = "Part {index} of {count}:\n\n{text}"
NOTES_JOIN = "[Part {index} of {count}]\n{notes}"


@dataclass
class Draft:
    """One generated text and how it was made (recorded in the job result and activity)."""

    text: str
    prompt_version: PromptVersion
    examples: list[FeedbackLog]
    pieces: int  # 1 = the whole transcript went into one prompt
    condense_rounds: int  # extra passes over the notes of a very long transcript
    transcript_chars: int
    budget_chars: int

    @property
    def long_transcript(self) -> bool:
        return self.pieces > 1

    def record(self) -> dict[str, Any]:
        return {
            "prompt_template": self.prompt_version.template.template_name,
            "prompt_version_number": self.prompt_version.version_number,
            "prompt_version_id": str(self.prompt_version.pk),
            "feedback_example_ids": [str(e.pk) for e in self.examples],
            "transcript_chars": self.transcript_chars,
            "budget_chars": self.budget_chars,
            "strategy": "pieces then combined" if self.long_transcript else "whole transcript",
            "pieces": self.pieces,
            "condense_rounds": self.condense_rounds,
        }


def _summary_system(
    examples: list[FeedbackLog], *, notes_parts: int = 0, speakers: Sequence[str] = ()
) -> str:
    system = SUMMARY_SYSTEM.format(speaker=speakers[0] if speakers else settings.SPEAKER_NAME)
    if len(speakers) > 1:
        system += SPEAKERS_NOTICE.format(names=", ".join(speakers))
    if notes_parts:
        system += NOTES_NOTICE.format(count=notes_parts)
    if examples:
        system += EXAMPLES_INTRO
        for index, example in enumerate(examples, start=1):
            system += EXAMPLE_BLOCK.format(
                index=index, draft=example.generated_text, edited=example.user_edited_text
            )
    return system


def _feedback_examples(summary_type: str, *, budget: int) -> list[FeedbackLog]:
    """The latest human corrections of this type that fit in `budget` characters."""
    count = settings.SUMMARY_FEEDBACK_EXAMPLE_COUNT
    if not settings.SUMMARY_FEEDBACK_EXAMPLES or count <= 0:
        return []
    chosen: list[FeedbackLog] = []
    used = 0
    for example in feedback_example_candidates(summary_type, limit=count * 3):
        size = len(EXAMPLE_BLOCK) + len(example.generated_text) + len(example.user_edited_text)
        if used + size > budget:
            continue
        chosen.append(example)
        used += size
        if len(chosen) == count:
            break
    return chosen


def _complete(engine: ChatEngine, *, system: str, prompt: str, max_tokens: int, what: str) -> str:
    """One model call; an empty or refused reply is a clear, permanent failure."""
    try:
        reply = engine.complete(system=system, prompt=prompt, max_tokens=max_tokens)
    except VendorReplyError as exc:
        raise PermanentError(
            f"The language model gave no usable {what} ({str(exc).rstrip('.')}). Nothing was saved."
        ) from exc
    reply = (reply or "").strip()
    if not reply:
        raise PermanentError(
            f"The language model returned an empty {what}. Nothing was saved; try again, "
            "or check the prompt template."
        )
    return reply


def draft_summary(
    *,
    engine: ChatEngine,
    summary_type: str,
    transcript: str,
    progress: Callable[[float, str], None],
    speakers: Sequence[str] = (),
) -> Draft:
    """`speakers`: who speaks in the transcript, the default speaker first (named in the
    system prompt; with several, the transcript's turns start with their names)."""
    system_for = partial(_summary_system, speakers=speakers)
    kind = SummaryType(summary_type)
    label = kind.label
    template_name = GeneratedSummary.TEMPLATE_FOR_TYPE[kind]
    version = prompt_version_current(template_name)
    if version is None:
        raise PermanentError(
            f"The prompt template {template_name} (or its current version) is missing; "
            "restore it under Settings › Prompt templates."
        )
    try:
        prompt_template_validate(version.template_content)
    except ValidationError as exc:
        raise PermanentError(
            f"The {template_name} template can't be used: {' '.join(exc.messages)} "
            "Fix it under Settings › Prompt templates."
        ) from exc
    content = version.template_content
    frame = len(texts.prompt_fill(content, ""))
    limit = engine.max_input_chars
    examples = _feedback_examples(summary_type, budget=limit // 4)

    budget = limit - frame - len(system_for(examples))
    if budget < MIN_TRANSCRIPT_BUDGET and examples:
        examples = []
        budget = limit - frame - len(system_for(examples))
    if budget < MIN_TRANSCRIPT_BUDGET:
        raise PermanentError(
            f"The {template_name} template leaves no room for the transcript within the "
            f"model's input budget of {limit} characters. Shorten the template."
        )
    what = f"{label} text"
    if len(transcript) <= budget:
        text = _complete(
            engine,
            system=system_for(examples),
            prompt=texts.prompt_fill(content, transcript),
            max_tokens=MAX_TOKENS[summary_type],
            what=what,
        )
        return Draft(text, version, examples, 1, 0, len(transcript), budget)

    # Too long for one prompt: notes per piece (split at segment/paragraph boundaries),
    # then the template is filled with the notes. Nothing is cut off.
    notes, pieces, rounds = _condense(
        engine,
        transcript,
        summary_type=summary_type,
        limit=limit,
        # The final prompt's budget once the notes notice is in the system prompt.
        target=limit - frame - len(system_for(examples, notes_parts=10**6)),
        progress=progress,
    )
    progress(0.9, f"combining the notes of {pieces} parts…")
    text = _complete(
        engine,
        system=system_for(examples, notes_parts=pieces),
        prompt=texts.prompt_fill(content, notes),
        max_tokens=MAX_TOKENS[summary_type],
        what=what,
    )
    return Draft(text, version, examples, pieces, rounds, len(transcript), budget)


def _condense(
    engine: ChatEngine,
    transcript: str,
    *,
    summary_type: str,
    limit: int,
    target: int,
    progress: Callable[[float, str], None],
) -> tuple[str, int, int]:
    """Notes of every piece of `transcript`, joined, short enough for `target` characters.

    Returns (notes, number of transcript pieces, extra condensing rounds).
    """
    system = NOTES_SYSTEM.format(what=WHAT_IS_WRITTEN[summary_type])
    piece_budget = limit - len(system) - len(NOTES_PROMPT.format(index=10**6, count=10**6, text=""))
    if piece_budget < MIN_TRANSCRIPT_BUDGET:
        raise PermanentError("The model's input budget is too small to summarise in pieces.")
    text, pieces, rounds = transcript, 0, 0
    while True:
        parts = texts.split_for_budget(text, piece_budget)
        if rounds == 0:
            pieces = len(parts)
        notes = []
        for index, part in enumerate(parts, start=1):
            stage = "notes" if rounds == 0 else f"condensing notes (round {rounds})"
            progress(0.85 * (index - 1) / len(parts), f"{stage}, part {index} of {len(parts)}…")
            note = _complete(
                engine,
                system=system,
                prompt=NOTES_PROMPT.format(index=index, count=len(parts), text=part),
                max_tokens=NOTES_MAX_TOKENS,
                what=f"notes for part {index}",
            )
            notes.append(NOTES_JOIN.format(index=index, count=len(parts), notes=note))
        text = "\n\n".join(notes)
        if len(text) <= target:
            return text, pieces, rounds
        rounds += 1
        if rounds > MAX_CONDENSE_ROUNDS:
            raise PermanentError(
                f"The transcript is too long to summarise: after {MAX_CONDENSE_ROUNDS} "
                "rounds the notes still do not fit the model's input budget."
            )
