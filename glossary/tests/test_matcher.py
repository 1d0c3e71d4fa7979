"""The matcher itself (no database): DESIGN.md "Dictionary", rule by rule, plus properties."""

import io
import os
import pickle
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glossary.matcher import Matcher, Term, follow_case

SEED = [
    ("veneers", "veneers"),
    ("implane", "implant"),
    ("endodontik", "endodontic"),
    ("periodontol", "periodontal"),
    ("ceramic crown", "ceramic crown"),
    ("ortho-dontic", "orthodontic"),
]


def matcher(pairs, *, word_boundaries=True) -> Matcher:
    return Matcher(
        [Term(i, original, corrected) for i, (original, corrected) in enumerate(pairs)],
        word_boundaries=word_boundaries,
    )


def spans(matches):
    return [(m.start, m.end, m.term_original) for m in matches]


# --- the seed's example rows ------------------------------------------------------------


def test_the_seed_examples_correct_a_sentence():
    text = (
        "An implane needs endodontik care and a periodontol check; "
        "veneers or a ceramic crown, then ortho-dontic work."
    )
    new_text, matches = matcher(SEED).apply(text)
    assert new_text == (
        "An implant needs endodontic care and a periodontal check; "
        "veneers or a ceramic crown, then orthodontic work."
    )
    assert [(m.term_original, m.term_corrected) for m in matches] == [
        ("implane", "implant"),
        ("endodontik", "endodontic"),
        ("periodontol", "periodontal"),
        ("veneers", "veneers"),
        ("ceramic crown", "ceramic crown"),
        ("ortho-dontic", "orthodontic"),
    ]
    for match in matches:
        assert text[match.start : match.end].casefold() == match.term_original


def test_canonical_entries_change_nothing_but_are_reported():
    text = "VENEERS, Veneers and veneers."
    new_text, matches = matcher(SEED).apply(text)
    assert new_text == text
    assert [(m.start, m.end) for m in matches] == [(0, 7), (9, 16), (21, 28)]
    assert all(m.canonical and m.replacement == m.text for m in matches)


# --- case -------------------------------------------------------------------------------


def test_case_follows_the_matched_text():
    new_text, _ = matcher(SEED).apply("IMPLANE. Implane. implane. iMPLANE. ORTHO-DONTIC")
    assert new_text == "IMPLANT. Implant. implant. implant. ORTHODONTIC"


def test_title_case_phrases_stay_title_case_and_written_capitals_are_kept():
    m = matcher([("zirconia krone", "zirconia crown"), ("ph meter", "pH meter")])
    assert m.apply("Zirconia Krone")[0] == "Zirconia Crown"
    assert m.apply("Zirconia krone")[0] == "Zirconia crown"
    assert m.apply("ph meter")[0] == "pH meter"
    assert m.apply("PH METER")[0] == "PH METER"


def test_follow_case_rules():
    assert follow_case("ABC", "xyz") == "XYZ"
    assert follow_case("Abc", "xyz") == "Xyz"
    assert follow_case("abc", "xyZ") == "xyZ"
    assert follow_case("A", "xyz") == "Xyz"  # one capital letter is a capital, not all caps
    assert follow_case("123", "xyz") == "xyz"  # nothing cased: as written
    assert follow_case("STRASSE", "straße") == "STRASSE"


# --- leftmost-longest, one pass -----------------------------------------------------------


def test_longest_match_wins_at_the_same_start():
    m = matcher([("ceramic", "CERAMIC-X"), ("ceramic crown", "ceramic crown")])
    new_text, matches = m.apply("a ceramic crown")
    assert new_text == "a ceramic crown"
    assert spans(matches) == [(2, 15, "ceramic crown")]


def test_the_longer_term_yields_when_it_would_break_a_word():
    m = matcher([("ceramic", "keramic"), ("ceramic crown", "ceramic crown")])
    new_text, matches = m.apply("ceramic crowns")
    assert new_text == "keramic crowns"
    assert spans(matches) == [(0, 7, "ceramic")]


def test_leftmost_beats_longer_overlapping_match():
    m = matcher([("root canal", "root canal"), ("canal treatment plan", "RCT plan")])
    new_text, matches = m.apply("root canal treatment plan")
    assert new_text == "root canal treatment plan"
    assert spans(matches) == [(0, 10, "root canal")]


def test_a_replacement_is_never_matched_again():
    m = matcher([("implane", "implant"), ("implant", "implant fixture")])
    new_text, matches = m.apply("implane and implant")
    assert new_text == "implant and implant fixture"
    assert spans(matches) == [(0, 7, "implane"), (12, 19, "implant")]


# --- word boundaries ----------------------------------------------------------------------


def test_whole_words_only():
    m = matcher(SEED)
    text = "implanes implane2 reimplane _implane"
    # An underscore is punctuation (Pc), not a letter, mark or digit.
    assert spans(m.find(text)) == [(text.index("_") + 1, len(text), "implane")]
    assert m.find("implanes") == []
    assert m.find("implane2") == []
    assert m.find("2implane") == []
    assert spans(m.find("(implane)")) == [(1, 8, "implane")]
    assert spans(m.find("implane's")) == [(0, 7, "implane")]


