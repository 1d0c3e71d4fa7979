"""Version storage (DESIGN.md "Version storage"): only the newest version keeps its whole timed
JSON; each older one keeps a reverse delta and is rebuilt exactly for history, diff, restore
and export. The seed's "Get Latest Version" query still returns the whole text and timings."""

from __future__ import annotations

import contextlib
import copy
import json

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from documents.deltas import delta_apply, delta_between, layout_of
from documents.exports import ExportSource, export_document
from documents.selectors import document_diff, document_outline, document_snapshot
from documents.services import SaveConflict, document_restore_version, document_save_version
from documents.structure import outline_of
from tests.factories import TranscriptionFactory, UserFactory
from transcripts.document import TRANSCRIPT_DOCUMENT
from transcripts.models import TranscriptionVersion

pytestmark = pytest.mark.django_db
DOC = TRANSCRIPT_DOCUMENT

GET_LATEST_VERSION = """
SELECT 
  COALESCE(tv.edited_text, t.raw_text) as latest_text,
  COALESCE(tv.json_with_timestamps, t.json_with_timestamps) as timestamps,
  tv.version_number,
  tv.version_type
FROM transcriptions t
LEFT JOIN transcription_versions tv 
  ON t.id = tv.transcription_id
WHERE t.audio_file_id = %s
ORDER BY tv.version_number DESC NULLS LAST
LIMIT 1;
"""  # noqa: W291 (the seed's text, trailing spaces and all)


step = st.one_of(
    st.tuples(st.just("edit"), st.integers(0, 50), st.sampled_from(["crown", "molar", ""])),
    st.tuples(st.just("split"), st.integers(0, 50), st.integers(1, 4)),
    st.tuples(st.just("merge"), st.integers(0, 50), st.just(0)),
    st.tuples(st.just("speaker"), st.integers(0, 50), st.sampled_from(["S1", "S2"])),
    st.tuples(st.just("restore"), st.integers(0, 50), st.just(0)),
    st.tuples(st.just("stale"), st.integers(0, 50), st.just(0)),
)


def _save(transcription, user, based_on, structure=(), edits=None):
    return document_save_version(
        doc=DOC,
        parent=transcription,
        user=user,
        based_on_version_number=based_on,
        segments_text=edits or {},
        structure=list(structure),
    )


def _apply(transcription, user, kind, at, arg):
    latest = document_snapshot(doc=DOC, parent=transcription)
    outline = outline_of(latest.json, latest.texts)
    k = at % len(latest.texts)
    words = latest.texts[k].split()
    if kind == "edit":
        _save(transcription, user, latest.number, edits={k: f"{latest.texts[k]} {arg}".strip()})
    elif kind == "split" and len(words) > 1:
        cut = 1 + arg % (len(words) - 1)
        op = {
            "operation": "split",
            "segment": outline.ids[k],
            "new_segment": outline.next_id,
            "left": " ".join(words[:cut]),
            "right": " ".join(words[cut:]),
        }
        _save(transcription, user, latest.number, [op])
    elif kind == "merge" and k + 1 < len(latest.texts):
        op = {"operation": "merge", "segment": outline.ids[k], "next": outline.ids[k + 1]}
        _save(transcription, user, latest.number, [op])
    elif kind == "speaker":
        op = {"operation": "speaker", "segment": outline.ids[k], "speaker": arg}
        _save(transcription, user, latest.number, [op])
    elif kind == "restore" and latest.number > 1:
        number = 1 + at % (latest.number - 1)
        if document_snapshot(doc=DOC, parent=transcription, version_number=number).json != (
            latest.json
        ):
            document_restore_version(
                doc=DOC, parent=transcription, user=user, version_number=number
            )
    elif kind == "stale" and latest.number > 1:
        # Saved over the version before the newest: merges with it.
        base = document_snapshot(
            doc=DOC, parent=transcription, version_number=latest.number - 1, with_json=False
        )
        j = at % len(base.texts)
        _save(transcription, user, base.number, edits={j: base.texts[j] + " checked"})


