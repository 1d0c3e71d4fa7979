"""Joining piece transcripts: property tests on synthetic segment lists."""

from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.transcription.base import normalize_segments
from integrations.transcription.join import PieceTranscript, join_pieces

times = st.floats(min_value=-2.0, max_value=700.0, allow_nan=False, allow_infinity=False)


@st.composite
def segment_lists(draw):
    """What a vendor might send for one piece: times in any order, sometimes past the
    piece's end or below zero, words inside or outside their segment."""
    segments = []
    for _ in range(draw(st.integers(0, 6))):
        words = [
            {"word": draw(st.from_regex(r"[a-z]{1,8}", fullmatch=True)), "start": s, "end": e}
            for s, e in draw(st.lists(st.tuples(times, times), max_size=6))
        ]
        segments.append(
            {
                "id": draw(st.integers(0, 99)),
                "start": draw(times),
                "end": draw(times),
                "text": " ".join(w["word"] for w in words) or "uh",
                "words": words,
            }
        )
    return segments


@st.composite
def pieces(draw):
    durations = draw(st.lists(st.floats(min_value=0.5, max_value=600.0), min_size=1, max_size=6))
    out, offset = [], 0.0
    for index, duration in enumerate(durations):
        out.append(
            PieceTranscript(
                index=index, offset=offset, duration=duration, segments=draw(segment_lists())
            )
        )
        offset += duration
    # Pieces finish in any order; the joiner must not care.
    return draw(st.permutations(out))


def all_words(segments):
    return [w["word"] for seg in segments for w in seg["words"]]


@settings(database=None)
@given(pieces())
def test_joined_ids_run_0_to_n_and_no_segment_or_word_is_lost_or_repeated(parts):
    joined = join_pieces(parts)
    in_order = sorted(parts, key=lambda p: p.offset)
    assert [s["id"] for s in joined] == list(range(len(joined)))
    assert len(joined) == sum(len(p.segments) for p in parts)
    assert all_words(joined) == [w for p in in_order for w in all_words(p.segments)]
    assert [s["text"] for s in joined] == [s["text"] for p in in_order for s in p.segments]


@settings(database=None)
@given(pieces())
def test_joined_times_are_offset_into_their_piece_and_never_go_backwards(parts):
    joined = join_pieces(parts)
    in_order = sorted(parts, key=lambda p: p.offset)
    owners = [p for p in in_order for _ in p.segments]
    for seg, piece in zip(joined, owners, strict=True):
        low, high = round(piece.offset, 3), round(piece.offset + piece.duration, 3)
        assert low <= seg["start"] <= seg["end"] <= high
        for word in seg["words"]:
            assert low <= word["start"] <= word["end"] <= high
    starts = [s["start"] for s in joined]
    assert starts == sorted(starts)
    word_starts = [w["start"] for s in joined for w in s["words"]]
    assert word_starts == sorted(word_starts)


@settings(database=None)
@given(pieces())
def test_a_well_behaved_transcript_keeps_its_exact_times(parts):
    """When the vendor's times are sane, joining only adds the offset."""
    sane = []
    for piece in parts:
        segments, at = [], 0.0
        for seg in piece.segments:
            words = []
            for w in seg["words"]:
                at = min(at + 0.25, piece.duration)
                words.append({"word": w["word"], "start": at, "end": at})
            segments.append(
                {**seg, "start": words[0]["start"] if words else at, "end": at, "words": words}
            )
        sane.append(PieceTranscript(piece.index, piece.offset, piece.duration, segments=segments))
    joined = join_pieces(sane)
    expected = [
        round(p.offset + w["start"], 3)
        for p in sorted(sane, key=lambda p: p.offset)
        for s in p.segments
        for w in s["words"]
    ]
    assert [w["start"] for s in joined for w in s["words"]] == expected


@settings(database=None)
@given(segment_lists())
def test_normalised_engine_output_is_seed_shaped(segments):
    out = normalize_segments(segments)
    assert [s["id"] for s in out] == list(range(len(out)))
    assert all(s["text"] and s["text"] == s["text"].strip() for s in out)
    assert all(0 <= s["start"] <= s["end"] for s in out)
    assert [s["start"] for s in out] == sorted(s["start"] for s in out)
    words = [w for s in out for w in s["words"]]
    assert all(0 <= w["start"] <= w["end"] for w in words)
    assert [w["start"] for w in words] == sorted(w["start"] for w in words)
    assert all_words(out) == all_words(segments)  # no word dropped or invented


def test_a_join_at_a_seam_shifts_the_second_piece():
    first = PieceTranscript(
        0,
        0.0,
        10.0,
        [
            {
                "id": 0,
                "start": 1,
                "end": 2,
                "text": "a",
                "words": [{"word": "a", "start": 1, "end": 2}],
            }
        ],
    )
    second = PieceTranscript(
        1,
        10.0,
        5.0,
        [
            {
                "id": 0,
                "start": 0.5,
                "end": 7.0,
                "text": "b c",
                "words": [
                    {"word": "b", "start": 0.5, "end": 1.0},
                    {"word": "c", "start": 4.0, "end": 6.0},  # stamped past the piece's end
                ],
            }
        ],
    )
    joined = join_pieces([second, first])
    assert [(s["id"], s["start"], s["end"]) for s in joined] == [(0, 1.0, 2.0), (1, 10.5, 15.0)]
    assert joined[1]["words"] == [
        {"word": "b", "start": 10.5, "end": 11.0},
        {"word": "c", "start": 14.0, "end": 15.0},
    ]


def test_word_confidence_survives_normalising_and_joining():
    raw = [
        {
            "id": 0,
            "start": 0.2,
            "end": 1.5,
            "text": "periapical radiograph",
            "words": [
                {"word": " periapical", "start": 0.2, "end": 0.8, "probability": 0.32},
                {"word": "radiograph", "start": 0.8, "end": 1.5},  # an engine gave none
            ],
        }
    ]
    (segment,) = normalize_segments(raw)
    assert segment["words"] == [
        {"word": "periapical", "start": 0.2, "end": 0.8, "probability": 0.32},
        {"word": "radiograph", "start": 0.8, "end": 1.5},
    ]
    joined = join_pieces([PieceTranscript(0, 0.0, 5.0), PieceTranscript(1, 5.0, 5.0, [segment])])
    assert joined[0]["words"][0] == {
        "word": "periapical",
        "start": 5.2,
        "end": 5.8,
        "probability": 0.32,
    }
    assert "probability" not in joined[0]["words"][1]
