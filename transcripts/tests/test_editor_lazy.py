"""A long document's editor page carries its first segments in full and the rest as an
outline; /segments/ serves the rest from the version the page opened."""

from __future__ import annotations

import pytest
from django.test import Client

from documents.services import document_save_version
from transcripts.document import TRANSCRIPT_DOCUMENT
from transcripts.tests.test_editor import editor_data, url
from transcripts.tests.test_editor_helpers import generated_segments, make_transcription

pytestmark = pytest.mark.django_db


def save(transcription, user, based_on, segments):
    document_save_version(
        doc=TRANSCRIPT_DOCUMENT,
        parent=transcription,
        user=user,
        based_on_version_number=based_on,
        segments_text=segments,
    )


def test_a_long_document_opens_with_its_first_segments_and_fetches_the_rest_pinned(
    editor_client, editor, settings
):
    settings.EDITOR_LAZY_ABOVE = 50
    settings.EDITOR_FIRST_SEGMENTS = 20
    settings.EDITOR_CHUNK_SEGMENTS = 25
    segments = generated_segments(words=1200)  # 120 segments
    transcription = make_transcription(editor, segments)
    save(transcription, editor, 0, {100: "A sentence far down the lecture."})

    data = editor_data(editor_client.get(transcription.get_absolute_url()))
    assert len(data["segments"]) == 120
    assert all(len(seg) >= 5 for seg in data["segments"][:20])
    start, end, _ = segments[50]
    assert data["segments"][50] == [start, end, len(segments[50][2])]
    assert data["lazy"]["chunk"] == 25 and data["lazy"]["url"].endswith("?version=1")

    # A search hit's moment (?t=) comes with its segments.
    at = editor_data(editor_client.get(url("editor", transcription, t=segments[90][0] + 1)))
    assert len(at["segments"][90]) >= 5 and len(at["segments"][50]) == 3

    chunk = editor_client.get(f"{data['lazy']['url']}&from=90&to=110").json()
    assert chunk["from"] == 90 and len(chunk["segments"]) == 20
    assert chunk["segments"][10][2] == "A sentence far down the lecture."
    assert len(chunk["segments"][10][3]) == 6  # word starts
    assert chunk["source"] is None

    # Someone saves meanwhile: the page's chunks still come from the version it opened.
    save(transcription, editor, 1, {100: "Someone else's newer sentence."})
    again = editor_client.get(f"{data['lazy']['url']}&from=100&to=101").json()
    assert again["segments"][0][2] == "A sentence far down the lecture."
    tail = editor_client.get(f"{data['lazy']['url']}&from=110&to=135").json()
    assert tail["from"] == 110 and len(tail["segments"]) == 10  # up to the last one

    base = url("segments", transcription)
    for query in ("?version=1&from=0", "?version=9&from=0&to=5", "?version=1&from=9&to=2"):
        response = editor_client.get(base + query)
        assert response.status_code == 400 and response.json()["message"]
    assert Client().get(f"{base}?version=1&from=0&to=5").status_code == 302  # login first


def test_a_short_document_carries_every_segment(editor_client, editor, settings):
    settings.EDITOR_LAZY_ABOVE = 200
    transcription = make_transcription(editor, generated_segments(words=1200))
    data = editor_data(editor_client.get(transcription.get_absolute_url()))
    assert data["lazy"] is None
    assert all(len(seg) >= 5 for seg in data["segments"])
