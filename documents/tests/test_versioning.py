"""The generic machinery: timings through edits, diff records, three-way merge, find/replace.

Property tests generate timed segments and edits on them and check DESIGN.md's rules:
unchanged words keep their exact times, replaced runs share the old run's span, inserted
words are interpolated between their neighbours, segment start/end never move.
"""

from __future__ import annotations

import json

import pytest
from diff_match_patch import diff_match_patch
from hypothesis import given
from hypothesis import strategies as st

from documents.diffs import change_summary, diff_record, patch_rebuild, word_diff
from documents.find import find_matches, replace_in_segments
from documents.merge import merge_segments, merge_text
from documents.realign import (
    MIN_WORD_SECONDS,
    display_words,
    realign_document,
    realign_segment,
    realign_words,
)
from documents.text import join_segments, normalize_text, parse_segment_fields, segment_texts

OLD_VOCAB = [f"w{n}" for n in range(60)]  # words of the old text
NEW_VOCAB = [f"N{n}" for n in range(20)]  # words an edit brings in (never equal to old ones)


@st.composite
def timed_segment(draw, unique: bool = True, min_words: int = 1):
    words = draw(
        st.lists(st.sampled_from(OLD_VOCAB), min_size=min_words, max_size=14, unique=unique)
    )
    seg_start = draw(st.floats(0, 500, allow_nan=False)).__round__(3)
    t = seg_start + draw(st.floats(0, 0.5)).__round__(3)
    timed = []
    for w in words:
        gap = round(draw(st.floats(0, 0.3)), 3)
        length = round(draw(st.floats(0.05, 1.0)), 3)
        start = round(t + gap, 3)
        end = round(start + length, 3)
        timed.append({"word": w, "start": start, "end": end})
        t = end
    seg_end = round(t + draw(st.floats(0, 0.5)), 3)
    return seg_start, seg_end, timed


def tokens_of(words):
    return [w["word"] for w in words]


def assert_well_formed(result, new_tokens, seg_start, seg_end):
    assert [w["word"] for w in result] == new_tokens
    previous_end = seg_start
    for w in result:
        assert seg_start <= w["start"] <= w["end"] <= seg_end
        assert w["start"] >= previous_end - 1e-9
        previous_end = w["end"]


def assert_every_word_has_a_length(result, seg_start, seg_end):
    """No word is left with zero duration, unless the segment itself has no room for them."""
    if seg_end - seg_start < MIN_WORD_SECONDS * len(result):
        return
    for w in result:
        assert w["end"] - w["start"] >= MIN_WORD_SECONDS - 2e-3, w


def assert_only_words_next_to_a_change_moved(result, tokens, words):
    """Old words that survived keep their exact times, except inside a block of moved words
    that holds a new word: a change with no room of its own shares a neighbour's span."""
    block: list[int | None] = []
    for w, (_, origin) in zip([*result, None], [*tokens, ("", -1)], strict=True):
        moved = w is not None and (
            origin is None
            or (w["start"], w["end"]) != (words[origin]["start"], words[origin]["end"])
        )
        if moved:
            block.append(origin)
            continue
        assert not block or None in block, f"untouched words moved: {block}"
        block = []


@given(timed_segment(unique=False))
def test_an_unchanged_segment_keeps_every_time(segment):
    seg_start, seg_end, words = segment
    result = realign_words(words, " ".join(tokens_of(words)), seg_start, seg_end)
    assert result == words


@given(timed_segment(), st.data())
def test_a_replaced_run_shares_the_old_runs_span_evenly(segment, data):
    seg_start, seg_end, words = segment
    i = data.draw(st.integers(0, len(words) - 1))
    j = data.draw(st.integers(i + 1, len(words)))
    k = data.draw(st.integers(1, 5))
    new_words = [f"N{n}" for n in range(k)]
    new_tokens = tokens_of(words[:i]) + new_words + tokens_of(words[j:])

    result = realign_words(words, " ".join(new_tokens), seg_start, seg_end)

    assert_well_formed(result, new_tokens, seg_start, seg_end)
    assert result[:i] == words[:i]
    assert result[i + k :] == words[j:]
    run = result[i : i + k]
    assert run[0]["start"] == words[i]["start"]
    assert run[-1]["end"] == words[j - 1]["end"]
    span = words[j - 1]["end"] - words[i]["start"]
    for w in run:
        assert w["end"] - w["start"] == pytest.approx(span / k, abs=2e-3)


