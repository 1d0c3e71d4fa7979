"""Exports of any version, read back with the same libraries a user's tools would use."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
import srt
import webvtt
from django.core.exceptions import ValidationError
from django.urls import reverse
from docx import Document

from documents.exports import ExportSource, export_document
from documents.services import document_save_version
from transcripts.document import TRANSCRIPT_DOCUMENT
from transcripts.tests.test_editor_helpers import SEGMENTS, make_transcription, timed_json

pytestmark = pytest.mark.django_db


@pytest.fixture
def transcription(editor):
    transcription = make_transcription(editor)
    document_save_version(
        doc=TRANSCRIPT_DOCUMENT,
        parent=transcription,
        user=editor,
        based_on_version_number=0,
        segments_text={2: "The implant is placed after the extraction heals."},
    )
    return transcription


def download(client, transcription, fmt, version=None):
    query = f"?format={fmt}" + (f"&version={version}" if version is not None else "")
    response = client.get(reverse("transcripts:export", args=[transcription.pk]) + query)
    assert response.status_code == 200, response.content[:200]
    return response


def test_txt_of_the_latest_and_of_t1(editor_client, transcription):
    latest = download(editor_client, transcription, "txt")
    assert latest["Content-Type"] == "text/plain; charset=utf-8"
    assert latest["Content-Disposition"] == 'attachment; filename="dr-soto-endo-101-H-1.txt"'
    assert latest.content.decode().splitlines()[2] == (
        "The implant is placed after the extraction heals."
    )
    t1 = download(editor_client, transcription, "txt", version=0)
    assert t1.content.decode().splitlines() == [text for _, _, text in SEGMENTS]
    assert "T-1.txt" in t1["Content-Disposition"]


def test_srt_cues_keep_the_segments_times_and_the_minimum_gap(editor_client, transcription):
    # Short segments are one cue each; a cue ends 2 frames (83 ms) before the next one.
    cues = list(srt.parse(download(editor_client, transcription, "srt").content.decode()))
    assert [(c.index, c.start, c.end) for c in cues[:2]] == [
        (1, timedelta(0), timedelta(seconds=3.917)),
        (2, timedelta(seconds=4), timedelta(seconds=8.917)),
    ]
    # 49 characters: two balanced lines of at most 42.
    assert cues[2].content == "The implant is placed\nafter the extraction heals."
    assert cues[-1].end == timedelta(seconds=19)


def test_webvtt_names_the_speaker_and_escapes_markup(editor_client, editor):
    transcription = make_transcription(
        editor, [(0.0, 2.5, "Use <2 mm & keep it dry."), (3600.0, 3602.0, "An hour in.")]
    )
    response = download(editor_client, transcription, "vtt")
    assert response["Content-Type"] == "text/vtt; charset=utf-8"
    body = response.content.decode()
    assert body.startswith("WEBVTT")
    assert "<v Dr. Soto>Use &lt;2 mm &amp; keep it dry." in body
    captions = webvtt.from_buffer(io.StringIO(body)).captions
    assert [(c.start, c.end) for c in captions] == [
        ("00:00:00.000", "00:00:02.500"),
        ("01:00:00.000", "01:00:02.000"),
    ]
    assert captions[0].voice == "Dr. Soto"


def test_docx_has_timestamps_and_the_speaker(editor_client, transcription):
    response = download(editor_client, transcription, "docx")
    document = Document(io.BytesIO(response.content))
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[0] == "dr-soto-endo-101.wav"
    assert "Version H-1 · Speaker: Dr. Soto" in paragraphs
    assert "[00:09] Dr. Soto: The implant is placed after the extraction heals." in paragraphs
    assert document.core_properties.title == "dr-soto-endo-101.wav (H-1)"


def test_json_is_the_timed_version_with_its_label(editor_client, transcription):
    data = json.loads(download(editor_client, transcription, "json", version=1).content)
    assert data["metadata"]["version_type"] == "H-1"
    assert data["metadata"]["speaker"] == "Dr. Soto"
    assert data["metadata"]["source"] == "whisper"
    # A human version says so; the engine named is the one behind the T-1 it started from.
    assert data["metadata"]["produced_by"] == "human"
    assert data["metadata"]["version_explained"].startswith("H-1: the 1st human version")
    machine = json.loads(download(editor_client, transcription, "json", version=0).content)
    assert machine["metadata"]["produced_by"] == "machine"
    assert machine["metadata"]["version_explained"].startswith("T-1: the machine transcript")
    assert data["segments"][2]["text"] == "The implant is placed after the extraction heals."
    assert data["segments"][2]["words"][1]["word"] == "implant"
    assert data["text"].splitlines()[2] == data["segments"][2]["text"]


def test_unknown_formats_and_versions_are_not_found(editor_client, transcription):
    url = reverse("transcripts:export", args=[transcription.pk])
    assert editor_client.get(url + "?format=pdf").status_code == 404
    assert editor_client.get(url + "?format=txt&version=7").status_code == 404


def test_untimed_documents_export_text_but_not_subtitles():
    source = ExportSource(
        title="Traducción", label="T-1-es", text="Hola\nAdiós", json=None, speaker="Dr. Soto"
    )
    body, fmt = export_document(source, "txt")
    assert body.decode() == "Hola\nAdiós\n" and fmt.extension == "txt"
    with pytest.raises(ValidationError, match="no timings"):
        export_document(source, "srt")
    data = json.loads(export_document(source, "json")[0])
    assert [s["text"] for s in data["segments"]] == ["Hola", "Adiós"]


def test_empty_segments_are_left_out_of_subtitles():
    source = ExportSource(
        title="t",
        label="H-1",
        text="A\n\nC",
        json=timed_json([(0, 1, "A"), (1, 2, ""), (2, 3, "C")]),
        speaker="Dr. Soto",
    )
    cues = list(srt.parse(export_document(source, "srt")[0].decode()))
    assert [c.content for c in cues] == ["A", "C"]


def test_the_caption_check_counts_each_rule_and_links_every_cue_that_breaks_one(
    editor_client, editor
):
    # 150 characters in 3 s: no cue can be read at 17 characters a second.
    fast = (
        "Then we irrigate with sodium hypochlorite, dry the canal with paper points, and "
        "obturate with gutta-percha and sealer before the temporary restoration goes in."
    )
    transcription = make_transcription(
        editor,
        [
            (0.0, 4.0, "Welcome to the course on endodontics."),
            (60.0, 63.0, fast),
            (63.0, 66.0, "Questions?"),
        ],
    )
    url = reverse("transcripts:captions", args=[transcription.pk])
    page = editor_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Caption check of T-1" in html
    rules = {row["key"]: row for row in page.context["rules"]}
    cues = page.context["cue_count"]
    assert cues >= 4 and rules["line_length"]["met"] == cues
    assert rules["reading_speed"]["broken"] == cues - 2
    # Each cue that breaks a rule: its time and a link to its segment in the editor.
    editor_url = reverse("transcripts:editor", args=[transcription.pk])
    assert "<time>01:00.000</time>" in html
    assert f'href="{editor_url}?t=60.00#t=60.00">Segment 2' in html
    assert "Reading speed" in html
    # The same cues are in the SRT, none cut.
    subs = list(srt.parse(download(editor_client, transcription, "srt").content.decode()))
    assert len(subs) == cues
    assert " ".join(" ".join(s.content.split()) for s in subs[1:-1]) == fast
    assert editor_client.get(url + "?version=9").status_code == 404