def test_combining_marks_are_word_characters():
    m = matcher([("cafe", "café")])
    assert m.find("cafe\u0301") == []  # e + combining acute: still inside the word
    assert m.apply("cafe au lait")[0] == "café au lait"


def test_unicode_case_folding_and_positions_in_the_original_text():
    m = matcher([("strasse", "street"), ("ss", "S"), ("i", "x")])
    text = "Straße ß STRASSE İ i"
    new_text, matches = m.apply(text)
    assert new_text == "Street S STREET İ x"
    for match in matches:
        assert text[match.start : match.end] == match.text
    # "i" never matches half of İ (which folds to i + combining dot)
    assert [match.text for match in matches] == ["Straße", "ß", "STRASSE", "i"]


def test_positions_after_a_length_changing_fold_point_into_the_input():
    m = matcher(SEED)
    text = "ßßß İİ ﬁ implane"
    (match,) = m.find(text)
    assert text[match.start : match.end] == "implane"


# --- non-Latin scripts ------------------------------------------------------------------


def test_chinese_matches_without_word_boundaries():
    m = matcher([("种值体", "种植体"), ("牙冠", "牙冠")], word_boundaries=False)
    new_text, matches = m.apply("这是一个种值体和一个牙冠。")
    assert new_text == "这是一个种植体和一个牙冠。"
    assert [(x.start, x.end) for x in matches] == [(4, 7), (10, 12)]
    # The same dictionary with the boundary rule would find nothing inside the run.
    assert matcher([("种值体", "种植体")]).find("这是一个种值体和") == []


def test_hindi_vowel_signs_are_part_of_the_word():
    m = matcher([("इम्प्लेन", "इम्प्लांट"), ("दांत", "दाँत")])
    new_text, matches = m.apply("इम्प्लेन को दांत में, दांतों में")
    assert new_text == "इम्प्लांट को दाँत में, दांतों में"
    assert [x.text for x in matches] == ["इम्प्लेन", "दांत"]
    # The ो after दांत in दांतों is a vowel sign (category Mc): a word character.
    assert unicodedata.category("ो") == "Mc"


def test_arabic_whole_words():
    m = matcher([("زرعه", "زرعة")])
    new_text, matches = m.apply("هذه زرعه جديدة، والزرعه القديمة")
    assert new_text == "هذه زرعة جديدة، والزرعه القديمة"
    assert len(matches) == 1


# --- properties --------------------------------------------------------------------------


