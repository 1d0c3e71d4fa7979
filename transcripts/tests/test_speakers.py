"""Speakers and segment structure (DESIGN.md "Speakers and segments"): split, merge, speaker
assignment, rename and speaker merge are versions like text edits; stale saves merge by
segment id; restore brings an old structure back; the `speakers` table follows."""

from __future__ import annotations

import json

import pytest
from srt import parse as srt_parse

from documents import drafts
from documents.diffs import patch_rebuild
from documents.selectors import document_snapshot
from documents.services import (
    SaveConflict,
    document_restore_version,
    document_save_version,
)
from documents.structure import apply_operations, outline_of
from documents.text import join_segments
from transcripts.document import TRANSCRIPT_DOCUMENT
from transcripts.models import Speaker

pytestmark = pytest.mark.django_db
DOC = TRANSCRIPT_DOCUMENT


def save(transcription, user, based_on, structure=(), **segments):
    return document_save_version(
        doc=DOC,
        parent=transcription,
        user=user,
        based_on_version_number=based_on,
        segments_text={int(k.removeprefix("s")): v for k, v in segments.items()},
        structure=list(structure),
    )


def latest(transcription):
    return document_snapshot(doc=DOC, parent=transcription)


def assert_words_inside_segments(data):
    ids = [seg["id"] for seg in data["segments"]]
    assert len(ids) == len(set(ids))
    for seg in data["segments"]:
        assert [w["word"] for w in seg["words"]] == seg["text"].split()
        for w in seg["words"]:
            assert seg["start"] - 1e-6 <= w["start"] <= w["end"] <= seg["end"] + 1e-6, seg


def rebuild(previous, version):
    """DESIGN.md: applying the recorded operations to the previous version gives this one."""
    record = json.loads(version.diff_from_previous)
    structure = [op for op in record["operations"] if "position" not in op]
    outline = apply_operations(outline_of(previous.json, previous.texts), structure).outline
    return outline, patch_rebuild(join_segments(outline.texts), record["patch"])


def test_a_split_at_a_word_makes_two_segments_cut_between_the_words(transcription, editor):
    before = latest(transcription)
    words = before.texts[1].split()
    left, right = " ".join(words[:3]), " ".join(words[3:])
    op = {"operation": "split", "segment": 1, "new_segment": 99, "left": left, "right": right}

    result = save(transcription, editor, 0, [op])

    after = latest(transcription)
    assert after.texts == [*before.texts[:1], left, right, *before.texts[2:]]
    segs = after.json["segments"]
    old = before.json["segments"][1]
    assert segs[1]["start"] == old["start"] and segs[2]["end"] == old["end"]
    assert segs[1]["end"] == old["words"][2]["end"]
    assert segs[2]["start"] == old["words"][3]["start"]
    assert segs[2]["id"] == 4  # a fresh id: the machine text had ids 0-3
    assert after.json["next_segment_id"] == 5
    assert_words_inside_segments(after.json)
    outline, text = rebuild(before, result.version)
    assert text == after.text and outline.ids == [s["id"] for s in segs]


def test_merging_two_neighbours_keeps_the_outer_times_and_all_words(transcription, editor):
    before = latest(transcription)
    save(transcription, editor, 0, [{"operation": "merge", "segment": 1, "next": 2}])
    after = latest(transcription)
    assert after.texts == [
        before.texts[0],
        f"{before.texts[1]} {before.texts[2]}",
        *before.texts[3:],
    ]
    seg = after.json["segments"][1]
    assert (seg["start"], seg["end"]) == (
        before.json["segments"][1]["start"],
        before.json["segments"][2]["end"],
    )
    assert_words_inside_segments(after.json)
    # Ids are never reused: a split after the merge does not bring id 2 back.
    words = after.texts[1].split()
    split = {
        "operation": "split",
        "segment": 1,
        "new_segment": 2,
        "left": " ".join(words[:2]),
        "right": " ".join(words[2:]),
    }
    save(transcription, editor, 1, [split])
    assert [s["id"] for s in latest(transcription).json["segments"]] == [0, 1, 4, 3]


