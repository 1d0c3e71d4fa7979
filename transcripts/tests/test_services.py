"""Saving versions of a transcript: numbering, diffs, timings, stale saves, restore, finalize."""

from __future__ import annotations

import itertools
import json
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.models import Activity
from documents import drafts
from documents.diffs import patch_rebuild
from documents.selectors import (
    document_diff,
    document_draft_state,
    document_history,
    document_snapshot,
)
from documents.services import (
    SaveConflict,
    document_finalize,
    document_replace_all,
    document_restore_version,
    document_save_version,
)
from tests.concurrency import at_once
from transcripts.document import TRANSCRIPT_DOCUMENT
from transcripts.models import Transcription, TranscriptionVersion
from transcripts.services import (
    transcript_is_outdated_for,
    transcript_latest,
    transcript_outdated_translations,
)
from transcripts.tests.test_editor_helpers import SEGMENTS, make_transcription
from translations.models import Translation

pytestmark = pytest.mark.django_db


def texts(transcription) -> list[str]:
    return document_snapshot(doc=TRANSCRIPT_DOCUMENT, parent=transcription).texts


def save(transcription, user, based_on, **segments):
    return document_save_version(
        doc=TRANSCRIPT_DOCUMENT,
        parent=transcription,
        user=user,
        based_on_version_number=based_on,
        segments_text={int(k.removeprefix("s")): v for k, v in segments.items()},
    )


def test_saving_creates_h1_with_text_timings_diff_and_author(transcription, editor):
    result = save(transcription, editor, 0, s2="The implant is placed after the extraction heals.")

    version = TranscriptionVersion.objects.get(transcription=transcription)
    assert result.created and result.version == version
    assert (version.version_number, version.version_type, version.edited_by) == (1, "H-1", editor)
    assert (
        version.edited_text.splitlines()[2] == "The implant is placed after the extraction heals."
    )
    diff = json.loads(version.diff_from_previous)
    assert set(diff) == {"user_id", "timestamp", "operations", "patch"}
    assert diff["user_id"] == str(editor.pk)
    assert diff["operations"] == [
        {
            "operation": "replace",
            "position": transcription.raw_text.index("implane") + 6,
            "old_text": "e",
            "new_text": "t",
        }
    ]
    assert patch_rebuild(transcription.raw_text, diff["patch"]) == version.edited_text
    activity = Activity.objects.get(action="transcription.edit")
    assert activity.actor == editor and activity.details["version"] == "H-1"
    assert activity.project_id == transcription.audio_file.project_id


def test_each_save_is_the_next_number_and_its_patch_rebuilds_it_from_the_one_before(
    transcription, editor, other_editor
):
    save(transcription, editor, 0, s0="Welcome to this course on endodontics.")
    save(transcription, other_editor, 1, s1="Today we look at root canals in molars.")
    h1, h2 = TranscriptionVersion.objects.filter(transcription=transcription).order_by(
        "version_number"
    )
    assert [h1.version_type, h2.version_type] == ["H-1", "H-2"]
    assert h2.edited_by == other_editor
    assert patch_rebuild(h1.edited_text, json.loads(h2.diff_from_previous)["patch"]) == (
        h2.edited_text
    )
    latest = transcript_latest(transcription)
    assert (latest.version_type, latest.version_number, latest.text) == ("H-2", 2, h2.edited_text)


def test_timings_survive_an_edit(transcription, editor):
    before = transcription.json_with_timestamps["segments"]
    save(transcription, editor, 0, s2="The implant is carefully placed after the extraction heals.")
    after = TranscriptionVersion.objects.get().json_with_timestamps["segments"]

    for old, new in zip(before, after, strict=True):
        assert (new["start"], new["end"]) == (old["start"], old["end"])
    assert after[0] == before[0] and after[3] == before[3]
    old_words, new_words = before[2]["words"], after[2]["words"]
    # "implane" → "implant": a one-word run keeps its exact span.
    assert (new_words[1]["start"], new_words[1]["end"]) == (
        old_words[1]["start"],
        old_words[1]["end"],
    )
    # "carefully" is new, and "is" and "placed" touch: it shares the time of "placed".
    assert old_words[2]["end"] == new_words[3]["start"] < new_words[3]["end"]
    assert new_words[3]["end"] == new_words[4]["start"] < new_words[4]["end"]
    assert new_words[4]["end"] == old_words[3]["end"]
    # Unchanged words around them keep their times.
    assert new_words[:3] == [{**old_words[0]}, new_words[1], {**old_words[2]}]
    assert [(w["start"], w["end"]) for w in new_words[5:]] == [
        (w["start"], w["end"]) for w in old_words[4:]
    ]