@pytest.mark.slow
@settings(max_examples=15)  # each example is a dozen saves in the database
@given(st.lists(step, min_size=3, max_size=9))
def test_every_older_version_rebuilds_exactly_after_any_edits(steps):
    user = UserFactory()
    transcription = TranscriptionFactory(created_by=user)
    _save(transcription, user, 0, edits={0: "Welcome to the lecture."})
    seen: dict[int, tuple[str, dict]] = {}

    def remember():
        latest = document_snapshot(doc=DOC, parent=transcription)
        seen[latest.number] = (latest.text, copy.deepcopy(latest.json))

    remember()
    for kind, at, arg in steps:
        # A step the editor would refuse (a conflict, an unnamed speaker) adds no version.
        with contextlib.suppress(ValidationError, SaveConflict):
            _apply(transcription, user, kind, at, arg)
        remember()

    rows = list(
        TranscriptionVersion.objects.filter(transcription=transcription).values_list(
            "version_number", "json_with_timestamps", "json_delta"
        )
    )
    newest = max(number for number, _, _ in rows)
    # Only the newest keeps its whole JSON in the table; every older one a delta.
    assert [number for number, data, _ in rows if data is not None] == [newest]
    assert all(delta is not None for number, _, delta in rows if number != newest)
    for number, (text, data) in seen.items():
        snap = document_snapshot(doc=DOC, parent=transcription, version_number=number)
        assert (snap.text, snap.json) == (text, data), number
        outline = document_outline(
            DOC,
            document_snapshot(
                doc=DOC, parent=transcription, version_number=number, with_json=False
            ),
        )[0]
        expected = outline_of(data, snap.texts)
        assert (outline.ids, outline.speakers, outline.names, outline.next_id) == (
            expected.ids,
            expected.speakers,
            expected.names,
            expected.next_id,
        )
        if number > 1:
            document_diff(doc=DOC, parent=transcription, old_number=number - 1, new_number=number)
    # Export of the oldest version is built from its rebuilt timings.
    oldest = document_snapshot(doc=DOC, parent=transcription, version_number=1)
    source = ExportSource("t", oldest.label, oldest.text, oldest.json, "Speaker", "en")
    assert (
        export_document(source, "srt")[0]
        == export_document(
            ExportSource("t", oldest.label, seen[1][0], seen[1][1], "Speaker", "en"), "srt"
        )[0]
    )
    # Restoring the oldest brings back exactly its timings.
    if seen[1][0] != seen[newest][0]:
        document_restore_version(doc=DOC, parent=transcription, user=user, version_number=1)
        restored = document_snapshot(doc=DOC, parent=transcription)
        assert (restored.text, outline_of(restored.json, restored.texts).ids) == (
            seen[1][0],
            outline_of(seen[1][1], restored.texts).ids,
        )


@given(
    st.lists(st.sampled_from(["a", "b", "c"]), max_size=6),
    st.lists(st.sampled_from(["a", "b", "c"]), max_size=6),
)
def test_a_delta_by_comparison_turns_the_newer_lines_back_into_the_older(old, new):
    old_json = {"segments": [{"text": t} for t in old], "speakers": {"S1": "A"}}
    new_json = {"segments": [{"text": t} for t in new]}
    delta = delta_between(old, old_json, new, new_json)
    assert delta_apply(new, new_json, delta) == (old, old_json)
    assert delta_apply(new, None, delta_between(old, None, new, None)) == (old, None)


def test_a_layout_names_runs_of_the_newer_items_and_the_older_ones_replaced():
    # Position 2 split in two, position 4 merged away.
    assert layout_of(6, {2: 2, 4: 0}) == [[0, 2], 2, [4, 1], 4, [5, 1]]


def test_the_seed_latest_version_query_returns_the_whole_newest_version(editor):
    transcription = TranscriptionFactory(created_by=editor)
    _save(transcription, editor, 0, edits={0: "First edit."})
    _save(transcription, editor, 1, edits={1: "Second edit."})
    latest = document_snapshot(doc=DOC, parent=transcription)
    with connection.cursor() as cursor:
        cursor.execute(GET_LATEST_VERSION, [transcription.audio_file_id])
        text, timestamps, number, label = cursor.fetchone()
    assert (text, number, label) == (latest.text, 2, "H-2")
    assert (json.loads(timestamps) if isinstance(timestamps, str) else timestamps) == latest.json


def test_a_save_leaves_the_older_version_a_small_delta(editor):
    transcription = TranscriptionFactory(created_by=editor)
    _save(transcription, editor, 0, edits={0: "First edit."})
    _save(transcription, editor, 1, edits={2: "Second edit."})
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT version_number, json_with_timestamps IS NULL, pg_column_size(json_delta) "
            "FROM transcription_versions WHERE transcription_id = %s ORDER BY version_number",
            [transcription.pk],
        )
        (_one, one_null, one_size), (_two, two_null, two_size) = cursor.fetchall()
    assert (one_null, two_null, two_size) == (True, False, None)
    assert one_size < 1_000  # the segment the save replaced and the top-level keys


def test_a_project_export_keeps_an_older_version_as_its_delta(editor):
    from projects.management.commands.export_project import serialize_row

    transcription = TranscriptionFactory(created_by=editor)
    _save(transcription, editor, 0, edits={0: "First edit."})
    _save(transcription, editor, 1, edits={2: "Second edit."})
    one, two = TranscriptionVersion.objects.filter(transcription=transcription).order_by(
        "version_number"
    )
    # Written as stored: an import gets the delta, not a rebuilt ~2 MB copy beside it.
    row = serialize_row(one)
    assert (row["json_with_timestamps"], row["json_delta"]) == (None, one.json_delta)
    assert serialize_row(two)["json_with_timestamps"] == two.json_with_timestamps


def test_an_older_version_rebuilds_when_a_save_lands_between_its_two_reads(editor, monkeypatch):
    from documents import selectors

    transcription = TranscriptionFactory(created_by=editor)
    _save(transcription, editor, 0, edits={0: "First edit."})
    _save(transcription, editor, 1, edits={1: "Second edit."})
    expected = document_snapshot(doc=DOC, parent=transcription, version_number=1).json
    # The chain as a reader found it just before another editor's save turned H-2 into a delta.
    stale = selectors._delta_chain(DOC, TranscriptionVersion.objects.get(version_number=1))
    _save(transcription, editor, 2, edits={2: "Third edit."})
    real = selectors._delta_chain
    answers = iter([stale])
    monkeypatch.setattr(
        selectors, "_delta_chain", lambda doc, version: next(answers, None) or real(doc, version)
    )
    one = TranscriptionVersion.objects.get(version_number=1)
    assert selectors.version_content(one, DOC)[1] == expected