def test_speakers_are_assigned_renamed_and_merged_as_versions(transcription, editor):
    assert list(
        Speaker.objects.filter(transcription=transcription).values_list("label", "name")
    ) == [("S1", "Dr. Soto")]
    save(
        transcription,
        editor,
        0,
        [
            {"operation": "rename", "speaker": "S2", "name": "Guest"},
            {"operation": "speaker", "segment": 2, "speaker": "S2"},
            {"operation": "speaker", "segment": 3, "speaker": "S2"},
        ],
    )
    h1 = latest(transcription)
    assert [s.get("speaker", "S1") for s in h1.json["segments"]] == ["S1", "S1", "S2", "S2"]
    assert h1.json["speakers"] == {"S2": "Guest"}
    rows = dict(Speaker.objects.filter(transcription=transcription).values_list("label", "name"))
    assert rows == {"S1": "Dr. Soto", "S2": "Guest"}

    save(transcription, editor, 1, [{"operation": "rename", "speaker": "S2", "name": "Dr. Lee"}])
    assert latest(transcription).label == "H-2"
    assert Speaker.objects.get(transcription=transcription, label="S2").name == "Dr. Lee"

    save(transcription, editor, 2, [{"operation": "merge_speakers", "speaker": "S2", "into": "S1"}])
    h3 = latest(transcription)
    assert {s.get("speaker", "S1") for s in h3.json["segments"]} == {"S1"}
    gone = Speaker.objects.get(transcription=transcription, label="S2")
    assert gone.archived  # never deleted


def test_stale_saves_merge_structure_on_different_segments(transcription, editor, other_editor):
    base = latest(transcription)
    words = base.texts[0].split()
    save(
        transcription,
        editor,
        0,
        [
            {
                "operation": "split",
                "segment": 0,
                "new_segment": 4,
                "left": words[0],
                "right": " ".join(words[1:]),
            }
        ],
    )
    # The other editor opened T-1 too: merges segments 2 and 3 and edits segment 1.
    result = save(
        transcription,
        other_editor,
        0,
        [{"operation": "merge", "segment": 2, "next": 3}],
        s1="Today we look at root canals of molars.",
    )
    assert result.includes_newer
    after = latest(transcription)
    assert after.texts == [
        words[0],
        " ".join(words[1:]),
        "Today we look at root canals of molars.",
        f"{base.texts[2]} {base.texts[3]}",
    ]
    assert [s["id"] for s in after.json["segments"]] == [0, 4, 1, 2]
    assert_words_inside_segments(after.json)


def test_structure_changes_on_the_same_segment_conflict_and_keep_the_draft(
    transcription, editor, other_editor
):
    save(transcription, editor, 0, s2="The implant is placed after the extraction heals.")
    with pytest.raises(SaveConflict) as raised:
        save(transcription, other_editor, 0, [{"operation": "merge", "segment": 1, "next": 2}])
    assert [c.segment_id for c in raised.value.conflicts] == [2]
    draft = drafts.draft_get(kind="transcript", document_id=transcription.pk, user=other_editor)
    assert draft.structure == [{"operation": "merge", "segment": 1, "next": 2}]
    # Resolved as "mine": the merge goes through over the other edit.
    document_save_version(
        doc=DOC,
        parent=transcription,
        user=other_editor,
        based_on_version_number=0,
        segments_text={},
        structure=draft.structure,
        force={2},
    )
    assert len(latest(transcription).texts) == 3


