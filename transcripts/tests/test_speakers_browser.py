"""Segments and speakers in headless Chromium, end to end: split at the cursor (Ctrl+Enter),
merge with the next (Ctrl+Shift+Enter), undo (Ctrl+Z), a new speaker from a word on, a rename,
a reload that keeps the unsaved changes, save, the stored version, the history, and a stale
save that meets the conflict page and is resolved as "mine"."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from documents.selectors import document_snapshot
from documents.services import document_save_version
from transcripts.document import TRANSCRIPT_DOCUMENT
from transcripts.models import Speaker, TranscriptionVersion
from transcripts.tests.test_editor_helpers import make_transcription

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_editor(page, transcription):
    page.goto(transcription.get_absolute_url())
    expect(page.locator('.seg[data-i="0"]')).to_be_visible()
    page.wait_for_function("() => performance.getEntriesByName('max-editor-ready').length > 0")


def put_caret(page, index, word):
    """The caret just before word `word` of segment `index`."""
    page.locator(f'.seg[data-i="{index}"] .seg__text').click()
    page.evaluate(
        """([i, k]) => {
            const span = document.querySelectorAll(`.seg[data-i="${i}"] .seg__text span`)[k];
            const range = document.createRange();
            range.setStart(span.firstChild, 0);
            range.collapse(true);
            getSelection().removeAllRanges();
            getSelection().addRange(range);
        }""",
        [index, word],
    )


def texts(page):
    return page.evaluate("[...document.querySelectorAll('.seg__text')].map(e => e.textContent)")


def test_split_merge_speakers_undo_save_and_a_stale_structure_save(page_for, editor, other_editor):
    lecture = make_transcription(editor)
    original = document_snapshot(doc=TRANSCRIPT_DOCUMENT, parent=lecture).texts
    page = page_for(editor)
    page.on("dialog", lambda dialog: dialog.accept())
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    open_editor(page, lecture)
    status = page.locator("[data-status]")
    expect(page.locator("[data-speaker-chip]")).to_have_count(1)

    # Split segment 1 before "root" (Ctrl+Enter): two segments, the cursor in the second.
    put_caret(page, 1, 4)
    page.keyboard.press("Control+Enter")
    expect(status).to_contain_text("Segment split")
    assert texts(page)[1:3] == ["Today we look at", "root canal treatment of molars."]
    # Merge the new part with the next segment, then undo that merge (Ctrl+Z right after).
    put_caret(page, 2, 0)
    page.keyboard.press("Control+Shift+Enter")
    expect(page.locator(".seg__text")).to_have_count(4)
    page.keyboard.press("Control+z")
    expect(status).to_contain_text("Undone: Segments merged")
    expect(page.locator(".seg__text")).to_have_count(5)

    # A guest speaks from "The implane" on: a new speaker for the rest of the turn.
    put_caret(page, 3, 0)
    page.select_option("[data-assign-speaker]", "new")
    page.fill("[data-new-speaker] input", "Dr. Lee")
    page.click("[data-assign-from-word]")
    expect(page.locator("[data-speaker-chip]")).to_have_text(["Dr. Soto", "Dr. Lee"])
    # Ceramic crowns are Dr. Soto's again; then Dr. Lee's name is corrected.
    put_caret(page, 4, 0)
    page.select_option("[data-assign-speaker]", "S1")
    page.click("[data-assign-segment]")
    rename = page.locator('[data-rename="S2"]')
    rename.fill("Dr. Maria Lee")
    rename.press("Tab")
    expect(page.locator("[data-speaker-chip]")).to_have_text(
        ["Dr. Soto", "Dr. Maria Lee", "Dr. Soto"]
    )
    # Typed text rides along with the structure changes.
    put_caret(page, 0, 0)
    page.keyboard.type("Hello. ")
    expect(status).to_contain_text("segment or speaker change")

    # A reload keeps everything unsaved (this tab's copy), then Ctrl+S saves it as H-1.
    page.reload()
    page.wait_for_function("() => performance.getEntriesByName('max-editor-ready').length > 0")
    expect(page.locator("[data-speaker-chip]")).to_have_text(
        ["Dr. Soto", "Dr. Maria Lee", "Dr. Soto"]
    )
    page.locator(".seg__text").first.click()
    page.keyboard.press("Control+s")
    expect(status).to_contain_text("Saved H-1.")

    version = TranscriptionVersion.objects.get(transcription=lecture)
    data = version.json_with_timestamps
    assert version.edited_text.splitlines() == [
        f"Hello. {original[0]}",
        "Today we look at",
        "root canal treatment of molars.",
        original[2],
        original[3],
    ]
    assert [s["id"] for s in data["segments"]] == [0, 1, 4, 2, 3]
    assert [s.get("speaker", "S1") for s in data["segments"]] == ["S1", "S1", "S1", "S2", "S1"]
    assert data["speakers"] == {"S2": "Dr. Maria Lee"}
    for seg in data["segments"]:
        assert all(seg["start"] <= w["start"] <= w["end"] <= seg["end"] for w in seg["words"])
    operations = [op["operation"] for op in json.loads(version.diff_from_previous)["operations"]]
    assert operations[:3] == ["split", "rename", "speaker"]
    assert Speaker.objects.get(transcription=lecture, label="S2").name == "Dr. Maria Lee"
    page.goto(lecture.get_absolute_url() + "history/")
    expect(page.locator(".history__structure").first).to_contain_text("Split a segment")

    # Someone else (on H-1 too) edits segment 3; this editor, still on H-1, merges 3 with 4.
    document_save_version(
        doc=TRANSCRIPT_DOCUMENT,
        parent=lecture,
        user=other_editor,
        based_on_version_number=1,
        segments_text={3: "The implant is placed after the extraction heals."},
    )
    open_editor(page, lecture)
    page.evaluate("document.querySelector('[data-editor]').maxEditor.basedOn = 1")
    put_caret(page, 3, 0)
    page.keyboard.press("Control+Shift+Enter")
    page.keyboard.press("Control+s")
    expect(page).to_have_url(lecture.get_absolute_url() + "conflict/")
    expect(page.locator(".conflict")).to_contain_text("Keep my change")
    page.click("text=Save with these choices")
    expect(page.locator(".messages, [data-status]").first).to_contain_text("Saved H-3")
    latest = document_snapshot(doc=TRANSCRIPT_DOCUMENT, parent=lecture)
    # The merge went through and kept the other editor's words.
    assert latest.texts[3] == f"The implant is placed after the extraction heals. {original[3]}"

    # Words typed into either segment survive merging them (the merge itself carries no
    # text): the merged segment stays unsaved, and Ctrl+S saves what the editor shows.
    open_editor(page, lecture)
    page.locator('.seg[data-i="0"] .seg__text').click()
    page.keyboard.press("End")
    page.keyboard.type(" Welcome.")
    put_caret(page, 1, 0)
    page.keyboard.press("End")
    page.keyboard.type(" Typed before merging.")
    put_caret(page, 0, 0)
    page.keyboard.press("Control+Shift+Enter")
    merged = texts(page)[0]
    assert "Welcome." in merged and merged.endswith("Typed before merging.")
    page.keyboard.press("Control+s")
    expect(status).to_contain_text("Saved H-4")
    assert document_snapshot(doc=TRANSCRIPT_DOCUMENT, parent=lecture).texts[0] == merged

    # A correction only for Dr. Maria Lee: offered and applied in her segments only.
    page.click("text=Add a correction")
    page.fill("#dict-original", "the")
    page.fill("#dict-corrected", "thee")
    page.select_option("#dict-speaker", "S2")
    page.click("text=Add to dictionary")
    offer = page.locator("[data-suggestions] li").last
    expect(offer).to_contain_text("the → thee (Dr. Maria Lee only) (2)")
    offer.locator("button").click()
    expect(offer).to_contain_text("2 replaced")
    assert "to the course" in texts(page)[0]
    assert texts(page)[2].startswith("Thee implant is placed after thee extraction")

    # "From the cursor on" after a click on another segment's chip acts on that segment
    # (the caret elsewhere is not cut), and cuts nothing when the speaker stays the same.
    put_caret(page, 0, 3)
    page.locator('.seg[data-i="2"] [data-speaker-chip]').click()
    expect(page.locator("[data-speaker-target]")).to_contain_text("Segment 3")
    page.select_option("[data-assign-speaker]", "S1")
    page.click("[data-assign-from-word]")
    expect(page.locator("[data-speaker-chip]")).to_have_text(["Dr. Soto"])
    assert len(texts(page)) == 3
    put_caret(page, 1, 2)
    page.select_option("[data-assign-speaker]", "S1")
    page.click("[data-assign-from-word]")
    expect(status).to_contain_text("already")
    assert len(texts(page)) == 3
    # Ctrl+Z in a speaker's name field undoes the typing there, not the last speaker change.
    name = page.locator('[data-rename="S1"]')
    name.click()
    page.keyboard.press("End")
    page.keyboard.type("XY")
    page.keyboard.press("Control+z")
    expect(name).not_to_have_value("Dr. SotoXY")
    expect(page.locator("[data-speaker-chip]")).to_have_text(["Dr. Soto"])
    # A new name typed, then Ctrl+S while still in the field: the rename is saved.
    name.fill("Dr. Ana Soto")
    page.keyboard.press("Control+s")
    expect(status).to_contain_text("Saved H-5")
    saved = document_snapshot(doc=TRANSCRIPT_DOCUMENT, parent=lecture).json
    assert saved["speakers"]["S1"] == "Dr. Ana Soto"
    assert {seg.get("speaker", "S1") for seg in saved["segments"]} == {"S1"}
    # A double click on "Merge with next" merges one pair, not two.
    page.locator('.seg[data-i="0"] .seg__text').click()
    page.evaluate("scrollTo(0, 0)")  # both clicks land on the button, not what scrolls there
    page.dblclick("[data-merge-next]")
    expect(page.locator(".seg__text")).to_have_count(2)
    assert not errors
    # Dr. Maria Lee merged away: a new speaker gets a new label, never her S2.
    page.select_option('[data-merge-into="S2"]', "S1")
    page.locator('.seg[data-i="1"] .seg__text').click()
    page.select_option("[data-assign-speaker]", "new")
    page.fill("[data-new-speaker] input", "Zoe")
    page.click("[data-assign-segment]")
    names = page.evaluate("document.querySelector('[data-editor]').maxEditor.structure.names")
    assert names.get("S3") == "Zoe" and "S2" not in names
    assert not errors
    # A keyboard reaches a segment's speaker from its chip (Shift+Tab from the text, Enter).
    page.locator('.seg[data-i="1"] .seg__text').click()
    page.keyboard.press("Shift+Tab")
    expect(page.locator('.seg[data-i="1"] [data-speaker-chip]')).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("[data-assign-speaker]")).to_be_focused()
    expect(page.locator("[data-assign-speaker]")).to_have_value("S3")
    # Dr. Ana Soto (the default speaker) merged into Zoe: said so, and no second Zoe listed.
    page.select_option('[data-merge-into="S1"]', "S3")
    expect(status).to_contain_text("Dr. Ana Soto merged into Zoe")
    expect(page.locator("[data-rename]")).to_have_count(1)
    expect(page.locator("[data-speaker-chip]")).to_have_text(["Zoe"])
    page.keyboard.press("Control+s")
    expect(status).to_contain_text("Saved H-6")
    page.reload()
    page.wait_for_function("() => performance.getEntriesByName('max-editor-ready').length > 0")
    # Only Zoe speaks: no "For" choice, and never two "Only Zoe".
    expect(page.locator("[data-dictionary-form]")).to_have_count(1)
    expect(page.locator("#dict-speaker")).to_have_count(0)
    assert not errors
    # A new speaker given a segment is one step to undo (no nameless speaker left behind).
    page.locator('.seg[data-i="0"] .seg__text').click()
    page.select_option("[data-assign-speaker]", "new")
    page.fill("[data-new-speaker] input", "Sam")
    page.click("[data-assign-segment]")
    expect(page.locator("[data-speaker-chip]").first).to_have_text("Sam")
    page.click("[data-structure-undo]")
    expect(page.locator("[data-speaker-chip]").first).to_have_text("Zoe")
    names = page.evaluate("document.querySelector('[data-editor]').maxEditor.structure.names")
    assert "Sam" not in names.values()
    # A caret inside a word splits at that word's nearer edge, the first word too.
    first = texts(page)[0].split()[0]
    page.locator('.seg[data-i="0"] .seg__text').click()
    page.evaluate(
        """(n) => {
            const span = document.querySelector('.seg[data-i="0"] .seg__text span');
            const range = document.createRange();
            range.setStart(span.firstChild, n);
            range.collapse(true);
            getSelection().removeAllRanges();
            getSelection().addRange(range);
        }""",
        len(first) - 1,
    )
    page.keyboard.press("Control+Enter")
    expect(status).to_contain_text("Segment split")
    assert texts(page)[0] == first
    assert not errors