@given(timed_segment(min_words=0), st.data())
def test_inserted_words_are_interpolated_between_their_neighbours(segment, data):
    seg_start, seg_end, words = segment
    i = data.draw(st.integers(0, len(words)))
    k = data.draw(st.integers(1, 5))
    new_tokens = tokens_of(words[:i]) + [f"N{n}" for n in range(k)] + tokens_of(words[i:])

    result = realign_words(words, " ".join(new_tokens), seg_start, seg_end)

    assert_well_formed(result, new_tokens, seg_start, seg_end)
    assert_every_word_has_a_length(result, seg_start, seg_end)
    lo = words[i - 1]["end"] if i > 0 else seg_start
    hi = words[i]["start"] if i < len(words) else seg_end
    inserted = result[i : i + k]
    if hi - lo >= MIN_WORD_SECONDS * k:
        assert result[:i] == words[:i] and result[i + k :] == words[i:]
        assert inserted[0]["start"] == lo and inserted[-1]["end"] == hi
        for w in inserted:
            assert lo <= w["start"] <= w["end"] <= hi
    else:
        # No room between the neighbours (words that touch): the insertion shares the span
        # of a neighbour, and only words next to it move.
        tokens = [(w["word"], n) for n, w in enumerate(words)]
        tokens[i:i] = [(w["word"], None) for w in inserted]
        assert_only_words_next_to_a_change_moved(result, tokens, words)


@given(timed_segment(min_words=0), st.data())
def test_an_insertion_between_words_that_touch_gets_time_from_a_neighbour(segment, data):
    seg_start, _, words = segment
    # Close every gap: Whisper's words usually end where the next one starts.
    touching, t = [], seg_start
    for w in words:
        length = w["end"] - w["start"]
        touching.append({"word": w["word"], "start": round(t, 3), "end": round(t + length, 3)})
        t += length
    seg_end = round(t, 3)
    i = data.draw(st.integers(0, len(touching)))
    k = data.draw(st.integers(1, 3))
    new_tokens = tokens_of(touching[:i]) + [f"N{n}" for n in range(k)] + tokens_of(touching[i:])

    result = realign_words(touching, " ".join(new_tokens), seg_start, seg_end)

    assert_well_formed(result, new_tokens, seg_start, seg_end)
    if touching:
        assert_every_word_has_a_length(result, seg_start, seg_end)
        assert seg_end - seg_start >= MIN_WORD_SECONDS * len(result)  # the check above ran
    else:  # an empty segment of no length: nothing to share
        assert all(w["start"] == w["end"] == seg_start for w in result)


@given(timed_segment(), st.data())
def test_deleting_words_leaves_the_others_untouched(segment, data):
    seg_start, seg_end, words = segment
    i = data.draw(st.integers(0, len(words) - 1))
    j = data.draw(st.integers(i + 1, len(words)))
    kept = words[:i] + words[j:]
    result = realign_words(words, " ".join(tokens_of(kept)), seg_start, seg_end)
    assert result == kept


@st.composite
def edited_segment(draw):
    """A timed segment (distinct words) and a random series of edits to it."""
    seg_start, seg_end, words = draw(timed_segment())
    tokens: list[tuple[str, int | None]] = [(w["word"], n) for n, w in enumerate(words)]
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["replace", "insert", "delete", "case"]))
        if kind == "insert" or not tokens:
            at = draw(st.integers(0, len(tokens)))
            new = draw(st.lists(st.sampled_from(NEW_VOCAB), min_size=1, max_size=3))
            tokens[at:at] = [(w, None) for w in new]
            continue
        i = draw(st.integers(0, len(tokens) - 1))
        j = draw(st.integers(i + 1, min(len(tokens), i + 4)))
        if kind == "delete":
            del tokens[i:j]
        elif kind == "replace":
            new = draw(st.lists(st.sampled_from(NEW_VOCAB), min_size=1, max_size=3))
            tokens[i:j] = [(w, None) for w in new]
        else:  # a capital letter or a comma is not a different word
            word, origin = tokens[i]
            tokens[i] = (word.capitalize() + ",", origin)
    return seg_start, seg_end, words, tokens


@given(edited_segment())
def test_any_series_of_edits_keeps_untouched_words_exact_and_times_in_order(case):
    seg_start, seg_end, words, tokens = case
    new_tokens = [t for t, _ in tokens]

    result = realign_words(words, " ".join(new_tokens), seg_start, seg_end)

    assert_well_formed(result, new_tokens, seg_start, seg_end)
    assert_every_word_has_a_length(result, seg_start, seg_end)
    assert_only_words_next_to_a_change_moved(result, tokens, words)


