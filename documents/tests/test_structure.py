"""Structure edits from two editors at once (DESIGN.md "Speakers and segments"): property tests
generate splits, merges, speaker changes and text edits by two editors on the same version;
the second save lands on the first. Whatever is accepted loses nothing either side did, every
word keeps a time inside its segment, and segment ids stay unique; a refusal happens only
when both touched the same segment."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from documents.realign import realign_segment
from documents.structure import (
    apply_operations,
    apply_replacements,
    changed_ids,
    drop_segments,
    merge_structured,
    outline_of,
    parse_operations,
    segment_speaker,
    split_segment,
    timed_result,
)

VOCAB = [f"w{n}" for n in range(40)]


@st.composite
def document(draw):
    segments = []
    t = 0.0
    for i in range(draw(st.integers(2, 7))):
        words = []
        start = t
        for _ in range(draw(st.integers(1, 6))):
            length = draw(st.sampled_from([0.1, 0.25, 0.4]))
            words.append(
                {
                    "word": draw(st.sampled_from(VOCAB)),
                    "start": round(t, 3),
                    "end": round(t + length, 3),
                }
            )
            t += length + draw(st.sampled_from([0.0, 0.05]))
        text = " ".join(w["word"] for w in words)
        segments.append(
            {"id": i, "start": round(start, 3), "end": round(t, 3), "text": text, "words": words}
        )
        t += 0.3
    return {"segments": segments, "metadata": {}}


@st.composite
def edits_on(draw, data, tag):
    """One editor's session: structure operations, then text edits by position."""
    outline = outline_of(data, [s["text"] for s in data["segments"]])
    ops: list[dict] = []
    for _ in range(draw(st.integers(0, 4))):
        current = apply_operations(outline, ops).outline
        n = len(current.ids)
        kind = draw(st.sampled_from(["split", "merge", "speaker", "rename"]))
        i = draw(st.integers(0, n - 1))
        words = current.texts[i].split()
        if kind == "split" and len(words) >= 2:
            k = draw(st.integers(1, len(words) - 1))
            # As the editor page does: the new part's id is the next free one it knows.
            ops.append(
                {
                    "operation": "split",
                    "segment": current.ids[i],
                    "new_segment": current.next_id,
                    "left": " ".join(words[:k]),
                    "right": " ".join(words[k:]),
                }
            )
        elif kind == "merge" and i + 1 < n:
            ops.append(
                {"operation": "merge", "segment": current.ids[i], "next": current.ids[i + 1]}
            )
        elif kind == "speaker":
            label = draw(st.sampled_from(["S1", "S2"]))
            if label != "S1" and label not in current.names:
                ops.append({"operation": "rename", "speaker": label, "name": f"Guest {tag}"})
            ops.append({"operation": "speaker", "segment": current.ids[i], "speaker": label})
        elif kind == "rename":
            ops.append({"operation": "rename", "speaker": "S1", "name": f"Host {tag}"})
    result = apply_operations(outline, ops).outline
    edits = {}
    for position in draw(st.sets(st.integers(0, len(result.ids) - 1), max_size=2)):
        words = result.texts[position].split()
        k = draw(st.integers(0, len(words) - 1))
        words[k] = f"{tag}{k}"
        edits[position] = " ".join(words)
    return parse_operations(ops), edits


def save(data, base_data, ops, edits):
    """What the service does: merge onto `data`, then build the timed JSON."""
    texts = [s["text"] for s in data["segments"]]
    latest = outline_of(data, texts)
    base = outline_of(base_data, [s["text"] for s in base_data["segments"]])
    merged = merge_structured(base if base_data is not data else latest, latest, ops, edits)
    if merged.conflicts:
        return merged, None
    replacements = timed_result(
        len(latest.ids),
        merged.operations,
        merged.texts_by_id,
        latest.ids,
        lambda positions: {k: data["segments"][k] for k in positions},
        realign_segment,
    )
    new = {
        **data,
        "speakers": merged.outline.names,
        "next_segment_id": merged.outline.next_id,
        "segments": apply_replacements(data["segments"], replacements),
    }
    return merged, new


def assert_sound(data, outline):
    segments = data["segments"]
    assert [s["text"] for s in segments] == outline.texts
    assert [s["id"] for s in segments] == outline.ids
    assert len(set(outline.ids)) == len(outline.ids)
    assert [segment_speaker(s) for s in segments] == outline.speakers
    for seg in segments:
        assert [w["word"] for w in seg["words"]] == seg["text"].split()
        assert seg["start"] <= seg["end"]
        for w in seg["words"]:
            assert seg["start"] - 1e-6 <= w["start"] <= w["end"] <= seg["end"] + 1e-6, seg