def test_restore_brings_the_old_structure_and_speakers_back(transcription, editor):
    save(
        transcription,
        editor,
        0,
        [
            {"operation": "merge", "segment": 0, "next": 1},
            {"operation": "rename", "speaker": "S2", "name": "Guest"},
            {"operation": "speaker", "segment": 3, "speaker": "S2"},
        ],
    )
    save(transcription, editor, 1, s0="A changed first line.")
    version = document_restore_version(doc=DOC, parent=transcription, user=editor, version_number=0)
    after = latest(transcription)
    assert version.version_type == "H-3"
    assert after.texts == document_snapshot(doc=DOC, parent=transcription, version_number=0).texts
    assert [s["id"] for s in after.json["segments"]] == [0, 1, 2, 3]
    assert after.json["next_segment_id"] == 4
    assert {s.get("speaker", "S1") for s in after.json["segments"]} == {"S1"}
    assert Speaker.objects.get(transcription=transcription, label="S2").archived


# -- speakers from the engines ---------------------------------------------------------------


def test_a_sonix_import_keeps_sonixs_speakers_and_their_names():
    from integrations.sonix import sonix_json_to_seed

    def paragraph(speaker, *words):
        return {
            "speaker": speaker,
            "words": [
                {"text": w, "start_time": k * 0.5, "end_time": k * 0.5 + 0.4}
                for k, w in enumerate(words)
            ],
        }

    seed = sonix_json_to_seed(
        {
            "transcript": [
                paragraph("Dr. Soto", "Welcome."),
                paragraph("Speaker 2", "Thanks."),
                paragraph("Dr. Soto", "Let's", "start."),
            ]
        }
    )
    assert seed["speakers"] == {"S1": "Dr. Soto", "S2": "Speaker 2"}
    assert [s["speaker"] for s in seed["segments"]] == ["S1", "S2", "S1"]


def test_a_diarizing_openai_model_keeps_its_speakers():
    from integrations.transcription.base import label_speakers, normalize_segments
    from integrations.transcription.openai_engine import (
        OpenAITranscriptionEngine,
        parse_verbose_json,
    )

    assert OpenAITranscriptionEngine(api_key="k", model="gpt-4o-transcribe-diarize").diarizes
    assert not OpenAITranscriptionEngine(api_key="k", model="whisper-1").diarizes
    reply = {
        "text": "Good morning. Hello doctor. Let us begin.",
        "segments": [
            {"id": "seg_0", "start": 0.0, "end": 1.2, "text": "Good morning.", "speaker": "A"},
            {"id": "seg_1", "start": 1.4, "end": 2.4, "text": "Hello doctor.", "speaker": "B"},
            {"id": "seg_2", "start": 2.6, "end": 4.0, "text": "Let us begin.", "speaker": "A"},
        ],
    }
    segments = normalize_segments(parse_verbose_json(reply))
    names = label_speakers(segments)
    # The first voice is the project's default speaker; the others are numbered.
    assert names == {"S2": "Speaker 2"}
    assert [s["speaker"] for s in segments] == ["S1", "S2", "S1"]
    assert all(len(s["words"]) == len(s["text"].split()) for s in segments)
    # An engine that tells no speakers apart leaves every segment to the default speaker.
    plain = normalize_segments([{"start": 0, "end": 1, "text": "Hello."}])
    assert label_speakers(plain) == {} and "speaker" not in plain[0]


# -- everywhere after: translations, speaker terms, summaries --------------------------------