@st.composite
def rewritten_segment(draw):
    """A timed segment and a rewrite of all of it, to fewer, as many or more words, which may
    reuse a few of the old words anywhere (a rewrite ending on the segment's first word made
    17 of 19 words zero-length at the segment's start)."""
    seg_start, seg_end, words = draw(timed_segment())
    count = draw(st.integers(1, 3 * len(words)))
    reused = st.sampled_from(tokens_of(words))
    new_tokens = draw(
        st.lists(st.one_of(st.sampled_from(NEW_VOCAB), reused), min_size=count, max_size=count)
    )
    return seg_start, seg_end, words, new_tokens


@given(rewritten_segment())
def test_a_full_rewrite_leaves_no_word_without_time_or_outside_its_segment(case):
    seg_start, seg_end, words, new_tokens = case

    result = realign_words(words, " ".join(new_tokens), seg_start, seg_end)

    assert_well_formed(result, new_tokens, seg_start, seg_end)
    assert_every_word_has_a_length(result, seg_start, seg_end)
    assert seg_end - seg_start >= MIN_WORD_SECONDS * len(result)  # so the check above ran


def test_a_rewrite_that_ends_on_the_segments_first_word_spreads_over_the_old_words():
    old = "so the first thing we look at is the periapical radiograph of the lower left"
    words = [
        {"word": f" {w}", "start": round(n * 0.4, 3), "end": round(n * 0.4 + 0.4, 3)}
        for n, w in enumerate(old.split())
    ]
    new = "Now a completely different sentence says what had been said before, and so"

    result = realign_words(words, new, 0.0, words[-1]["end"])

    durations = [w["end"] - w["start"] for w in result]
    assert min(durations) > 0.3  # 15 old words' 6 s shared by 13 new ones
    assert result[0]["start"] == 0.0 and result[-1]["end"] == words[-1]["end"]


@st.composite
def untimed_words_segment(draw):
    """A timed segment whose words never got times (an import without word timings)."""
    tokens = draw(st.lists(st.sampled_from(OLD_VOCAB), min_size=1, max_size=14))
    seg_start = round(draw(st.floats(0, 500)), 3)
    seg_end = round(seg_start + draw(st.floats(0.5, 20)), 3)
    untimed = draw(st.sampled_from([{"start": None, "end": None}, {}]))
    words = [{"word": t, **untimed} for t in tokens]
    new_tokens = draw(
        st.lists(st.sampled_from(NEW_VOCAB + tokens), min_size=1, max_size=2 * len(tokens))
    )
    return seg_start, seg_end, words, new_tokens


@given(untimed_words_segment())
def test_words_of_a_segment_that_had_no_word_times_are_spread_over_the_segment(case):
    seg_start, seg_end, words, new_tokens = case

    result = realign_words(words, " ".join(new_tokens), seg_start, seg_end)

    assert_well_formed(result, new_tokens, seg_start, seg_end)
    assert_every_word_has_a_length(result, seg_start, seg_end)
    assert result[0]["start"] == seg_start and result[-1]["end"] == seg_end


def test_a_segment_without_any_times_stays_untimed():
    words = [{"word": "uno", "start": None, "end": None}]
    assert realign_words(words, "uno dos", None, None) == [
        {"word": "uno", "start": None, "end": None},
        {"word": "dos", "start": None, "end": None},
    ]


@given(edited_segment(), st.data())
def test_only_words_the_machine_heard_keep_its_confidence(case, data):
    seg_start, seg_end, words, tokens = case
    words = [{**w, "probability": data.draw(st.floats(0, 1))} for w in words]
    new_tokens = [t for t, _ in tokens]

    result = realign_words(words, " ".join(new_tokens), seg_start, seg_end)

    for w, (token, origin) in zip(result, tokens, strict=True):
        if origin is not None and words[origin]["word"] == token:
            assert w["probability"] == words[origin]["probability"]
        else:  # typed, or changed (a capital, a comma) by a human: certain
            assert "probability" not in w


