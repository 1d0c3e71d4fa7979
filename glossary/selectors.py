"""Reads of the dictionary: where its entries occur in a text, and its terms for prompts.

Called by other apps (keep these names and signatures):

    glossary_find(text=, language_code=) -> [Match]            # no side effects
    glossary_terms(language_code=) -> [(original, corrected)]   # active entries
"""

from __future__ import annotations

from glossary.matcher import Match
from glossary.models import DictionaryEntry
from glossary.registry import matcher_for


def glossary_find(*, text: str, language_code: str) -> list[Match]:
    """Where the language's active entries occur in `text` (for the editor's suggestions).

    Each `Match` has `start`/`end` (into `text`), `text` (as written there),
    `replacement` (the correction in the matched text's case), `term_original`,
    `term_corrected`, `entry_id` and `canonical`. Nothing is written.
    """
    return matcher_for(language_code).find(text)


def glossary_terms(*, language_code: str) -> list[tuple[str, str]]:
    """The language's active entries as (original, corrected), most used first: what
    prompts and transcription vocabularies are built from."""
    return list(
        DictionaryEntry.objects.filter(language_code=language_code, archived=False)
        .order_by("-usage_count", "term_original")
        .values_list("term_original", "term_corrected")
    )