def test_translations_carry_speakers_and_only_changed_segments_go_outdated(
    transcription, editor, django_capture_on_commit_callbacks
):
    from documents.services import document_finalize
    from glossary.services import entry_create
    from translations import services as translation_services
    from translations.models import Translation
    from translations.selectors import translation_changed_english
    from translations.term_impact import english_apply_first, english_pending

    save(
        transcription,
        editor,
        0,
        [
            {"operation": "rename", "speaker": "S2", "name": "Dr. Lee"},
            {"operation": "speaker", "segment": 2, "speaker": "S2"},
        ],
    )
    document_finalize(doc=DOC, parent=transcription, user=editor)
    lee = Speaker.objects.get(transcription=transcription, label="S2")
    # "implane" is only Dr. Lee's slip: segment 2 is hers, segment 1 (Dr. Soto's) has none.
    entry_create(user=editor, term_original="implane", term_corrected="implant", speaker_id=lee.pk)
    save(transcription, editor, 1, s1="Today we look at the implane of molars.")  # final H-2
    # The translate job sends the English final as it is; the start page's "Apply to the
    # English first" writes her term into her segments only, as a new final (H-3).
    pending = english_pending(transcription)
    assert pending is not None and pending.segments == 1
    english_apply_first(transcription=transcription, user=editor)
    transcription.refresh_from_db()
    english = transcription.final_version.edited_text.splitlines()
    assert transcription.final_version.version_type == "H-3"
    assert "implane" in english[1] and "implane" not in english[2] and "implant" in english[2]
    assert english_pending(transcription) is None
    with django_capture_on_commit_callbacks(execute=True):
        translation_services.translation_start(
            transcription=transcription, language_codes=["es"], user=editor
        )
    translation = Translation.objects.get(transcription=transcription, language_code="es")
    data = translation.json_with_timestamps
    assert [s.get("speaker") for s in data["segments"]] == ["S1", "S1", "S2", "S1"]
    assert data["speakers"] == {"S2": "Dr. Lee"}
    # Its subtitles name the speakers as the English ones do.
    from django.test import Client

    client = Client()
    client.force_login(editor)
    vtt = client.get(f"/translations/{translation.pk}/export/?format=vtt").content.decode()
    assert vtt.count("<v Dr. Soto>") == 3 and vtt.count("<v Dr. Lee>") == 1

    # The English changes after the translation: segment 3 is split, segment 0 edited.
    words = latest(transcription).texts[3].split()
    split = {
        "operation": "split",
        "segment": 3,
        "new_segment": 4,
        "left": " ".join(words[:2]),
        "right": " ".join(words[2:]),
    }
    save(transcription, editor, 3, [split], s0="Welcome to the endodontics course.")
    document_finalize(doc=DOC, parent=transcription, user=editor)
    translation.refresh_from_db()
    changed = translation_changed_english(translation)
    assert sorted(changed) == [0, 3]  # not the whole translation
    assert changed[3] == " ".join(words)  # both parts of the split segment

    # Re-translated from that final (5 segments), then the English changes again: the
    # review lays each translated segment beside its own English, by segment id.
    with django_capture_on_commit_callbacks(execute=True):
        translation_services.translation_start(
            transcription=transcription, language_codes=["es"], user=editor
        )
    translation.refresh_from_db()
    save(transcription, editor, 4, s4="with a rubber dam.")
    document_finalize(doc=DOC, parent=transcription, user=editor)
    translation.refresh_from_db()
    from translations.views_review import translation_editor

    source = translation_editor.source_texts(translation)
    english = latest(transcription).texts
    assert source == [*english[:4], "English changed: with a rubber dam."]
    header = translation_editor.header_context(None, translation)
    assert "changed in 1 of 5 segments" in header["notes"][0]


def test_summary_prompts_name_the_speakers(transcription, editor):
    from documents.services import document_finalize
    from summaries.services.drafts import _summary_system
    from summaries.services.generation import _with_speakers

    save(
        transcription,
        editor,
        0,
        [
            {"operation": "rename", "speaker": "S2", "name": "Dr. Lee"},
            {"operation": "speaker", "segment": 2, "speaker": "S2"},
            {"operation": "speaker", "segment": 3, "speaker": "S2"},
        ],
    )
    version = document_finalize(doc=DOC, parent=transcription, user=editor)
    texts = latest(transcription).texts
    transcript, speakers = _with_speakers(transcription, version, version.edited_text)
    assert speakers == ["Dr. Soto", "Dr. Lee"]
    assert transcript == (f"Dr. Soto: {texts[0]} {texts[1]}\n\nDr. Lee: {texts[2]} {texts[3]}")
    system = _summary_system([], speakers=speakers)
    assert "speaker, Dr. Soto." in system and "several speakers: Dr. Soto, Dr. Lee" in system


