"""Writes through the editor's views that must never land where nobody sees them, nor twice:
saves to an archived transcript, repeated finalize, autosaved drafts that do not fit."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from accounts.services import set_archived
from documents import drafts
from transcripts.models import TranscriptionVersion
from transcripts.services import transcription_create_t1
from transcripts.tests.test_editor_helpers import SEGMENTS, timed_json

pytestmark = pytest.mark.django_db


def url(name, transcription):
    return reverse(f"transcripts:{name}", args=[transcription.pk])


def retranscribe(transcription, user):
    """What re-transcription does: archive the live transcript, store a new T-1."""
    set_archived(obj=transcription, archived=True, user=user)
    return transcription_create_t1(
        audio_file=transcription.audio_file,
        json_with_timestamps=timed_json(SEGMENTS),
        source="whisper",
        created_by=user,
    )


# --- an archived transcript ---------------------------------------------------------------


def test_a_save_to_an_archived_transcript_is_refused_and_links_to_the_live_one(
    editor_client, transcription, editor
):
    live = retranscribe(transcription, editor)

    response = editor_client.post(
        url("save", transcription), {"based_on": "0", "seg-0": "Welcome, all."}, follow=True
    )

    html = response.content.decode()
    assert "This transcript is archived: a newer transcript replaced it." in html
    assert f'<a href="{live.get_absolute_url()}">Open the live one</a>' in html
    assert "Saved H-1" not in html
    assert not TranscriptionVersion.objects.exists()
    # Typed text is never lost: it waits as a draft of the archived transcript.
    draft = drafts.draft_get(kind="transcript", document_id=transcription.pk, user=editor)
    assert draft is not None and draft.segments == {0: "Welcome, all."}


def test_the_scripts_save_to_an_archived_transcript_gets_a_refusal_with_the_live_url(
    editor_client, transcription, editor
):
    live = retranscribe(transcription, editor)

    response = editor_client.post(
        url("save", transcription),
        {"based_on": "0", "segments": json.dumps({"1": "Today we look at molars."})},
        HTTP_ACCEPT="application/json",
    )

    assert response.status_code == 409
    body = response.json()
    assert body["status"] == "archived" and body["live_url"] == live.get_absolute_url()
    assert "Nothing was changed here" in body["message"]
    assert "url" not in body  # the page stays open with the text typed
    assert not TranscriptionVersion.objects.exists()


def test_finalize_and_restore_of_an_archived_transcript_are_refused(
    editor_client, transcription, editor
):
    editor_client.post(url("save", transcription), {"based_on": "0", "seg-0": "Hello."})
    live = retranscribe(transcription, editor)

    for name, data in (("finalize", {}), ("restore", {"version": "0"})):
        response = editor_client.post(url(name, transcription), data, follow=True)
        html = response.content.decode()
        assert "This transcript is archived" in html, name
        assert f'href="{live.get_absolute_url()}"' in html
    transcription.refresh_from_db()
    assert transcription.final_version_id is None
    assert TranscriptionVersion.objects.count() == 1


def test_the_archived_transcripts_page_says_so_and_links_to_the_live_one(
    editor_client, transcription, editor
):
    live = retranscribe(transcription, editor)
    html = editor_client.get(transcription.get_absolute_url()).content.decode()
    assert "This transcript is archived: a newer one replaced it" in html
    assert f'<a href="{live.get_absolute_url()}">Open the live transcript</a>' in html


# --- finalize twice -------------------------------------------------------------------------


def test_finalize_pressed_again_on_the_history_pages_t1_row_creates_nothing(
    editor_client, transcription
):
    for _ in range(6):
        response = editor_client.post(url("finalize", transcription), {"version": "0"})
        assert response.status_code == 302
    assert TranscriptionVersion.objects.filter(transcription=transcription).count() == 1
    transcription.refresh_from_db()
    assert transcription.final_version.version_type == "H-1"


# --- autosaved drafts must fit the document ------------------------------------------------


def autosave(client, transcription, based_on, segments):
    return client.post(
        url("autosave", transcription),
        {"based_on": str(based_on), "segments": json.dumps(segments)},
    )


def test_a_draft_for_segments_the_document_does_not_have_is_refused(
    editor_client, transcription, editor
):
    response = autosave(editor_client, transcription, 0, {"2": "Fine.", "40": "Nowhere."})
    assert response.status_code == 400
    assert response.json()["message"] == (
        "The draft has text for segment 41, but this transcript has 4 segments. Reload the page."
    )
    assert drafts.draft_get(kind="transcript", document_id=transcription.pk, user=editor) is None


def test_a_draft_of_a_version_the_document_does_not_have_is_refused(editor_client, transcription):
    response = autosave(editor_client, transcription, 7, {"0": "Hello."})
    assert response.status_code == 400
    assert "made on version 7, which this transcript does not have" in response.json()["message"]


def test_a_huge_draft_is_refused_and_nothing_is_kept(editor_client, transcription, editor):
    """10 MB of text for one segment was accepted and kept for 30 days."""
    huge = "x" * 3_000_000
    response = autosave(editor_client, transcription, 0, {"1": huge})
    assert response.status_code == 400
    assert "Segment 2 of the draft is 3,000,000 characters long" in response.json()["message"]
    assert drafts.draft_get(kind="transcript", document_id=transcription.pk, user=editor) is None


def test_a_real_rewrite_fits_in_a_draft(editor_client, transcription, editor):
    longer = "Today we look closely at root canal treatment of the lower molars. " * 25
    response = autosave(editor_client, transcription, 0, {"1": longer})
    assert response.status_code == 200 and response.json()["status"] == "saved"
    draft = drafts.draft_get(kind="transcript", document_id=transcription.pk, user=editor)
    assert draft.segments == {1: longer.strip()}
