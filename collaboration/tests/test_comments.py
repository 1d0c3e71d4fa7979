"""Comments: threads anchored to a segment (optionally words of it) by the segment's id, so
they stay on it through later versions; replies, resolve and reopen; counted on project and
recording pages; every step in the audit trail."""

import pytest

from accounts.models import Activity
from collaboration import services
from collaboration.models import Comment
from collaboration.selectors import document_comments
from documents.services import document_save_version
from transcripts.document import TRANSCRIPT_DOCUMENT as DOC

pytestmark = pytest.mark.django_db


def _url(transcription):
    return f"/review/transcript/{transcription.pk}/comments/"


def test_a_thread_on_words_of_a_segment_survives_new_versions(transcription, editor, other_editor):
    segment_id = transcription.json_with_timestamps["segments"][1]["id"]
    first_words = transcription.json_with_timestamps["segments"][1]["text"].split()[:2]
    thread = services.comment_add(
        doc=DOC,
        parent=transcription,
        user=editor,
        body="Which tooth?",
        segment_index=1,
        version_number=0,
        word_start=0,
        word_end=2,
    )
    assert (thread.segment_id, thread.quote, thread.version_label) == (
        segment_id,
        " ".join(first_words),
        "T-1",
    )
    services.comment_add(
        doc=DOC, parent=transcription, user=other_editor, body="Tooth 36.", reply_to=thread
    )
    document_save_version(
        doc=DOC,
        parent=transcription,
        user=editor,
        based_on_version_number=0,
        segments_text={0: "A new first line.", 1: "Tooth thirty-six it is."},
    )
    (shown,) = document_comments(doc=DOC, parent=transcription)
    assert shown["segment_index"] == 1 and shown["segment_id"] == segment_id
    assert [r["body"] for r in shown["replies"]] == ["Tooth 36."]

    services.comment_resolve(
        doc=DOC, parent=transcription, user=other_editor, comment=thread, resolved=True
    )
    (shown,) = document_comments(doc=DOC, parent=transcription)
    assert shown["resolved"] and shown["resolved_by"] == other_editor.get_full_name()
    # A reply to a resolved thread reopens it.
    services.comment_add(
        doc=DOC, parent=transcription, user=editor, body="Not quite.", reply_to=thread
    )
    thread.refresh_from_db()
    assert thread.resolved_at is None
    actions = list(
        Activity.objects.filter(action__startswith="comment.")
        .order_by("created_at")
        .values_list("action", flat=True)
    )
    assert actions == ["comment.add", "comment.reply", "comment.resolve", "comment.reply"]


def test_the_page_endpoint_adds_resolves_and_refuses_bad_input(editor_client, transcription):
    url = _url(transcription)
    response = editor_client.post(url, {"body": "Check the name", "segment": "2", "version": "0"})
    assert response.status_code == 200
    (thread,) = response.json()["threads"]
    assert thread["segment_index"] == 2 and thread["author"] == "Erin Editor"
    response = editor_client.post(url, {"comment": thread["id"], "resolved": "1"})
    assert response.json()["threads"][0]["resolved"] is True
    again = editor_client.post(url, {"comment": thread["id"], "resolved": "1"})  # double click
    assert again.status_code == 200
    assert Activity.objects.filter(action="comment.resolve").count() == 1
    for data, message in (
        ({"body": "  ", "segment": "0"}, "Write the comment"),
        ({"body": "x", "segment": "99"}, "no segment 100"),
        ({"body": "x", "segment": "one"}, "not a number"),
        ({"body": "x", "segment": "0", "word_start": "3", "word_end": "1"}, "not in that segment"),
        ({"body": "x", "segment": "0", "word_start": "0"}, "first and last word"),
        ({"body": "x", "reply_to": "00000000-0000-0000-0000-000000000000"}, "could not be found"),
        ({"body": "x" * 5001, "segment": "0"}, "at most 5,000"),
        ({"body": "x", "segment": "0", "version": "42"}, ""),
    ):
        response = editor_client.post(url, data)
        assert response.status_code == 400, data
        assert message in response.json()["message"]
    assert Comment.objects.count() == 1
    assert editor_client.get(f"/review/notakind/{transcription.pk}/comments/").status_code == 404
    type(transcription).objects.filter(pk=transcription.pk).update(archived=True)
    response = editor_client.post(url, {"body": "Late", "segment": "0"})
    assert response.status_code == 400 and "archived" in response.json()["message"]


def test_comments_need_a_signed_in_user(client, transcription):
    response = client.get(_url(transcription))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_counted_on_the_project_and_recording_pages(editor_client, transcription, editor):
    for i in range(2):
        services.comment_add(
            doc=DOC, parent=transcription, user=editor, body=f"Note {i}", segment_index=i
        )
    thread = Comment.objects.order_by("created_at").first()
    services.comment_resolve(
        doc=DOC, parent=transcription, user=editor, comment=thread, resolved=True
    )
    audio = transcription.audio_file
    project_page = editor_client.get(audio.project.get_absolute_url()).content.decode()
    assert "1 open comment (2 in all)" in project_page
    assert "1 open comment</span>" in project_page
    recording_page = editor_client.get(audio.get_absolute_url()).content.decode()
    assert "1 open, 2 in all" in recording_page


def test_a_thread_on_a_segment_merged_into_its_neighbour_moves_with_its_words(
    transcription, editor
):
    segments = transcription.json_with_timestamps["segments"]
    first, second = segments[1]["id"], segments[2]["id"]
    services.comment_add(
        doc=DOC, parent=transcription, user=editor, body="On the second", segment_index=2
    )
    document_save_version(
        doc=DOC,
        parent=transcription,
        user=editor,
        based_on_version_number=0,
        segments_text={},
        structure=[{"operation": "merge", "segment": first, "next": second}],
    )
    (shown,) = document_comments(doc=DOC, parent=transcription)
    assert shown["segment_id"] == second  # anchored where it was written
    assert shown["segment_index"] == 1  # shown on the segment that holds those words now


def test_a_thread_on_words_split_off_its_segment_moves_with_them(transcription, editor):
    """Split before the quoted words: the thread shows on the new segment that holds them,
    on the same words."""
    segment = transcription.json_with_timestamps["segments"][1]
    words = segment["text"].split()  # Today we look at root canal treatment of molars.
    services.comment_add(
        doc=DOC,
        parent=transcription,
        user=editor,
        body="Which canal?",
        segment_index=1,
        version_number=0,
        word_start=4,
        word_end=6,
    )
    document_save_version(
        doc=DOC,
        parent=transcription,
        user=editor,
        based_on_version_number=0,
        segments_text={},
        structure=[
            {
                "operation": "split",
                "segment": segment["id"],
                "new_segment": 99,
                "left": " ".join(words[:4]),
                "right": " ".join(words[4:]),
            }
        ],
    )
    (shown,) = document_comments(doc=DOC, parent=transcription)
    assert (shown["segment_index"], shown["word_start"], shown["word_end"]) == (2, 0, 2)
    assert shown["quote"] == "root canal"