def test_exports_name_the_speakers_and_the_project_names_the_default(editor, client):
    import io

    from docx import Document

    from projects.services import project_update
    from transcripts.tests.test_editor_helpers import make_project, make_transcription

    project = make_project(editor)
    project_update(
        project=project,
        user=editor,
        name=project.name,
        project_type=project.project_type,
        metadata={"speaker": "Dr. Ana Ruiz"},
    )
    project.refresh_from_db()
    transcription = make_transcription(editor, project=project)
    assert Speaker.objects.get(transcription=transcription, label="S1").name == "Dr. Ana Ruiz"
    save(
        transcription,
        editor,
        0,
        [
            {"operation": "rename", "speaker": "S2", "name": "Guest <Q&A>"},
            {"operation": "speaker", "segment": 2, "speaker": "S2"},
        ],
    )
    texts = latest(transcription).texts
    client.force_login(editor)
    url = transcription.get_absolute_url() + "export/?format="

    def body(fmt):
        response = client.get(url + fmt)
        assert response.status_code == 200
        return response.content

    assert body("txt").decode() == (
        f"Dr. Ana Ruiz: {texts[0]} {texts[1]}\n\nGuest <Q&A>: {texts[2]}\n\n"
        f"Dr. Ana Ruiz: {texts[3]}\n"
    )
    # A cue where the speaker changes opens with their name (on its own line when the
    # text fits the other one), within the caption profile's two lines of 42.
    cues = [c.content for c in srt_parse(body("srt").decode())]
    assert cues[0] == f"Dr. Ana Ruiz:\n{texts[0]}"
    assert cues[1].replace("\n", " ") == texts[1]
    # SRT players read <…> as markup (<b>, <i>, <font>): a name's brackets are shown instead.
    assert cues[2].startswith("Guest ‹Q&A›: ") and cues[2].replace("\n", " ").endswith(texts[2])
    assert cues[3].startswith("Dr. Ana Ruiz:")
    assert all(len(line) <= 42 for cue in cues for line in cue.split("\n"))
    vtt = body("vtt").decode()
    assert "<v Guest &lt;Q&amp;A&gt;>The implane is placed\nafter the extraction heals." in vtt
    assert "<v Dr. Ana Ruiz>" in vtt
    data = json.loads(body("json"))
    assert [s["speaker_name"] for s in data["segments"]] == [
        "Dr. Ana Ruiz",
        "Dr. Ana Ruiz",
        "Guest <Q&A>",
        "Dr. Ana Ruiz",
    ]
    paragraphs = [p.text for p in Document(io.BytesIO(body("docx"))).paragraphs]
    assert any(p.endswith(f"Guest <Q&A>: {texts[2]}") for p in paragraphs)


def test_a_stale_text_edit_over_a_split_merges_or_shows_the_conflict_page(
    transcription, editor, other_editor, client
):
    """A save without structure changes, made before someone split its segment, merges by
    segment id: words typed after the cut go to the part they belong to; an overlapping edit
    gets the conflict page (never "discard it"), and "mine" keeps the typed words without
    doubling the other part's."""
    words = latest(transcription).texts[0].split()
    split = {
        "operation": "split",
        "segment": 0,
        "new_segment": 4,
        "left": f"{words[0]} ALPHA",
        "right": " ".join(words[2:]),
    }
    save(transcription, editor, 0, [split])
    save(transcription, editor, 0, s0=" ".join([*words[:-1], "now", words[-1]]))
    now = " ".join([*words[2:-1], "now", words[-1]])
    assert latest(transcription).texts[:2] == [f"{words[0]} ALPHA", now]
    typed = " ".join([words[0], "BETA", *words[2:]])
    with pytest.raises(SaveConflict):
        save(transcription, other_editor, 0, s0=typed)
    client.force_login(other_editor)
    url = transcription.get_absolute_url()
    page = client.get(url + "conflict/")
    assert page.status_code == 409
    assert "BETA" in page.content.decode()
    draft = drafts.draft_get(kind="transcript", document_id=transcription.pk, user=other_editor)
    answer = client.post(
        url + "conflict/", {"latest_seen": 2, "draft_stamp": draft.stamp, "choice-0": "mine"}
    )
    assert answer.status_code == 302 and answer["Location"] == url
    after = latest(transcription)
    assert after.number == 3
    assert after.texts[:2] == [f"{words[0]} BETA", split["right"]]  # "now" was theirs
    assert [s["id"] for s in after.json["segments"]][:2] == [0, 4]
    assert_words_inside_segments(after.json)


