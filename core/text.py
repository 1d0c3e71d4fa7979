"""Text as stored anywhere: without control characters (XML, and so DOCX, cannot hold them;
a bell or an escape is never meant). Tabs and line breaks stay for callers that split on
whitespace."""

from __future__ import annotations

import re

# C0 and C1 controls other than whitespace, lone surrogates and the two non-characters XML
# refuses. \x1c-\x1f and \x85 are left: str.split() already treats them as spaces.
_NOT_TEXT = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")


def without_control_characters(text: str) -> str:
    return _NOT_TEXT.sub("", text)


# What `clean_line` would change in a line: whitespace other than a single space between words.
_NOT_SINGLE_SPACED = re.compile(r"[^\S\n ]| {2}|^ | $| \n|\n ")


def lines_are_clean(text: str) -> bool:
    """Whether every line of `text` is already as `clean_line` leaves it (one scan of the
    whole text, where cleaning each of a long document's lines costs milliseconds)."""
    return _NOT_TEXT.search(text) is None and _NOT_SINGLE_SPACED.search(text) is None


def clean_line(text: str | None, *, max_length: int | None = None) -> str:
    """One line of text (a name): no control characters, single spaces, at most
    `max_length` characters."""
    line = " ".join(without_control_characters(text or "").split())
    return line[:max_length].rstrip() if max_length else line
