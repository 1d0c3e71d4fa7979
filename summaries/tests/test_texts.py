import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summaries import texts


def test_fill_puts_the_transcript_in_and_keeps_escaped_braces():
    template = 'Reply as JSON like {{"subject": "..."}}.\n\nContent: {transcription_text}'
    filled = texts.prompt_fill(template, "Text with {braces} and {0} inside.")
    assert (
        filled
        == 'Reply as JSON like {"subject": "..."}.\n\nContent: Text with {braces} and {0} inside.'
    )


def test_fill_refuses_an_unknown_placeholder():
    with pytest.raises(ValueError):
        texts.prompt_fill("{speaker}: {transcription_text}", "x")


# --- splitting ---------------------------------------------------------------------------


def test_a_short_text_is_one_piece():
    assert texts.split_for_budget("One line.\nTwo lines.", 100) == ["One line.\nTwo lines."]


def test_pieces_break_at_line_boundaries_first():
    lines = [f"Segment {i} says something about root canals." for i in range(10)]
    pieces = texts.split_for_budget("\n".join(lines), 100)
    assert len(pieces) > 1
    for piece in pieces:
        assert len(piece) <= 100
        # Every piece is made of whole segments.
        assert all(line in lines for line in piece.split("\n"))
    assert "\n".join(pieces) == "\n".join(lines)


def test_paragraphs_are_preferred_over_lines():
    text = "A1 line.\nA2 line.\n\nB1 line.\nB2 line."
    assert texts.split_for_budget(text, 20) == ["A1 line.\nA2 line.", "B1 line.\nB2 line."]


def test_a_segment_longer_than_the_budget_is_split_between_sentences_then_words():
    long_segment = "First sentence is here. Second sentence follows it. " + "word " * 30
    pieces = texts.split_for_budget(long_segment.strip(), 40)
    assert all(len(p) <= 40 for p in pieces)
    assert pieces[0] == "First sentence is here."
    assert " ".join(pieces).split() == long_segment.split()


def test_an_unspaced_run_longer_than_the_budget_keeps_every_character():
    text = "x" * 95
    pieces = texts.split_for_budget(text, 40)
    assert [len(p) for p in pieces] == [40, 40, 15]
    assert "".join(pieces) == text


@settings(deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.sampled_from("abc .!?\n"), min_size=0, max_size=60),
        min_size=1,
        max_size=30,
    ),
    st.integers(min_value=5, max_value=120),
)
def test_splitting_never_loses_or_reorders_words(chunks, budget):
    text = "\n".join(chunks)
    pieces = texts.split_for_budget(text, budget)
    assert all(0 < len(p) <= budget for p in pieces)
    # Words longer than the budget are cut by characters, so compare characters without spaces.
    assert re.sub(r"\s", "", "".join(pieces)) == re.sub(r"\s", "", text)


# --- diffs and the seed's numbers --------------------------------------------------------


def test_word_changes_have_the_seed_shape():
    original = "We utilize advanced endodontic techniques daily. Call us."
    edited = "We use advanced root canal methods daily. Call us today!"
    assert texts.word_changes(original, edited) == [
        {"type": "replace", "original": "utilize", "edited": "use"},
        {"type": "replace", "original": "endodontic techniques", "edited": "root canal methods"},
        {"type": "replace", "original": "us.", "edited": "us today!"},
    ]


def test_word_changes_insert_and_delete():
    changes = texts.word_changes("Keep this very long sentence.", "Keep this sentence. New end.")
    assert {"type": "delete", "original": "very long", "edited": ""} in changes
    assert changes[-1]["type"] in ("replace", "insert")
    assert texts.word_changes("a b c", "a b c d") == [
        {"type": "insert", "original": "", "edited": "d"}
    ]


def test_whitespace_only_changes_are_not_changes():
    assert texts.word_changes("One two.\nThree.", "One  two.\n\nThree.") == []


@pytest.mark.parametrize(
    ("original", "edited", "percent"),
    [
        (245, 198, -19),  # the seed's example
        (200, 201, 1),  # +0.5 % rounds away from zero
        (200, 199, -1),  # −0.5 % too
        (200, 200, 0),
        (3, 4, 33),
        (3, 5, 67),
        (1, 0, -100),
        (0, 10, None),
    ],
)
def test_length_change_percent_rounds_half_away_from_zero(original, edited, percent):
    assert texts.length_change_percent(original, edited) == percent


def test_diff_analysis_is_in_the_seed_format():
    analysis = texts.diff_analysis("Old draft text here.", "New draft text. Added line.")
    assert list(analysis) == [
        "type",
        "original_length",
        "edited_length",
        "length_change_percent",
        "tone_changes",
        "structure_changes",
        "additions",
        "deletions",
        "changes",
    ]
    assert analysis["type"] == "summary"
    assert analysis["original_length"] == 20 and analysis["edited_length"] == 27
    assert analysis["length_change_percent"] == 35
    assert analysis["tone_changes"] == [] and analysis["structure_changes"] == []


def test_additions_and_deletions_are_the_inserted_and_deleted_runs():
    analysis = texts.diff_analysis("Intro. Jargon here. Body.", "Intro. Body. Closing sentence.")
    assert analysis["deletions"] == ["Jargon here."]
    assert analysis["additions"] == ["Closing sentence."]


def test_diff_pieces_rebuild_both_texts():
    original = "Line one stays.\nLine two goes away.\nLast line."
    edited = "Line one stays.\nLine 2 is new.\nLast line!"
    pieces = texts.diff_pieces(original, edited)
    rebuilt_new = "".join(p.text for p in pieces if p.op != "delete")
    assert rebuilt_new.split() == edited.split()
    rebuilt_old = "".join(p.text for p in pieces if p.op != "insert")
    assert rebuilt_old.split() == original.split()
    assert any(p.op == "delete" and "two" in p.text for p in pieces)
    assert any(p.op == "insert" and "2" in p.text for p in pieces)


# --- checks ------------------------------------------------------------------------------


def test_linkedin_over_150_characters_warns():
    assert texts.summary_warnings("linkedin", "x" * 150) == []
    warning = texts.summary_warnings("linkedin", "x" * 151)
    assert warning == ["The LinkedIn post is 151 characters long; it should be at most 150."]


@pytest.mark.parametrize(("words", "warns"), [(299, True), (300, False), (500, False), (501, True)])
def test_blog_outside_300_to_500_words_warns(words, warns):
    # "Heading" is a word; "##" and "-" are not.
    text = "## Heading\n\n- " + " ".join(["word"] * (words - 1))
    assert bool(texts.summary_warnings("blog", text)) is warns


def test_email_over_three_sentences_warns_but_greetings_and_dr_do_not_count():
    three = (
        "Dear colleagues,\n\nDr. Soto explains rotary files. Irrigation matters too! "
        "Join us next week?\n\nBest regards,\nThe Max team"
    )
    assert texts.sentence_count(three) == 3
    assert texts.summary_warnings("email", three) == []
    four = three.replace("Join us next week?", "Join us next week. Bring questions.")
    assert texts.summary_warnings("email", four) == [
        "The email has 4 sentences; it should have at most 3."
    ]


def test_an_unterminated_long_line_counts_as_a_sentence():
    assert texts.sentence_count("One. Two. Three. and a trailing clause without an end") == 4