def resolve_as_mine(client, transcription, user):
    """The conflict page, then "Save with these choices" with every row left on "mine"."""
    client.force_login(user)
    url = transcription.get_absolute_url()
    page = client.get(url + "conflict/")
    assert page.status_code == 409
    draft = drafts.draft_get(kind="transcript", document_id=transcription.pk, user=user)
    answer = client.post(
        url + "conflict/",
        {"latest_seen": latest(transcription).number, "draft_stamp": draft.stamp},
        follow=True,
    )
    assert "Someone saved again" not in answer.content.decode()
    return page.content.decode()


def test_keep_mine_over_a_segment_or_speaker_merged_away_saves(
    transcription, editor, other_editor, client
):
    """Keeping my split of a segment the other editor merged into its neighbour brings it
    back and splits it; keeping my segment for a speaker they merged away brings the
    speaker back. Nothing loops on "Someone saved again"."""
    base = latest(transcription).texts
    words = base[3].split()
    save(transcription, editor, 0, [{"operation": "merge", "segment": 2, "next": 3}])
    split = {
        "operation": "split",
        "segment": 3,
        "new_segment": 4,
        "left": words[0],
        "right": " ".join(words[1:]),
    }
    with pytest.raises(SaveConflict):
        save(transcription, other_editor, 0, [split], s0="Hello and welcome to the course.")
    shown = resolve_as_mine(client, transcription, other_editor)
    assert "merged into the segment before" in shown
    after = latest(transcription)
    assert after.texts == [
        "Hello and welcome to the course.",
        base[1],
        base[2],
        *split_parts(split),
    ]
    assert_words_inside_segments(after.json)

    h = after.number
    save(
        transcription,
        editor,
        h,
        [
            {"operation": "rename", "speaker": "S2", "name": "Guest"},
            {"operation": "speaker", "segment": 1, "speaker": "S2"},
        ],
    )
    save(
        transcription,
        editor,
        h + 1,
        [{"operation": "merge_speakers", "speaker": "S2", "into": "S1"}],
    )
    with pytest.raises(SaveConflict):
        save(
            transcription,
            other_editor,
            h + 1,
            [{"operation": "speaker", "segment": 2, "speaker": "S2"}],
        )
    shown = resolve_as_mine(client, transcription, other_editor)
    assert "Guest" in shown
    final = latest(transcription)
    assert final.json["speakers"]["S2"] == "Guest"
    assert [s.get("speaker", "S1") for s in final.json["segments"]][1:3] == ["S1", "S2"]


def split_parts(split):
    return [split["left"], split["right"]]