@given(st.lists(timed_segment(unique=False), min_size=1, max_size=6), st.data())
def test_segment_boundaries_never_move_and_unchanged_segments_stay_as_they_were(segs, data):
    old_json = {
        "segments": [
            {"id": n, "start": s, "end": e, "text": " ".join(tokens_of(w)), "words": w}
            for n, (s, e, w) in enumerate(segs)
        ],
        "metadata": {"source": "whisper", "duration": 1.0},
    }
    old_text = join_segments([seg["text"] for seg in old_json["segments"]])
    new_texts = [
        data.draw(st.sampled_from([seg["text"], seg["text"] + " N1", "N2 N3", ""]))
        for seg in old_json["segments"]
    ]

    new_json = realign_document(old_json, old_text, new_texts)

    assert new_json["metadata"] == old_json["metadata"]
    for old, new, text in zip(old_json["segments"], new_json["segments"], new_texts, strict=True):
        assert (new["id"], new["start"], new["end"]) == (old["id"], old["start"], old["end"])
        assert new["text"] == text
        if text == old["text"]:
            assert new is old
        assert [w["word"] for w in new["words"]] == text.split()


def test_untimed_documents_stay_untimed():
    assert realign_document(None, "uno\ndos", ["uno", "dos tres"]) is None
    assert segment_texts(None, "uno\n  dos  tres ") == ["uno", "dos tres"]


def test_display_words_match_the_text_even_when_the_machine_split_punctuation_off():
    segment = {
        "start": 0.0,
        "end": 2.0,
        "text": " Hello everyone.",
        "words": [
            {"word": " Hello", "start": 0.0, "end": 0.5},
            {"word": " everyone", "start": 0.6, "end": 1.2},
        ],
    }
    assert display_words(segment) == [
        {"word": "Hello", "start": 0.0, "end": 0.5},
        {"word": "everyone.", "start": 0.6, "end": 1.2},
    ]


# --- diff_from_previous -----------------------------------------------------------------


@st.composite
def document_edit(draw):
    alphabet = st.sampled_from([*"abc xyzé.,", "ß", "漢"])
    old = draw(st.lists(st.text(alphabet, max_size=30).map(normalize_text), max_size=8))
    new = [
        draw(st.one_of(st.just(t), st.text(alphabet, max_size=30).map(normalize_text))) for t in old
    ]
    return old, new


def apply_operations(old_text: str, operations: list[dict]) -> str:
    text = old_text
    for op in sorted(operations, key=lambda o: o["position"], reverse=True):
        start = op["position"]
        assert text[start : start + len(op["old_text"])] == op["old_text"]
        text = text[:start] + op["new_text"] + text[start + len(op["old_text"]) :]
    return text


@given(document_edit())
def test_the_patch_and_the_operations_rebuild_the_new_text_from_the_previous(edit):
    old, new = edit
    old_text, new_text = join_segments(old), join_segments(new)

    record = diff_record(
        old_text,
        new_text,
        user_id="u-1",
        timestamp="2026-11-25T10:00:00+00:00",
        old_segments=old,
        new_segments=new,
    )

    assert set(record) == {"user_id", "timestamp", "operations", "patch"}
    assert patch_rebuild(old_text, record["patch"]) == new_text
    assert apply_operations(old_text, record["operations"]) == new_text
    for op in record["operations"]:
        assert op["operation"] in {"replace", "insert", "delete"}
        assert bool(op["old_text"]) == (op["operation"] != "insert")
        assert bool(op["new_text"]) == (op["operation"] != "delete")
    json.dumps(record)  # storable as the JSON text column


@given(st.text(max_size=200), st.text(max_size=200))
def test_texts_that_are_not_one_line_per_segment_diff_as_a_whole(old_text, new_text):
    record = diff_record(old_text, new_text, user_id=1, timestamp="t")
    assert patch_rebuild(old_text, record["patch"]) == new_text


def test_a_word_replacement_is_one_replace_operation_at_its_position():
    old = ["Welcome to the course.", "The implane is placed."]
    new = ["Welcome to the course.", "The implant is placed."]
    record = diff_record(
        join_segments(old),
        join_segments(new),
        user_id=7,
        timestamp="t",
        old_segments=old,
        new_segments=new,
    )
    assert record["operations"] == [
        {"operation": "replace", "position": 33, "old_text": "e", "new_text": "t"}
    ]
    summary = change_summary(json.dumps(record))
    assert summary.changes == 1 and not summary.is_empty
    assert diff_match_patch().patch_fromText(record["patch"])


# --- three-way merge ----------------------------------------------------------------------