def is_word_char(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LMN"


def reference_find(pairs, text, word_boundaries=True):
    """The rules written the slow, obvious way: at each position, the longest entry whose
    case-folded form equals the case-folded slice and that respects the boundaries."""
    keys = {}
    for original, _ in pairs:
        keys.setdefault(original.casefold(), original)
    found, i = [], 0
    while i < len(text):
        best = None
        for j in range(i + 1, len(text) + 1):
            original = keys.get(text[i:j].casefold())
            if original is None:
                continue
            if word_boundaries and (
                (i > 0 and is_word_char(text[i - 1])) or (j < len(text) and is_word_char(text[j]))
            ):
                continue
            best = (i, j, original)
        if best:
            found.append(best)
            i = best[1]
        else:
            i += 1
    return found


LATIN = "abAB"
TRICKY = "ßSsİi\u0301ﬁ"
SEPARATORS = " -.,'"


def terms(alphabet, min_size=1, max_size=4):
    return st.text(alphabet, min_size=min_size, max_size=max_size).filter(
        lambda t: any(is_word_char(c) for c in t)
    )


dictionaries = st.lists(
    st.tuples(terms(LATIN + TRICKY + " -"), terms("xyzXYZ") | st.just("")),
    min_size=1,
    max_size=6,
).map(lambda pairs: [(o, c or o) for o, c in pairs])  # "" → canonical entry


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(dictionaries, st.text(LATIN + TRICKY + SEPARATORS, max_size=40), st.booleans())
def test_matches_equal_the_reference_rules(pairs, text, boundaries):
    found = matcher(pairs, word_boundaries=boundaries).find(text)
    assert spans(found) == reference_find(pairs, text, boundaries)


@given(dictionaries, st.text(LATIN + TRICKY + SEPARATORS, max_size=60), st.booleans())
def test_positions_point_at_the_match_and_nothing_overlaps(pairs, text, boundaries):
    found = matcher(pairs, word_boundaries=boundaries).find(text)
    reached = 0
    for match in found:
        assert match.start >= reached
        assert text[match.start : match.end] == match.text
        assert match.text.casefold() == match.term_original.casefold()
        if boundaries:
            assert match.start == 0 or not is_word_char(text[match.start - 1])
            assert match.end == len(text) or not is_word_char(text[match.end])
        reached = match.end


def _starts_and_ends_with_a_letter(term: str) -> bool:
    return term[0].isalpha() and term[-1].isalpha()


@given(
    st.lists(
        st.tuples(
            terms("abAB ").map(str.strip).filter(lambda t: t and _starts_and_ends_with_a_letter(t)),
            terms("xyz") | st.just(""),
        ),
        min_size=1,
        max_size=6,
    ),
    st.text("abABxyz -.,", max_size=60),
    st.booleans(),
)
def test_applying_the_output_again_changes_nothing_new(pairs, text, boundaries):
    # Corrections are written in letters no original uses, so none is itself an original.
    pairs = [(o, c or o) for o, c in pairs]
    m = matcher(pairs, word_boundaries=boundaries)
    once, _ = m.apply(text)
    twice, again = m.apply(once)
    assert twice == once
    assert all(match.canonical for match in again)


scripts = st.sampled_from(
    [
        ("zh", "种值体牙冠根管植", False),
        ("hi", "दांतोइम्प्लेनक", True),
        ("ar", "زرعةهالو", True),
    ]
)


@given(st.data())
def test_non_latin_scripts_follow_the_same_rules(data):
    _, letters, boundaries = data.draw(scripts)
    pairs = data.draw(st.lists(st.tuples(terms(letters), terms(letters)), min_size=1, max_size=5))
    text = data.draw(st.text(letters + " ،。,", max_size=40))
    found = matcher(pairs, word_boundaries=boundaries).find(text)
    assert spans(found) == reference_find(pairs, text, boundaries)
    new_text, _ = matcher(pairs, word_boundaries=boundaries).apply(text)
    if not found:
        assert new_text == text


# --- layering changes over a built matcher (what keeps edits cheap at 100,000 entries) ---

WORDS = ["implane", "crwn", "veneer", "ceramic crown", "straße", "STRASSE", "root canal", "root"]


@given(
    st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(["a", "b", "Implant"])), max_size=6),
    st.lists(
        st.tuples(
            st.integers(0, 9),
            st.one_of(st.none(), st.tuples(st.sampled_from(WORDS), st.sampled_from(["x", "y"]))),
        ),
        max_size=8,
    ),
    st.lists(st.sampled_from([*WORDS, "a", "Root", "canal", "x"]), max_size=12),
)
def test_a_matcher_with_changes_finds_what_a_fresh_build_finds(base_pairs, edits, words):
    entries: dict[int, tuple[str, str]] = {}
    for index, pair in enumerate(base_pairs):
        if all(fold_key(pair[0]) != fold_key(o) for o, _ in entries.values()):
            entries[index] = pair
    built = Matcher([Term(i, o, c) for i, (o, c) in entries.items()])
    layered = built
    for entry_id, change in edits:
        # The services refuse two entries that fold alike: so do these edits.
        if change is not None and any(
            fold_key(change[0]) == fold_key(o) for i, (o, _) in entries.items() if i != entry_id
        ):
            continue
        if change is None:
            entries.pop(entry_id, None)
        else:
            entries[entry_id] = change
        layered = layered.with_changes(
            {entry_id: None if change is None else Term(entry_id, *change)}
        )
    fresh = Matcher([Term(i, o, c) for i, (o, c) in entries.items()])
    text = " ".join(words)
    assert layered.apply(text) == fresh.apply(text)
    assert len(layered) == len(fresh)
    assert layered._base is built  # the built automaton was reused, not rebuilt


def fold_key(term: str) -> str:
    return term.casefold()


# --- a built matcher written to a file and read back (what keeps a new process quick) ------


def dumped_and_loaded(built: Matcher) -> Matcher:
    buffer = io.BytesIO()
    built.dump(buffer)
    buffer.seek(0)
    return Matcher.load(buffer)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.sampled_from([*WORDS, "ﬁle", "İzmir", "ß", "a.b"]), st.sampled_from(WORDS)),
        max_size=8,
    ),
    st.booleans(),
    st.booleans(),
    st.lists(st.sampled_from([*WORDS, "a", "FILE", "izmir", "x", "ss", "A.B"]), max_size=12),
)
def test_a_matcher_read_from_its_file_finds_what_the_built_one_finds(
    pairs, string_ids, boundaries, words
):
    built = Matcher(
        [Term(f"id-{i}" if string_ids else i, o, c) for i, (o, c) in enumerate(pairs)],
        word_boundaries=boundaries,
    )
    loaded = dumped_and_loaded(built)
    text = " ".join(words)
    assert loaded.apply(text) == built.apply(text)
    assert len(loaded) == len(built) and loaded.terms == built.terms
    # Edits layer over a loaded matcher as over a built one.
    change = {next(iter(built.terms)).entry_id: None} if built.terms else {}
    change["new"] = Term("new", "x", "y")
    assert loaded.with_changes(change).apply(text) == built.with_changes(change).apply(text)


def test_a_matcher_file_holds_data_only_and_anything_else_is_refused():
    class Payload:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    for data in (b"", b"not a pickle", pickle.dumps(Payload()), pickle.dumps((99, True))):
        with pytest.raises(ValueError):
            Matcher.load(io.BytesIO(data))
    layered = matcher(SEED).with_changes({0: None})
    with pytest.raises(ValueError):
        layered.dump(io.BytesIO())