def test_a_speakers_dictionary_entry_is_suggested_for_that_speaker(transcription, editor, client):
    """The editor's suggestion of a speaker's own entry names that speaker (Apply all then
    replaces in that speaker's segments only) and counts only theirs."""
    from glossary.services import entry_create

    save(
        transcription,
        editor,
        0,
        [
            {"operation": "rename", "speaker": "S2", "name": "Dr. Lee"},
            {"operation": "speaker", "segment": 2, "speaker": "S2"},
        ],
    )
    lee = Speaker.objects.get(transcription=transcription, label="S2")
    entry_create(user=editor, term_original="the", term_corrected="thee", speaker_id=lee.pk)
    client.force_login(editor)
    page = client.get(transcription.get_absolute_url())
    data = json.loads(page.context["editor_data"].split(">", 1)[1].rsplit("<", 1)[0])
    assert {"original": "the", "corrected": "thee", "count": 2, "speaker": "S2"} in data[
        "suggestions"
    ]


def test_control_characters_never_reach_names_texts_or_a_docx(transcription, editor, client):
    """A bell or escape in a speaker's name (typed, an engine's, the project's default) or in
    a segment's text is dropped where it comes in; a DOCX of an older version that holds one
    still exports."""
    import io

    from docx import Document

    from integrations.transcription.base import label_speakers
    from projects.forms import ProjectForm

    engine = [
        {"text": "Hi.", "speaker": "Dr.\x07 Lee" + "x" * 300},
        {"text": "Yes.", "speaker": "B"},
    ]
    names = label_speakers(engine)
    assert names["S1"].startswith("Dr. Leex") and len(names["S1"]) == 80
    form = ProjectForm(data={"speaker": "Dr.\x1b Ana"})
    form.is_valid()
    assert form.cleaned_data["speaker"] == "Dr. Ana"

    save(
        transcription,
        editor,
        0,
        [
            {"operation": "rename", "speaker": "S2", "name": "Bell\x07 Name\x1b"},
            {"operation": "speaker", "segment": 2, "speaker": "S2"},
        ],
        s1="Today we look at\x07 molars.",
    )
    after = latest(transcription)
    assert after.texts[1] == "Today we look at molars."
    assert after.json["speakers"]["S2"] == "Bell Name"
    # A version stored before names were cleaned.
    version = after.version
    version.json_with_timestamps = {
        **after.json,
        "speakers": {"S2": "Old\x07 Bell"},
        "segments": [{**s, "text": s["text"] + "\x08"} for s in after.json["segments"]],
    }
    version.save(update_fields=["json_with_timestamps"])
    client.force_login(editor)
    response = client.get(transcription.get_absolute_url() + "export/?format=docx")
    assert response.status_code == 200
    paragraphs = [p.text for p in Document(io.BytesIO(response.content)).paragraphs]
    assert any(p.startswith("Old Bell: ") or "Old Bell: " in p for p in paragraphs)


def test_a_speaker_label_is_never_handed_out_again(transcription, editor, client):
    """A speaker merged away keeps their label: a new speaker gets the next one, so an entry
    limited to the old speaker never passes to someone else (restore does not lower it)."""
    from django.core.exceptions import ValidationError

    save(
        transcription,
        editor,
        0,
        [
            {"operation": "rename", "speaker": "S2", "name": "Guest"},
            {"operation": "speaker", "segment": 1, "speaker": "S2"},
        ],
    )
    save(transcription, editor, 1, [{"operation": "merge_speakers", "speaker": "S2", "into": "S1"}])
    assert latest(transcription).json["next_speaker"] == 3
    reuse = [
        {"operation": "rename", "speaker": "S2", "name": "Zoe"},
        {"operation": "speaker", "segment": 2, "speaker": "S2"},
    ]
    with pytest.raises(ValidationError, match="S2"):
        save(transcription, editor, 2, reuse)
    save(
        transcription,
        editor,
        2,
        [
            {"operation": "rename", "speaker": "S3", "name": "Zoe"},
            {"operation": "speaker", "segment": 2, "speaker": "S3"},
        ],
    )
    rows = {
        s.label: (s.name, s.archived) for s in Speaker.objects.filter(transcription=transcription)
    }
    assert rows["S2"] == ("Guest", True) and rows["S3"] == ("Zoe", False)
    document_restore_version(doc=DOC, parent=transcription, user=editor, version_number=1)
    assert latest(transcription).json["next_speaker"] == 4
    client.force_login(editor)
    page = client.get(transcription.get_absolute_url())
    data = json.loads(page.context["editor_data"].split(">", 1)[1].rsplit("<", 1)[0])
    assert data["structure"]["next_speaker"] == 4