@given(st.data())
def test_two_editors_structure_and_text_edits_merge_without_loss(data_strategy):
    base = data_strategy.draw(document())
    ops_a, edits_a = data_strategy.draw(edits_on(base, "A"))
    ops_b, edits_b = data_strategy.draw(edits_on(base, "B"))

    merged_a, after_a = save(base, base, ops_a, edits_a)
    assert after_a is not None  # nobody saved in between: always accepted
    assert_sound(after_a, merged_a.outline)

    merged_b, after_b = save(after_a, base, ops_b, edits_b)
    base_outline = outline_of(base, [s["text"] for s in base["segments"]])
    touched_a = changed_ids(base_outline, merged_a.outline)
    mine_b = apply_operations(base_outline, ops_b)
    touched_b = set(mine_b.touched) | {
        mine_b.outline.ids[p] for p in edits_b if mine_b.outline.ids[p] in set(base_outline.ids)
    }
    if after_b is None:
        # Refused only over a segment both touched (or a speaker both renamed).
        assert touched_a & touched_b or any(c.speaker for c in merged_b.conflicts)
        return
    assert_sound(after_b, merged_b.outline)
    final = dict(zip(merged_b.outline.ids, merged_b.outline.texts, strict=True))
    final_speakers = dict(zip(merged_b.outline.ids, merged_b.outline.speakers, strict=True))
    # Nothing A saved is lost where B did not touch it (B's text edit of a segment A split
    # lands in the parts its words went to).
    split_from = {op["new_segment"]: op["segment"] for op in merged_a.operations if "left" in op}
    for i, text, speaker in zip(
        merged_a.outline.ids, merged_a.outline.texts, merged_a.outline.speakers, strict=True
    ):
        origin = i
        while origin in split_from:
            origin = split_from[origin]
        origin_b = {i, origin} & touched_b
        if not origin_b and i in final:
            assert final[i] == text and final_speakers[i] == speaker
        if i not in touched_b:
            assert i in final  # only B's own merge could remove it
    # Every B edit of a segment A did not touch is in.
    for position, text in edits_b.items():
        segment_id = mine_b.outline.ids[position]
        if segment_id in touched_a:
            continue
        target = merged_b.texts_by_id.get(segment_id)
        landed = [t for t in final.values() if t == " ".join(text.split())]
        assert target is not None or landed


def test_a_split_cuts_between_words_and_keeps_the_outer_edges():
    segment = {
        "id": 3,
        "start": 1.0,
        "end": 4.0,
        "text": "a b c",
        "words": [
            {"word": "a", "start": 1.2, "end": 1.5},
            {"word": "b", "start": 2.0, "end": 2.4},
            {"word": "c", "start": 3.0, "end": 3.5},
        ],
    }
    left, right = split_segment(segment, 9, "a b", "c")
    assert (left["start"], left["end"], left["id"]) == (1.0, 2.4, 3)
    assert (right["start"], right["end"], right["id"]) == (3.0, 4.0, 9)


def test_operations_are_refused_with_a_message():
    with pytest.raises(ValidationError, match="both sides"):
        parse_operations(
            [{"operation": "split", "segment": 1, "new_segment": 2, "left": "a", "right": " "}]
        )
    renamed = parse_operations([{"operation": "rename", "speaker": "S2", "name": "Dr.\x07 Lee\n"}])
    assert renamed[0]["name"] == "Dr. Lee"
    with pytest.raises(ValidationError, match="label"):
        parse_operations([{"operation": "speaker", "segment": 1, "speaker": "<b>"}])
    with pytest.raises(ValidationError, match="could not be read"):
        parse_operations([{"operation": "explode"}])
    outline = outline_of(None, ["a b", "c", "d"])
    with pytest.raises(ValidationError, match="right after"):
        apply_operations(outline, [{"operation": "merge", "segment": 0, "next": 2}])


def test_resolving_as_theirs_leaves_out_only_that_segments_changes():
    base = outline_of(None, ["a b", "c d", "e f"])
    ops = parse_operations(
        [
            {"operation": "split", "segment": 0, "new_segment": 7, "left": "a", "right": "b"},
            {"operation": "merge", "segment": 1, "next": 2},
        ]
    )
    # Positions after both: [a] [b] [c d e f]; the editor typed in [b] and [c d e f].
    ops_kept, edits_kept = drop_segments(base, ops, {1: "B", 2: "c d e F"}, segments={0})
    assert [op["operation"] for op in ops_kept] == ["merge"]
    assert edits_kept == {1: "c d e F"}
