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


# Whitespace other than the space and the line break (each would become a space).
_OTHER_SPACE = re.compile(r"[^\S\n ]")


def lines_are_clean(text: str) -> bool:
    """Whether every line of `text` is already as `clean_line` leaves it: single spaces between
    words, no control characters. A few scans of the whole text, where cleaning each of a long
    document's lines costs milliseconds."""
    if "  " in text or " \n" in text or "\n " in text or text[:1] == " " or text[-1:] == " ":
        return False
    if text.isascii():
        # In ASCII, whatever is neither printable nor a line break is a control character or
        # whitespace other than the space.
        return text.replace("\n", "").isprintable()
    return _OTHER_SPACE.search(text) is None and _NOT_TEXT.search(text) is None


def clean_line(text: str | None, *, max_length: int | None = None) -> str:
    """One line of text (a name): no control characters, single spaces, at most
    `max_length` characters."""
    line = " ".join(without_control_characters(text or "").split())
    return line[:max_length].rstrip() if max_length else line