def test_the_conflict_page_counts_in_words_and_names_a_speaker_conflict(
    transcription, editor, other_editor, client
):
    save(transcription, editor, 0, [{"operation": "rename", "speaker": "S1", "name": "Dr. A"}])
    with pytest.raises(SaveConflict, match="1 segment was changed by someone else"):
        save(
            transcription,
            other_editor,
            0,
            [{"operation": "rename", "speaker": "S1", "name": "Dr. B"}],
        )
    shown = resolve_as_mine(client, transcription, other_editor)
    assert "1 segment was changed by both of you" in shown
    assert "Keep my name for this speaker over theirs" in shown
    assert "(split, merge or speaker)" not in shown
    assert latest(transcription).json["speakers"]["S1"] == "Dr. B"


def test_json_export_names_the_renamed_default_speaker_and_every_label(
    transcription, editor, client
):
    save(
        transcription,
        editor,
        0,
        [
            {"operation": "rename", "speaker": "S1", "name": "Dr. Soto Ω"},
            {"operation": "rename", "speaker": "S2", "name": "Dr. Soto Ω"},
            {"operation": "speaker", "segment": 2, "speaker": "S2"},
        ],
    )
    client.force_login(editor)
    url = transcription.get_absolute_url() + "export/?format=json"
    metadata = json.loads(client.get(url).content)["metadata"]
    assert metadata["speaker"] == "Dr. Soto Ω"
    assert metadata["speakers"] == [
        {"label": "S1", "name": "Dr. Soto Ω"},
        {"label": "S2", "name": "Dr. Soto Ω"},
    ]


def test_a_structure_only_save_counts_no_text_change_in_the_history(transcription, editor):
    from documents.diffs import change_summary

    save(transcription, editor, 0, [{"operation": "merge", "segment": 1, "next": 2}])
    version = latest(transcription).version
    summary = change_summary(version.diff_from_previous)
    assert summary.is_empty  # the history says "no text change" beside the merge it lists


def test_the_diff_shows_a_merged_away_segment_beside_the_one_that_took_its_words(
    transcription, editor
):
    from documents.selectors import document_diff

    words = latest(transcription).texts[3].split()
    split = {
        "operation": "split",
        "segment": 3,
        "new_segment": 4,
        "left": words[0],
        "right": " ".join(words[1:]),
    }
    save(transcription, editor, 0, [{"operation": "merge", "segment": 1, "next": 2}, split])
    diff = document_diff(doc=DOC, parent=transcription, old_number=0, new_number=1)
    assert [(row.index, row.note.split(" ·")[0]) for row in diff.rows] == [
        (1, ""),
        (1, "merged into the previous segment"),
        (2, ""),
        (3, "new segment (split)"),
    ]
    assert diff.segment_count == 5  # every segment of either version, so never "5 of 4"


def test_engine_speakers_keep_their_numbers_and_ignore_case():
    """Sonix's "Speaker 1" stays "Speaker 1" when "Speaker 2" spoke first (and is the
    default speaker); "speaker" and "Speaker" are one voice, with no name of their own."""
    from integrations.transcription.base import label_speakers

    segments = [
        {"text": "a", "speaker": "Speaker 2"},
        {"text": "b", "speaker": "Speaker 1"},
        {"text": "c", "speaker": "speaker"},
        {"text": "d", "speaker": "Speaker"},
    ]
    assert label_speakers(segments) == {"S2": "Speaker 1", "S3": "Speaker 3"}
    assert [s["speaker"] for s in segments] == ["S1", "S2", "S3", "S3"]
