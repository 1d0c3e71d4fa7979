"""Plain-language names for what produced a text: the speech engine behind a T-1, and what a
version label such as H-3 or H-3-ar means. Pure functions (no queries), so list pages,
exports and templates can all call them per row.

    engine_label("local", "pocketsphinx-en-us")    -> "PocketSphinx, offline"
    version_label_explained("H-3")                 -> "H-3: human version 3 of the English …"
    version_label_explained("H-3-ar", language="Arabic", human=True)
        -> "H-3-ar: the Arabic translation of English H-3, edited by a person."
"""

from __future__ import annotations

import re

# The seeded languages (translations' data migration), for labels shown where the language
# row is not at hand; any other code is shown as it is.
_LANGUAGE_NAMES = {
    "en": "English",
    "es": "Spanish",
    "pt": "Portuguese",
    "fr": "French",
    "de": "German",
    "it": "Italian",
    "zh": "Chinese",
    "hi": "Hindi",
    "ar": "Arabic",
}

_LABEL = re.compile(r"^(?P<kind>[TH])-(?P<number>\d+)(?:-(?P<language>[A-Za-z]{2,3}(?:-\w+)?))?$")


def engine_label(engine: str | None, model: str | None = None, recorded: str | None = "") -> str:
    """The engine (and model) that really produced a machine transcript, in words.

    `recorded` is the `engine_label` the pipeline writes into a new T-1's metadata and wins;
    older transcripts are named from their engine and model the same way
    (`integrations.transcription.base.describe_engine`), never from the transcription's
    `source` column, which says "whisper" for every own-pipeline run, PocketSphinx too.
    Empty when nothing was recorded.
    """
    if (recorded or "").strip():
        return recorded.strip()
    engine = (engine or "").strip()
    model = (model or "").strip()
    if engine == "local":
        if model.lower().startswith("pocketsphinx"):
            return "PocketSphinx, offline"
        return f"Whisper {model}, offline (faster-whisper)" if model else "Whisper, offline"
    if engine == "openai":
        return f"OpenAI {model or 'whisper-1'}"
    if engine == "sonix":
        return "Sonix"
    return engine


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def version_label_explained(
    label: str | None,
    *,
    human: bool | None = None,
    language: str = "",
    engine: str = "",
) -> str:
    """One sentence saying what a version label means, for a tooltip or a caption.

    English labels explain themselves: T-1 is the machine transcript, H-n a human version.
    A translation label is the English label it was made from plus the language, so the
    label alone cannot tell a machine translation from a human edit of one: pass `human`
    (a machine text of a translation is labelled T-<n>-<lang>, the n-th machine run).
    """
    match = _LABEL.match((label or "").strip())
    if match is None:
        return label or ""
    kind, number, code = match["kind"], int(match["number"]), match["language"]
    if code is None:
        if kind == "T":
            by = f" by {engine}" if engine else ""
            return f"{label}: the machine transcript{by}, before any human edit."
        return (
            f"{label}: the {_ordinal(number)} human version of the English transcript, "
            "saved by an editor from the machine transcript T-1."
        )
    name = language or _LANGUAGE_NAMES.get(code.lower(), code)
    if human is None:
        human = kind == "H"
    if not human:
        run = "" if number == 1 else f" (the {_ordinal(number)} machine run for {name})"
        by = f" by {engine}" if engine else ""
        return f"{label}: the machine translation into {name}{by}{run}, not edited by a person."
    english = "the unedited machine transcript T-1" if kind == "T" else f"English H-{number}"
    return f"{label}: the {name} translation of {english}, edited by a person."