def test_segments_changed_by_only_one_side_merge():
    base = ["one two", "three four", "five six"]
    theirs = ["one TWO", "three four", "five six"]
    result = merge_segments(base, {2: "five SIX"}, theirs)
    assert result.clean and result.texts == ["one TWO", "three four", "five SIX"]
    assert result.mine_changed == [2]


def test_the_same_change_on_both_sides_is_no_conflict():
    result = merge_segments(["a b"], {0: "a c"}, ["a c"])
    assert result.clean and result.texts == ["a c"] and result.mine_changed == []


def test_overlapping_edits_in_different_words_merge_with_diff_match_patch():
    base = ["the implane is placed after the extraction heals"]
    mine = {0: "the implant is placed after the extraction heals"}
    theirs = ["the implane is placed after the extraction has healed"]
    result = merge_segments(base, mine, theirs)
    assert result.clean
    assert result.texts == ["the implant is placed after the extraction has healed"]
    assert result.patched == [0]


def test_edits_of_the_same_words_conflict():
    result = merge_segments(
        ["the crown is ceramic"], {0: "the crown is zirconia"}, ["the crown is metal"]
    )
    assert not result.clean
    conflict = result.conflicts[0]
    assert (conflict.index, conflict.mine, conflict.theirs) == (
        0,
        "the crown is zirconia",
        "the crown is metal",
    )


def test_merge_text_refuses_when_either_direction_disagrees():
    assert merge_text("cat", "dog", "cow") is None
    assert merge_text("a b c d e f", "A b c d e f", "a b c d e F") == "A b c d e F"


@given(st.lists(st.text(st.sampled_from("abc "), max_size=12), min_size=1, max_size=6), st.data())
def test_disjoint_segment_edits_always_merge_to_both(base, data):
    n = len(base)
    mine_idx = data.draw(st.sets(st.integers(0, n - 1)))
    theirs_idx = data.draw(st.sets(st.integers(0, n - 1)).map(lambda s: s - mine_idx))
    mine = {i: base[i] + " mine" for i in mine_idx}
    theirs = [base[i] + " theirs" if i in theirs_idx else base[i] for i in range(n)]
    result = merge_segments(base, mine, theirs)
    assert result.clean
    for i in range(n):
        expected = mine[i] if i in mine else theirs[i]
        assert result.texts[i] == normalize_text(expected)


def test_merge_refuses_segments_that_do_not_exist():
    with pytest.raises(ValueError):
        merge_segments(["a"], {3: "b"}, ["a"])


# --- find and replace, word diff, form fields -------------------------------------------


def test_find_respects_case_and_whole_words_in_any_script():
    text = "Implant implants implant, IMPLANT café-implant implantación"
    assert len(find_matches(text, "implant")) == 6
    assert find_matches(text, "implant", whole_words=True) == [
        (0, 7),
        (17, 24),
        (26, 33),
        (39, 46),
    ]
    assert find_matches(text, "implant", whole_words=True, match_case=True) == [
        (17, 24),
        (39, 46),
    ]
    assert find_matches("naïve naïveté", "naïve", whole_words=True) == [(0, 5)]


def test_replace_in_segments_counts_and_returns_only_changed_segments():
    changed, count = replace_in_segments(
        ["the implane", "no match", "Implane and implane"], "implane", "implant"
    )
    assert count == 3
    assert changed == {0: "the implant", 2: "implant and implant"}


def test_word_diff_marks_deleted_and_inserted_words():
    left, right = word_diff("the implane is placed", "the implant is now placed")
    assert [(p.kind, p.text) for p in left] == [
        ("same", "the"),
        ("del", "implane"),
        ("same", "is"),
        ("same", "placed"),
    ]
    assert ("ins", "implant") in [(p.kind, p.text) for p in right]
    assert ("ins", "now") in [(p.kind, p.text) for p in right]


def test_segment_fields_parse_and_refuse_garbage():
    assert parse_segment_fields({"seg-3": "x", "based_on": "1", "seg-0": "y"}) == {
        3: "x",
        0: "y",
    }
    with pytest.raises(ValueError):
        parse_segment_fields({"seg-x": "nope"})


def test_a_segment_a_human_rewrote_is_no_longer_a_placeholder():
    segment = {"id": 0, "start": 0.0, "end": 2.0, "text": "[draft ar] Hello", "placeholder": True}
    assert realign_segment(segment, "[draft ar] Hello") is segment
    rewritten = realign_segment(segment, "مرحبا")
    assert "placeholder" not in rewritten and rewritten["text"] == "مرحبا"