def test_rewriting_a_whole_segment_leaves_no_word_without_time(transcription, editor):
    """A rewrite that happens to end on the segment's first word ("Today") once left every
    other word at the segment's start with no length."""
    rewrite = "We now look closely at how molars are treated endodontically today"
    save(transcription, editor, 0, s0="Welcome to the course on endodontics!")
    # Over a saved version, PostgreSQL patches the stored JSON: the same realignment.
    save(transcription, editor, 1, s1=rewrite)

    version = TranscriptionVersion.objects.get(version_number=2)
    segment = version.json_with_timestamps["segments"][1]
    words = segment["words"]
    assert [w["word"] for w in words] == rewrite.split()
    assert words[0]["start"] == segment["start"] == 4.0 and words[-1]["end"] == 9.0
    for previous, word in itertools.pairwise(words):
        assert word["start"] == previous["end"]
    assert all(w["end"] - w["start"] > 0.3 for w in words)


def test_the_whole_text_one_line_per_segment_saves_too(transcription, editor):
    lines = [text for _, _, text in SEGMENTS]
    lines[0] = "Welcome, everyone, to the course on endodontics."
    result = document_save_version(
        doc=TRANSCRIPT_DOCUMENT,
        parent=transcription,
        user=editor,
        based_on_version_number=0,
        text="\r\n".join(lines) + "\n",
    )
    assert result.created and texts(transcription)[0] == lines[0]


