"""A document's lines as stored: the one-scan check that skips cleaning line by line never
lets through a line that cleaning would change."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from core.text import clean_line, lines_are_clean
from documents.text import normalize_texts, split_lines

# Spaces, line breaks, other whitespace (tab, NBSP, em space, \x1c, \x85), controls, a lone
# surrogate and a non-character, among letters.
ALPHABET = list("ab é\n\t\r\x00\x1c\x85\xa0\u2003\ud800\x7f\ufffe")


@given(st.text(alphabet=st.sampled_from(ALPHABET), max_size=14))
def test_a_text_passed_as_clean_has_only_lines_cleaning_would_keep(text):
    if lines_are_clean(text):
        assert [clean_line(line) for line in text.split("\n")] == text.split("\n")
    assert split_lines(text) == ([clean_line(line) for line in text.split("\n")] if text else [])


@given(st.lists(st.text(alphabet=st.sampled_from(ALPHABET), max_size=6), max_size=5))
def test_segment_texts_come_back_as_cleaning_each_leaves_it(texts):
    assert normalize_texts(texts) == [clean_line(t) for t in texts]


def test_a_stored_lecture_is_checked_once_and_kept_as_it_is():
    texts = ["Welcome to the lecture.", "", "The root canal, then the crown."]
    assert split_lines("\n".join(texts)) == texts
    assert split_lines(" Two  spaces\tand a tab ") == ["Two spaces and a tab"]
    assert normalize_texts(["a\nb", "c"]) == ["a b", "c"]
