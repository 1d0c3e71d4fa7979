"""The editor pages through plain HTTP: what a browser without script (or the script's
fetch calls) sees. The browser itself is exercised in test_editor_browser.py."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from documents import drafts
from documents.services import document_finalize, document_save_version
from glossary.models import DictionaryEntry
from transcripts.document import TRANSCRIPT_DOCUMENT
from transcripts.models import TranscriptionVersion
from transcripts.tests.test_editor_helpers import (
    generated_segments,
    make_transcription,
)

pytestmark = pytest.mark.django_db


def url(name, transcription, **query):
    base = reverse(f"transcripts:{name}", args=[transcription.pk])
    if query:
        base += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return base


def editor_data(response) -> dict:
    match = re.search(
        r'<script id="editor-data" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert match, "the page carries the editor's data"
    return json.loads(match.group(1))


def segment_texts(response) -> list[str]:
    return [seg[2] for seg in editor_data(response)["segments"]]


# --- the page -------------------------------------------------------------------------------


def test_the_editor_opens_the_latest_version_beside_the_player(
    editor_client, transcription, editor
):
    response = editor_client.get(transcription.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    stream = reverse("media_files:stream", args=[transcription.audio_file.pk])
    assert f'<audio id="player" controls preload="metadata" src="{stream}"' in html
    assert 'src="/static/documents/js/editor.js"' in html
    data = editor_data(response)
    assert data["label"] == "T-1" and data["based_on"] == 0
    first = data["segments"][0]
    assert first[:3] == [0.0, 4.0, "Welcome to the course on endodontics."]
    assert first[3][:2] == [0.0, 0.667] and len(first[3]) == len(first[4]) == 6
    for shortcut in ("Play / pause", "Back 5 seconds", "Forward 5 seconds", "Save a new version"):
        assert shortcut in html
    assert "Find and replace" in html

    document_save_version(
        doc=TRANSCRIPT_DOCUMENT,
        parent=transcription,
        user=editor,
        based_on_version_number=0,
        segments_text={0: "Welcome to this course."},
    )
    response = editor_client.get(transcription.get_absolute_url())
    assert editor_data(response)["label"] == "H-1"
    assert segment_texts(response)[0] == "Welcome to this course."
    assert "Editing <strong data-version-label>H-1</strong>" in response.content.decode()


def test_the_page_without_script_has_a_textarea_per_segment_of_the_current_page(
    editor_client, editor, settings
):
    settings.EDITOR_PAGE_SEGMENTS = 50
    transcription = make_transcription(editor, generated_segments(words=1200))
    response = editor_client.get(transcription.get_absolute_url())
    html = response.content.decode()
    assert html.count('<textarea id="seg-') == 50
    assert 'name="seg-49"' in html and 'name="seg-50"' not in html
    assert "Segments 1–50 of 120" in html
    page3 = editor_client.get(url("editor", transcription, page=3)).content.decode()
    assert 'name="seg-100"' in page3 and 'name="seg-99"' not in page3
    assert len(editor_data(response)["segments"]) == 120  # the script gets everything


def test_editor_page_query_count_is_fixed(editor_client, editor, django_assert_max_num_queries):
    transcription = make_transcription(editor, generated_segments(words=3000))
    for n in range(5):
        document_save_version(
            doc=TRANSCRIPT_DOCUMENT,
            parent=transcription,
            user=editor,
            based_on_version_number=n,
            segments_text={n: f"Edit number {n}."},
        )
    document_finalize(doc=TRANSCRIPT_DOCUMENT, parent=transcription, user=editor, version_number=3)
    DictionaryEntry.objects.create(
        term_original="implane", term_corrected="implant", created_by=editor
    )
    # 9: one of them finds the transcript's speakers' own dictionary terms.
    with django_assert_max_num_queries(9):
        response = editor_client.get(transcription.get_absolute_url())
    assert response.status_code == 200
    assert "Final: H-3" in response.content.decode()


def test_an_unedited_t1_page_loads_the_machine_json_once(
    editor_client, transcription, django_assert_max_num_queries
):
    with django_assert_max_num_queries(9):
        assert editor_client.get(transcription.get_absolute_url()).status_code == 200


# --- saving ---------------------------------------------------------------------------------


def test_a_plain_form_post_saves_h1_and_returns_to_the_same_page(
    editor_client, transcription, editor
):
    page = url("editor", transcription, page=1)
    response = editor_client.post(
        url("save", transcription),
        {
            "based_on": "0",
            "next": page,
            "seg-0": "Welcome to the course on endodontics.",
            "seg-2": "The implant is placed after the extraction heals.",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == page
    assert "Saved H-1." in response.content.decode()
    version = TranscriptionVersion.objects.get()
    assert version.version_type == "H-1" and version.edited_by == editor
    assert segment_texts(response)[2] == "The implant is placed after the extraction heals."


def test_the_script_saves_with_json_and_gets_the_new_timings_back(editor_client, transcription):
    response = editor_client.post(
        url("save", transcription),
        {"based_on": "0", "segments": json.dumps({"2": "The implant is placed now."})},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["label"], body["version_number"]) == ("saved", "H-1", 1)
    assert body["includes_newer"] is False
    start, end, text, starts, ends = body["segments"]["2"]
    assert (start, end, text) == (9.0, 14.0, "The implant is placed now.")
    assert len(starts) == len(ends) == 5 and starts[0] == 9.0

    again = editor_client.post(
        url("save", transcription),
        {"based_on": "1", "segments": json.dumps({"2": "The implant is placed now."})},
        HTTP_ACCEPT="application/json",
    )
    assert again.json()["status"] == "unchanged"
    assert TranscriptionVersion.objects.count() == 1


def test_bad_saves_answer_with_a_message(editor_client, transcription):
    response = editor_client.post(
        url("save", transcription),
        {"based_on": "x", "segments": "{}"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400
    assert "not a number" in response.json()["message"]
    response = editor_client.post(
        url("save", transcription), {"based_on": "0", "seg-99": "x"}, follow=True
    )
    assert "There is no segment 100" in response.content.decode()
    assert not TranscriptionVersion.objects.exists()


def test_a_stale_save_merges_and_says_so(editor_client, transcription, other_editor):
    document_save_version(
        doc=TRANSCRIPT_DOCUMENT,
        parent=transcription,
        user=other_editor,
        based_on_version_number=0,
        segments_text={0: "Hello and welcome."},
    )
    response = editor_client.post(
        url("save", transcription),
        {"based_on": "0", "segments": json.dumps({"3": "Crowns need care."})},
        HTTP_ACCEPT="application/json",
    )
    body = response.json()
    assert body["label"] == "H-2" and body["includes_newer"] is True
    assert "merged" in body["message"]


# --- conflicts ------------------------------------------------------------------------------


def conflict_setup(editor_client, transcription, other_editor):
    document_save_version(
        doc=TRANSCRIPT_DOCUMENT,
        parent=transcription,
        user=other_editor,
        based_on_version_number=0,
        segments_text={3: "Zirconia crowns need a careful preparation."},
    )
    return editor_client.post(
        url("save", transcription),
        {
            "based_on": "0",
            "seg-1": "Today we look at root canals.",
            "seg-3": "Metal crowns need a careful preparation.",
        },
    )


def test_a_conflicting_save_shows_both_texts_and_keeps_the_draft(
    editor_client, transcription, editor, other_editor
):
    response = conflict_setup(editor_client, transcription, other_editor)
    assert response.status_code == 302 and response.url == url("conflict", transcription)
    assert TranscriptionVersion.objects.count() == 1

    page = editor_client.get(response.url)
    assert page.status_code == 409
    html = page.content.decode()
    assert "Not saved: someone else changed the same words." in html
    assert "Sam Second saved H-1" in html
    assert "<mark>Zirconia</mark>" in html and "<mark>Metal</mark>" in html
    assert "1 other segment you changed merges cleanly" in html
    assert "Today we look at root canals." in html  # both full texts are there
    draft = drafts.draft_get(kind="transcript", document_id=transcription.pk, user=editor)
    assert draft.segments == {
        1: "Today we look at root canals.",
        3: "Metal crowns need a careful preparation.",
    }

    # The editor itself offers the draft back.
    editor_page = editor_client.get(transcription.get_absolute_url()).content.decode()
    assert "You have an unsaved draft" in editor_page
    assert "Restore draft" in editor_page and "Discard" in editor_page


def test_resolving_a_conflict_saves_the_choices_and_the_clean_merges(
    editor_client, transcription, editor, other_editor, django_capture_on_commit_callbacks
):
    conflict_setup(editor_client, transcription, other_editor)
    draft = drafts.draft_get(kind="transcript", document_id=transcription.pk, user=editor)
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            url("conflict", transcription),
            {
                "latest_seen": "1",
                "draft_stamp": draft.stamp,
                "choice-3": "mine",
                "seg-3": "Zirconia or metal crowns need a careful preparation.",
            },
            follow=True,
        )
    assert "Saved H-2." in response.content.decode()
    texts = TranscriptionVersion.objects.get(version_number=2).edited_text.splitlines()
    assert texts[1] == "Today we look at root canals."
    assert texts[3] == "Zirconia or metal crowns need a careful preparation."
    assert drafts.draft_get(kind="transcript", document_id=transcription.pk, user=editor) is None


def test_keeping_theirs_in_a_conflict_saves_only_the_rest(
    editor_client, transcription, editor, other_editor
):
    conflict_setup(editor_client, transcription, other_editor)
    draft = drafts.draft_get(kind="transcript", document_id=transcription.pk, user=editor)
    editor_client.post(
        url("conflict", transcription),
        {"latest_seen": "1", "draft_stamp": draft.stamp, "choice-3": "theirs"},
    )
    texts = TranscriptionVersion.objects.get(version_number=2).edited_text.splitlines()
    assert texts[3] == "Zirconia crowns need a careful preparation."
    assert texts[1] == "Today we look at root canals."


def test_a_stale_draft_stamp_is_not_resolved(editor_client, transcription, other_editor):
    conflict_setup(editor_client, transcription, other_editor)
    response = editor_client.post(
        url("conflict", transcription),
        {"latest_seen": "1", "draft_stamp": "other-tab", "choice-3": "mine"},
        follow=True,
    )
    assert "Your draft changed" in response.content.decode()
    assert TranscriptionVersion.objects.count() == 1


# --- drafts ---------------------------------------------------------------------------------


def test_autosave_keeps_a_draft_that_is_offered_back_and_restored(
    editor_client, transcription, editor, other_editor
):
    response = editor_client.post(
        url("autosave", transcription),
        {"based_on": "0", "segments": json.dumps({"1": "Today we look at root canals."})},
    )
    assert response.status_code == 200 and response.json()["status"] == "saved"
    assert not TranscriptionVersion.objects.exists()  # drafts are never versions

    page = editor_client.get(transcription.get_absolute_url())
    html = page.content.decode()
    assert "You have an unsaved draft" in html
    assert 'data-autosave-paused="1"' in html
    assert segment_texts(page)[1] == "Today we look at root canal treatment of molars."

    # Someone saves another segment meanwhile; restoring merges the draft onto it.
    document_save_version(
        doc=TRANSCRIPT_DOCUMENT,
        parent=transcription,
        user=other_editor,
        based_on_version_number=0,
        segments_text={0: "Hello and welcome."},
    )
    restored = editor_client.get(url("editor", transcription, draft="restore"))
    data = editor_data(restored)
    assert data["based_on"] == 1
    assert segment_texts(restored)[:2] == ["Hello and welcome.", "Today we look at root canals."]
    assert data["saved"] == {"1": "Today we look at root canal treatment of molars."}
    assert "Draft restored: 1 segment differ from H-1" in restored.content.decode()
    assert 'data-autosave-paused=""' in restored.content.decode()


def test_an_empty_autosave_clears_the_draft(editor_client, transcription, editor):
    editor_client.post(
        url("autosave", transcription), {"based_on": "0", "segments": json.dumps({"1": "x"})}
    )
    response = editor_client.post(
        url("autosave", transcription), {"based_on": "0", "segments": "{}"}
    )
    assert response.json()["status"] == "cleared"
    assert drafts.draft_get(kind="transcript", document_id=transcription.pk, user=editor) is None


def test_autosave_refuses_garbage(editor_client, transcription):
    response = editor_client.post(
        url("autosave", transcription), {"based_on": "0", "segments": "[1, 2]"}
    )
    assert response.status_code == 400


def test_discarding_a_draft_asks_first(editor_client, transcription, editor):
    drafts.draft_save(
        kind="transcript", document_id=transcription.pk, user=editor, based_on=0, segments={0: "x"}
    )
    confirm = editor_client.get(url("draft_discard", transcription))
    assert confirm.status_code == 200
    assert "Discard your draft?" in confirm.content.decode()
    assert drafts.draft_get(kind="transcript", document_id=transcription.pk, user=editor)

    response = editor_client.post(url("draft_discard", transcription), follow=True)
    assert "Draft discarded." in response.content.decode()
    assert drafts.draft_get(kind="transcript", document_id=transcription.pk, user=editor) is None


def test_a_draft_equal_to_the_latest_text_is_dropped_silently(editor_client, transcription, editor):
    drafts.draft_save(
        kind="transcript",
        document_id=transcription.pk,
        user=editor,
        based_on=0,
        segments={0: "Welcome to the course on endodontics."},
    )
    html = editor_client.get(transcription.get_absolute_url()).content.decode()
    assert "You have an unsaved draft" not in html
    assert drafts.draft_get(kind="transcript", document_id=transcription.pk, user=editor) is None


# --- history, diff, restore, finalize -------------------------------------------------------


def test_history_lists_who_when_and_how_much_with_a_fixed_query_count(
    editor_client, transcription, editor, other_editor, django_assert_max_num_queries
):
    for n, user in enumerate([editor, other_editor, editor, other_editor]):
        document_save_version(
            doc=TRANSCRIPT_DOCUMENT,
            parent=transcription,
            user=user,
            based_on_version_number=n,
            segments_text={n: f"Segment {n} rewritten by hand."},
        )
    document_finalize(doc=TRANSCRIPT_DOCUMENT, parent=transcription, user=editor, version_number=2)
    with django_assert_max_num_queries(5):
        response = editor_client.get(url("history", transcription))
    html = response.content.decode()
    for label in ("H-4", "H-3", "H-2", "H-1", "T-1"):
        assert f"{label}</strong>" in html
    # Each label is explained where it appears; human versions are called human.
    assert "H-4: the 4th human version of the English transcript" in html
    assert html.count('<span class="badge">human</span>') == 4
    assert "T-1: the machine transcript, before any human edit." in html
    assert "Sam Second" in html and "Erin Editor" in html
    assert "Final: H-2" in html
    assert re.search(r"1 change · ~\d+ words?", html)
    assert "machine transcript" in html


def test_the_diff_page_shows_two_versions_side_by_side(editor_client, transcription, editor):
    document_save_version(
        doc=TRANSCRIPT_DOCUMENT,
        parent=transcription,
        user=editor,
        based_on_version_number=0,
        segments_text={2: "The implant is placed after the extraction heals."},
    )
    response = editor_client.get(url("diff", transcription, a=0, b=1))
    html = response.content.decode()
    assert "T-1 → H-1" in html and "1 of 4 segments changed" in html
    assert "<del>implane</del>" in html and "<ins>implant</ins>" in html
    assert editor_client.get(url("diff", transcription, a=0, b=9)).status_code == 404


def test_restore_makes_a_new_version_and_finalize_marks_the_final(
    editor_client, transcription, editor
):
    document_save_version(
        doc=TRANSCRIPT_DOCUMENT,
        parent=transcription,
        user=editor,
        based_on_version_number=0,
        segments_text={0: "Changed."},
    )
    response = editor_client.post(url("restore", transcription), {"version": "0"}, follow=True)
    assert "Restored the text of that version as H-2." in response.content.decode()
    assert segment_texts(response)[0] == "Welcome to the course on endodontics."

    response = editor_client.post(
        url("finalize", transcription),
        {"version": "1", "next": url("history", transcription)},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == url("history", transcription)
    assert "H-1 is the final version." in response.content.decode()
    transcription.refresh_from_db()
    assert transcription.final_version.version_type == "H-1"


def test_finalizing_from_the_editor_saves_an_unedited_t1_as_h1(editor_client, transcription):
    page = editor_client.get(transcription.get_absolute_url()).content.decode()
    assert "Finalize T-1" in page
    response = editor_client.post(url("finalize", transcription), {}, follow=True)
    html = response.content.decode()
    assert "H-1 is the final version." in html and "H-1 is final" in html
    transcription.refresh_from_db()
    assert transcription.final_version.version_type == "H-1"


# --- find and replace, dictionary -----------------------------------------------------------


def test_replace_all_without_script_saves_a_version(editor_client, transcription):
    response = editor_client.post(
        url("replace", transcription),
        {"based_on": "0", "find": "implane", "replace": "implant", "whole_words": "1"},
        follow=True,
    )
    assert "Replaced 1 occurrence. Saved H-1." in response.content.decode()
    assert segment_texts(response)[2] == "The implant is placed after the extraction heals."


def test_add_to_dictionary_from_the_editor(editor_client, transcription, editor):
    response = editor_client.post(
        url("glossary_add", transcription),
        {"term_original": "implane", "term_corrected": "implant"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200, response.content
    assert "Added “implane → implant”" in response.json()["message"]
    entry = DictionaryEntry.objects.get()
    assert (entry.term_original, entry.term_corrected, entry.language_code) == (
        "implane",
        "implant",
        "en",
    )
    assert entry.created_by == editor
    again = editor_client.post(
        url("glossary_add", transcription),
        {"term_original": "implane", "term_corrected": "implant"},
        HTTP_ACCEPT="application/json",
    )
    assert again.status_code == 400 and "already" in again.json()["message"]


def test_known_wrong_terms_are_suggested_but_never_applied(editor_client, transcription, editor):
    DictionaryEntry.objects.create(
        term_original="implane", term_corrected="implant", created_by=editor
    )
    DictionaryEntry.objects.create(
        term_original="molars", term_corrected="molars", created_by=editor
    )
    response = editor_client.get(transcription.get_absolute_url())
    data = editor_data(response)
    assert data["suggestions"] == [{"original": "implane", "corrected": "implant", "count": 1}]
    assert data["occurrences"] == {"2": [[4, 11, "implant"]]}
    assert segment_texts(response)[2] == "The implane is placed after the extraction heals."
    assert "1 known wrong term in this text" in response.content.decode()
    assert not TranscriptionVersion.objects.exists()


def test_the_editor_leads_on_to_translations_and_summaries(editor_client, transcription):
    html = editor_client.get(transcription.get_absolute_url()).content.decode()
    assert reverse("translations:overview", args=[transcription.pk]) in html
    assert reverse("summaries:transcript", args=[transcription.pk]) in html


# --- a page never overwrites a draft written after it opened (issue 13 item 1) --------------


def test_a_page_cannot_clear_or_overwrite_a_draft_written_after_it_opened(
    editor_client, transcription, editor
):
    # The page the user goes to is rendered first ...
    data = editor_data(editor_client.get(transcription.get_absolute_url()))
    # ... then the page they left delivers its last draft (the beacon arrives late).
    left = {"1": "Edits typed on the page that was left."}
    response = editor_client.post(
        url("autosave", transcription),
        {"based_on": "0", "segments": json.dumps(left), "page": "the-page-that-was-left"},
    )
    assert response.status_code == 200

    for segments in ({}, {"0": "Something typed on the new page."}):
        response = editor_client.post(
            url("autosave", transcription),
            {
                "based_on": "0",
                "segments": json.dumps(segments),
                "page": data["page"],
                "page_loaded": data["page_loaded"],
            },
        )
        assert response.status_code == 409
        assert response.json()["status"] == "newer"
        assert "Reload the page" in response.json()["message"]
    draft = drafts.draft_get(kind="transcript", document_id=transcription.pk, user=editor)
    assert draft.segments == {1: "Edits typed on the page that was left."}

    # Reloaded, the page offers the draft back, and from then on owns what it writes.
    reloaded = editor_client.get(transcription.get_absolute_url())
    assert "You have an unsaved draft" in reloaded.content.decode()
    restored = editor_data(editor_client.get(url("editor", transcription, draft="restore")))
    for segments in ({"1": "Edits typed on the page that was left, and more."}, {}):
        response = editor_client.post(
            url("autosave", transcription),
            {
                "based_on": "0",
                "segments": json.dumps(segments),
                "page": restored["page"],
                "page_loaded": restored["page_loaded"],
            },
        )
        assert response.status_code == 200
    assert drafts.draft_get(kind="transcript", document_id=transcription.pk, user=editor) is None


def test_autosave_refuses_an_unreadable_load_time(editor_client, transcription):
    response = editor_client.post(
        url("autosave", transcription),
        {"based_on": "0", "segments": "{}", "page": "p", "page_loaded": "yesterday"},
    )
    assert response.status_code == 400
    assert "load time" in response.json()["message"]


def test_the_editor_discards_a_waiting_draft_in_place(editor_client, transcription, editor):
    drafts.draft_save(
        kind="transcript", document_id=transcription.pk, user=editor, based_on=0, segments={0: "x"}
    )
    response = editor_client.post(
        url("draft_discard", transcription), HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200 and response.json()["status"] == "discarded"
    assert drafts.draft_get(kind="transcript", document_id=transcription.pk, user=editor) is None


def test_the_dictionary_form_answers_the_page_in_place(editor_client, transcription):
    response = editor_client.post(
        url("glossary_add", transcription),
        {"term_original": "implane", "term_corrected": "implant", "context": "surgery"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200
    assert response.json()["message"] == "Added “implane → implant” to the en dictionary."
    assert DictionaryEntry.objects.get().context == "surgery"


# --- review by doubt (issue 15 item 5) ------------------------------------------------------


def with_confidence(transcription, probabilities):
    """Give the T-1's words the engine's confidence: {(segment, word): probability}; the
    other words get 0.95."""
    data = transcription.json_with_timestamps
    for i, segment in enumerate(data["segments"]):
        for k, word in enumerate(segment["words"]):
            word["probability"] = probabilities.get((i, k), 0.95)
    transcription.json_with_timestamps = data
    transcription.save(update_fields=["json_with_timestamps"])
    return transcription


def test_word_confidences_reach_the_editor_only_when_the_engine_gave_them(
    editor_client, transcription, settings
):
    page = editor_client.get(transcription.get_absolute_url())
    data = editor_data(page)
    assert data["uncertain_below"] is None
    assert all(len(seg) == 5 for seg in data["segments"])
    assert "data-doubt" not in page.content.decode()
    assert "Next uncertain word" not in page.content.decode()

    settings.EDITOR_UNCERTAIN_BELOW = 0.5
    with_confidence(transcription, {(2, 1): 0.31})
    page = editor_client.get(transcription.get_absolute_url())
    data = editor_data(page)
    assert data["uncertain_below"] == 0.5
    assert data["segments"][2][5] == [0.95, 0.31, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95]
    assert "Next uncertain word" in page.content.decode()
    assert "less than 50 % sure" in page.content.decode()


def test_saving_drops_the_confidence_of_typed_and_confirmed_words_only(
    editor_client, transcription
):
    with_confidence(transcription, {(2, 1): 0.31, (2, 5): 0.4, (3, 0): 0.2, (3, 2): 0.5})
    response = editor_client.post(
        url("save", transcription),
        {
            "based_on": "0",
            # Segment 2: "implane" typed over; segment 3 unchanged, its word 0 confirmed.
            "segments": json.dumps(
                {
                    "2": "The implant is placed after the extraction heals.",
                    "3": "Ceramic crowns need a careful preparation.",
                }
            ),
            "confirmed": json.dumps({"3": [0]}),
        },
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200 and response.json()["label"] == "H-1"
    # The page learns the new confidences of both segments.
    assert response.json()["segments"]["2"][5][:2] == [0.95, None]
    assert response.json()["segments"]["3"][5][:3] == [None, 0.95, 0.5]
    words = TranscriptionVersion.objects.get().json_with_timestamps["segments"]
    assert [w.get("probability") for w in words[2]["words"]] == [
        0.95, None, 0.95, 0.95, 0.95, 0.4, 0.95, 0.95
    ]  # fmt: skip
    assert [w.get("probability") for w in words[3]["words"]] == [None, 0.95, 0.5, 0.95, 0.95, 0.95]
    assert "probability" not in words[3]["words"][0]


def test_confirming_words_alone_is_a_version_and_confirming_nothing_is_not(
    editor_client, transcription
):
    with_confidence(transcription, {(0, 2): 0.3})
    data = transcription.json_with_timestamps
    for word in data["segments"][1]["words"]:
        del word["probability"]  # typed by a human already
    transcription.save(update_fields=["json_with_timestamps"])
    unchanged = "Welcome to the course on endodontics."
    response = editor_client.post(
        url("save", transcription),
        {"based_on": "0", "segments": json.dumps({"1": SEGMENT_1}), "confirmed": '{"1": [0]}'},
        HTTP_ACCEPT="application/json",
    )
    assert response.json()["status"] == "unchanged"  # nothing there was uncertain
    response = editor_client.post(
        url("save", transcription),
        {"based_on": "0", "segments": json.dumps({"0": unchanged}), "confirmed": '{"0": [2]}'},
        HTTP_ACCEPT="application/json",
    )
    assert response.json()["status"] == "saved"
    version = TranscriptionVersion.objects.get()
    assert "probability" not in version.json_with_timestamps["segments"][0]["words"][2]
    assert version.edited_text == transcription.raw_text


def test_unreadable_confirmations_are_refused(editor_client, transcription):
    response = editor_client.post(
        url("save", transcription),
        {"based_on": "0", "segments": "{}", "confirmed": '{"0": "all"}'},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400
    assert not TranscriptionVersion.objects.exists()


SEGMENT_1 = "Today we look at root canal treatment of molars."