def test_nothing_changed_makes_no_version(transcription, editor):
    result = save(
        transcription, editor, 0, s1="  Today we look at  root canal treatment of molars. "
    )
    assert not result.created and result.label == "T-1"
    assert not TranscriptionVersion.objects.exists()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"text": "one line only"}, "The text has 1 lines but the transcript has 4 segments"),
        ({"segments_text": {7: "x"}}, "There is no segment 8"),
        ({"segments_text": {0: "x"}, "based_on_version_number": 5}, "does not exist"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_changes(
    transcription, editor, kwargs, message
):
    kwargs.setdefault("based_on_version_number", 0)
    with pytest.raises(ValidationError, match=message):
        document_save_version(doc=TRANSCRIPT_DOCUMENT, parent=transcription, user=editor, **kwargs)
    assert not TranscriptionVersion.objects.exists()
    assert not Activity.objects.filter(action="transcription.edit").exists()


def test_t1_stays_untouched_whatever_happens(transcription, editor):
    raw, data = transcription.raw_text, transcription.json_with_timestamps
    save(transcription, editor, 0, s0="Changed.")
    document_restore_version(
        doc=TRANSCRIPT_DOCUMENT, parent=transcription, user=editor, version_number=0
    )
    document_finalize(doc=TRANSCRIPT_DOCUMENT, parent=transcription, user=editor)
    transcription = Transcription.objects.get(pk=transcription.pk)
    assert (transcription.raw_text, transcription.json_with_timestamps) == (raw, data)


# --- stale saves ----------------------------------------------------------------------------


def test_a_stale_save_of_other_segments_merges(transcription, editor, other_editor):
    save(transcription, editor, 0, s0="Welcome to this course on endodontics.")
    result = save(transcription, other_editor, 0, s3="Ceramic crowns need careful preparation.")

    assert result.created and result.label == "H-2" and result.includes_newer
    assert texts(transcription)[0] == "Welcome to this course on endodontics."
    assert texts(transcription)[3] == "Ceramic crowns need careful preparation."


def test_overlapping_edits_that_apply_cleanly_merge(transcription, editor, other_editor):
    save(transcription, editor, 0, s2="The implant is placed after the extraction heals.")
    result = save(
        transcription, other_editor, 0, s2="The implane is placed after the extraction has healed."
    )
    assert result.created and result.merge.patched == [2]
    assert texts(transcription)[2] == "The implant is placed after the extraction has healed."


def test_a_real_conflict_is_refused_and_the_text_is_kept_as_a_draft(
    transcription, editor, other_editor
):
    save(transcription, editor, 0, s3="Zirconia crowns need a careful preparation.")
    with pytest.raises(SaveConflict) as refused:
        save(
            transcription,
            other_editor,
            0,
            s0="Welcome to the course on endodontics!",
            s3="Metal crowns need a careful preparation.",
        )

    assert refused.value.latest_label == "H-1"
    assert [c.index for c in refused.value.conflicts] == [3]
    assert TranscriptionVersion.objects.count() == 1
    draft = drafts.draft_get(kind="transcript", document_id=transcription.pk, user=other_editor)
    assert draft.based_on == 0
    assert draft.segments == {
        0: "Welcome to the course on endodontics!",
        3: "Metal crowns need a careful preparation.",
    }
    assert drafts.draft_get(kind="transcript", document_id=transcription.pk, user=editor) is None
    state = document_draft_state(
        doc=TRANSCRIPT_DOCUMENT,
        parent=transcription,
        draft=draft,
        latest=document_snapshot(doc=TRANSCRIPT_DOCUMENT, parent=transcription),
    )
    assert [c.index for c in state.merge.conflicts] == [3] and state.dirty == [0]


def test_a_successful_save_clears_the_users_draft_unless_told_to_keep_it(
    transcription, editor, django_capture_on_commit_callbacks
):
    drafts.draft_save(
        kind="transcript", document_id=transcription.pk, user=editor, based_on=0, segments={0: "x"}
    )
    with django_capture_on_commit_callbacks(execute=True):
        document_save_version(
            doc=TRANSCRIPT_DOCUMENT,
            parent=transcription,
            user=editor,
            based_on_version_number=0,
            segments_text={1: "Kept draft."},
            keep_draft=True,
        )
    assert drafts.draft_get(kind="transcript", document_id=transcription.pk, user=editor)
    with django_capture_on_commit_callbacks(execute=True):
        save(transcription, editor, 1, s1="Draft cleared.")
    assert drafts.draft_get(kind="transcript", document_id=transcription.pk, user=editor) is None


@pytest.mark.django_db(transaction=True)
def test_concurrent_saves_get_distinct_numbers_and_both_edits_survive(editor, other_editor):
    transcription = make_transcription(editor)
    barrier = threading.Barrier(2)
    errors = []

    def work(user, index, text):
        try:
            barrier.wait(timeout=10)
            save(transcription, user, 0, **{f"s{index}": text})
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=work, args=(editor, 0, "First editor was here.")),
        threading.Thread(target=work, args=(other_editor, 1, "Second editor was here.")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert errors == []
    numbers = sorted(
        TranscriptionVersion.objects.filter(transcription=transcription).values_list(
            "version_number", flat=True
        )
    )
    assert numbers == [1, 2]
    final_texts = texts(transcription)
    assert final_texts[:2] == ["First editor was here.", "Second editor was here."]


# --- restore, finalize, outdated translations ---------------------------------------------


def test_restoring_an_old_version_makes_a_new_one_with_its_content(transcription, editor):
    save(transcription, editor, 0, s0="First change.")
    save(transcription, editor, 1, s0="Second change.")
    restored = document_restore_version(
        doc=TRANSCRIPT_DOCUMENT, parent=transcription, user=editor, version_number=1
    )
    assert restored.version_type == "H-3"
    h1 = TranscriptionVersion.objects.get(version_number=1)
    assert restored.edited_text == h1.edited_text
    assert restored.json_with_timestamps == h1.json_with_timestamps
    assert Activity.objects.filter(action="transcription.restore").exists()
    with pytest.raises(ValidationError, match="already the current text"):
        document_restore_version(
            doc=TRANSCRIPT_DOCUMENT, parent=transcription, user=editor, version_number=1
        )
    t1 = document_restore_version(
        doc=TRANSCRIPT_DOCUMENT, parent=transcription, user=editor, version_number=0
    )
    assert t1.version_type == "H-4" and t1.edited_text.splitlines() == [t for _, _, t in SEGMENTS]


def test_finalizing_an_unedited_t1_saves_it_as_h1_first(transcription, editor):
    version = document_finalize(doc=TRANSCRIPT_DOCUMENT, parent=transcription, user=editor)
    transcription.refresh_from_db()
    assert version.version_type == "H-1" and transcription.final_version == version
    assert version.edited_text.splitlines() == [t for _, _, t in SEGMENTS]
    assert Activity.objects.filter(action="transcription.finalize").count() == 1


def test_finalizing_what_is_already_final_creates_nothing(transcription, editor):
    """Finalize pressed six times on the T-1 row of the history page made H-1 … H-7."""
    first = document_finalize(
        doc=TRANSCRIPT_DOCUMENT, parent=transcription, user=editor, version_number=0
    )
    for _ in range(5):
        again = document_finalize(
            doc=TRANSCRIPT_DOCUMENT, parent=transcription, user=editor, version_number=0
        )
        assert again == first
    assert document_finalize(doc=TRANSCRIPT_DOCUMENT, parent=transcription, user=editor) == first
    assert (
        document_finalize(
            doc=TRANSCRIPT_DOCUMENT, parent=transcription, user=editor, version_number=1
        )
        == first
    )

    assert TranscriptionVersion.objects.filter(transcription=transcription).count() == 1
    assert Activity.objects.filter(action="transcription.finalize").count() == 1


def test_finalizing_t1_when_the_latest_version_is_its_text_reuses_that_version(
    transcription, editor
):
    save(transcription, editor, 0, s0="First change.")
    restored = document_restore_version(
        doc=TRANSCRIPT_DOCUMENT, parent=transcription, user=editor, version_number=0
    )
    final = document_finalize(
        doc=TRANSCRIPT_DOCUMENT, parent=transcription, user=editor, version_number=0
    )
    assert final == restored
    assert TranscriptionVersion.objects.filter(transcription=transcription).count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_finalize_requests_at_once_make_one_version(editor, other_editor):
    transcription = make_transcription(editor)
    results = at_once(
        lambda user: document_finalize(
            doc=TRANSCRIPT_DOCUMENT, parent=transcription, user=user, version_number=0
        ),
        [editor, other_editor],
    )
    assert results[0].pk == results[1].pk
    assert TranscriptionVersion.objects.filter(transcription=transcription).count() == 1


def test_finalize_points_at_the_chosen_version(transcription, editor):
    save(transcription, editor, 0, s0="First change.")
    save(transcription, editor, 1, s0="Second change.")
    h1 = document_finalize(
        doc=TRANSCRIPT_DOCUMENT, parent=transcription, user=editor, version_number=1
    )
    transcription.refresh_from_db()
    assert transcription.final_version == h1 and h1.version_number == 1
    history = document_history(doc=TRANSCRIPT_DOCUMENT, parent=transcription)
    assert [(row.label, row.is_final, row.is_latest) for row in history] == [
        ("H-2", False, True),
        ("H-1", True, False),
        ("T-1", False, False),
    ]


def test_editing_after_finalize_makes_a_new_final_and_outdates_old_translations(
    transcription, editor
):
    final = document_finalize(doc=TRANSCRIPT_DOCUMENT, parent=transcription, user=editor)
    spanish = Translation.objects.create(
        transcription=transcription, language_code="es", translated_text="…", source_version=final
    )
    french_from_t1 = Translation.objects.create(
        transcription=transcription, language_code="fr", translated_text="…"
    )
    spanish = Translation.objects.select_related("transcription").get(pk=spanish.pk)
    assert not transcript_is_outdated_for(spanish)
    assert list(transcript_outdated_translations(transcription)) == [french_from_t1]

    result = save(transcription, editor, 1, s0="Welcome back to the course.")

    assert result.became_final and result.label == "H-2"
    transcription.refresh_from_db()
    assert transcription.final_version == result.version
    spanish = Translation.objects.select_related("transcription").get(pk=spanish.pk)
    assert transcript_is_outdated_for(spanish)
    assert {t.language_code for t in transcript_outdated_translations(transcription)} == {
        "es",
        "fr",
    }


def test_a_translation_made_before_anything_was_final_is_not_outdated(transcription):
    translation = Translation.objects.create(
        transcription=transcription, language_code="de", translated_text="…"
    )
    assert not transcript_is_outdated_for(translation)


# --- find and replace, diff ------------------------------------------------------------------


def test_replace_all_saves_a_version_and_replacements_keep_their_timing(transcription, editor):
    result, count = document_replace_all(
        doc=TRANSCRIPT_DOCUMENT,
        parent=transcription,
        user=editor,
        based_on_version_number=0,
        find="implane",
        replace="implant",
        whole_words=True,
    )
    assert count == 1 and result.label == "H-1"
    old = transcription.json_with_timestamps["segments"][2]["words"]
    new = result.version.json_with_timestamps["segments"][2]["words"]
    assert [(w["start"], w["end"]) for w in new] == [(w["start"], w["end"]) for w in old]
    assert new[1]["word"] == "implant"
    with pytest.raises(ValidationError, match="does not occur"):
        document_replace_all(
            doc=TRANSCRIPT_DOCUMENT,
            parent=transcription,
            user=editor,
            based_on_version_number=1,
            find="implane",
            replace="implant",
        )


def test_diff_lists_only_changed_segments_with_word_marks(transcription, editor):
    save(transcription, editor, 0, s2="The implant is placed after the extraction heals.")
    diff = document_diff(doc=TRANSCRIPT_DOCUMENT, parent=transcription, old_number=0, new_number=1)
    assert [row.index for row in diff.rows] == [2]
    assert diff.rows[0].time == "00:09"
    assert ("del", "implane") in [(p.kind, p.text) for p in diff.rows[0].left]
    assert ("ins", "implant") in [(p.kind, p.text) for p in diff.rows[0].right]


# --- drafts ---------------------------------------------------------------------------------


def test_drafts_are_per_user_and_document_and_never_versions(transcription, editor, other_editor):
    draft = drafts.draft_save(
        kind="transcript",
        document_id=transcription.pk,
        user=editor,
        based_on=0,
        segments={1: "  Draft   text "},
    )
    assert draft.segments == {1: "Draft text"}
    loaded = drafts.draft_get(kind="transcript", document_id=transcription.pk, user=editor)
    assert loaded == draft
    assert (
        drafts.draft_get(kind="transcript", document_id=transcription.pk, user=other_editor) is None
    )
    assert drafts.draft_get(kind="translation", document_id=transcription.pk, user=editor) is None
    assert not TranscriptionVersion.objects.exists()
    drafts.draft_save(
        kind="transcript", document_id=transcription.pk, user=editor, based_on=0, segments={}
    )
    assert drafts.draft_get(kind="transcript", document_id=transcription.pk, user=editor) is None


# --- the timed JSON is patched in the database or rebuilt in Python, with the same result --


def _edit_twice(transcription, user):
    save(transcription, user, 0, s0="Welcome to this course on endodontics.")
    save(transcription, user, 1, s2="The implant is placed once the extraction heals.", s3="")
    return TranscriptionVersion.objects.get(transcription=transcription, version_number=2)


def test_patching_the_json_in_the_database_matches_rebuilding_it_in_python(editor, monkeypatch):
    from documents import services

    in_database = _edit_twice(make_transcription(editor), editor)
    monkeypatch.setattr(services, "_server_side_json", lambda: False)
    in_python = _edit_twice(make_transcription(editor), editor)

    assert in_database.json_with_timestamps == in_python.json_with_timestamps
    segments = in_database.json_with_timestamps["segments"]
    assert segments[2]["text"] == "The implant is placed once the extraction heals."
    assert segments[3]["text"] == "" and segments[3]["words"] == []
    assert (segments[3]["start"], segments[3]["end"]) == (14.0, 19.0)


def test_a_version_stored_without_timings_gets_them_back_from_the_machine_json(
    transcription, editor
):
    save(transcription, editor, 0, s0="Welcome to this course.")
    TranscriptionVersion.objects.filter(version_number=1).update(json_with_timestamps=None)
    result = save(transcription, editor, 1, s1="Today we look at molars.")
    data = TranscriptionVersion.objects.get(version_number=2).json_with_timestamps
    assert [s["text"] for s in data["segments"][:2]] == [
        "Welcome to this course.",
        "Today we look at molars.",
    ]
    assert data["segments"][1]["words"][0] == {"word": "Today", "start": 4.0, "end": 4.556}
    assert result.segments[1]["text"] == "Today we look at molars."
