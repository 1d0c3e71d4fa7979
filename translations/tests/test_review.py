"""The review page: the transcript editor reused for translations, as a reviewer uses it."""

import io
import json
import re

import pytest
import srt
from django.urls import reverse
from docx import Document

from accounts.models import Activity
from documents.diffs import patch_rebuild
from translations import services
from translations.models import TranslationVersion
from translations.tests.conftest import add_english_version

pytestmark = pytest.mark.django_db

SPANISH = [
    {"id": 0, "start": 0.0, "end": 2.5, "text": "Buenos días a todos."},
    {
        "id": 1,
        "start": 2.5,
        "end": 6.0,
        "text": "Hoy colocamos carillas de cerámica en los incisivos.",
    },
    {"id": 2, "start": 6.0, "end": 9.75, "text": "El implante necesita seis semanas."},
    {"id": 3, "start": 9.75, "end": 12.0, "text": "Gracias, Dr. Soto."},
]


def machine(transcription, user, code="es"):
    segments = (
        SPANISH if code == "es" else [{**s, "text": f"[{code}] {s['text']}"} for s in SPANISH]
    )
    return services.translation_store_machine_text(
        transcription=transcription,
        language_code=code,
        source=transcription.final_version,
        segments=segments,
        corrections=[],
        engine="anthropic",
        user=user,
    ).translation


def url(name, translation):
    return reverse(f"translations:{name}", args=[translation.pk])


def editor_data(page: str) -> dict:
    raw = re.search(r'<script id="editor-data" type="application/json">(.*?)</script>', page, re.S)
    return json.loads(raw.group(1))


def save(client, translation, based_on, **segments):
    fields = {f"seg-{k.removeprefix('s')}": v for k, v in segments.items()}
    return client.post(url("save", translation), {"based_on": based_on, **fields}, follow=True)


@pytest.fixture
def spanish(final_transcription, editor):
    return machine(final_transcription, editor)


def test_review_page_shows_english_beside_each_segment_with_times_and_player(
    editor_client, spanish, final_transcription, django_assert_max_num_queries
):
    with django_assert_max_num_queries(10):
        response = editor_client.get(spanish.get_absolute_url())
    page = response.content.decode()
    data = editor_data(page)
    assert data["label"] == "T-1-es" and data["based_on"] == 0
    assert [seg[2] for seg in data["segments"]] == [s["text"] for s in SPANISH]
    assert [seg[0] for seg in data["segments"]] == [0.0, 2.5, 6.0, 9.75]  # English timing
    assert data["source"][1] == "Today we place ceramic veneers on the upper incisors."
    assert reverse("media_files:stream", args=[final_transcription.audio_file_id]) in page
    assert 'dir="ltr" lang="es"' in page
    assert "Spanish translation of Lecture 1.mp3" in page


def test_arabic_is_edited_right_to_left(editor_client, final_transcription, editor):
    arabic = machine(final_transcription, editor, "ar")
    page = editor_client.get(arabic.get_absolute_url()).content.decode()
    assert 'data-transcript dir="rtl" lang="ar"' in page
    assert 'dir="rtl" lang="ar">[ar] Buenos días a todos.</textarea>' in page  # the no-script form


def test_save_creates_a_version_labelled_with_the_english_source(
    editor_client, spanish, final_transcription
):
    response = save(editor_client, spanish, 0, s1="Hoy colocamos carillas cerámicas.")
    assert "Saved H-1-es." in response.content.decode()
    version = spanish.versions.get()
    assert version.version_number == 1 and version.version_type == "H-1-es"
    assert version.origin == TranslationVersion.Origin.EDIT
    assert version.edited_text.split("\n")[1] == "Hoy colocamos carillas cerámicas."
    assert version.json_with_timestamps["segments"][1]["start"] == 2.5  # times never move
    diff = json.loads(version.diff_from_previous)
    assert diff["patch"] and diff["user_id"]
    # Applying the patch to T-1-es gives this version's text (DESIGN.md).
    assert patch_rebuild(spanish.translated_text, diff["patch"]) == version.edited_text
    assert Activity.objects.filter(action="translation.edit", target_id=spanish.pk).exists()


def test_label_follows_the_english_version_that_was_translated(
    editor_client, final_transcription, editor
):
    add_english_version(final_transcription, editor)  # H-2 final
    translation = machine(final_transcription, editor)
    save(editor_client, translation, 0, s0="Hola.")
    save(editor_client, translation, 1, s0="Hola a todos.")
    assert list(translation.versions.values_list("version_type", flat=True)) == ["H-2-es", "H-2-es"]


def test_stale_saves_merge_and_overlapping_ones_conflict(client, editor, other_editor, spanish):
    client.force_login(editor)
    save(client, spanish, 0, s0="Buenos días, colegas.")
    client.force_login(other_editor)
    # Started from T-1-es too, edited another segment: merged, nothing lost.
    response = save(client, spanish, 0, s2="El implante necesita seis semanas de cicatrización.")
    assert "merged in" in response.content.decode()
    latest = spanish.versions.order_by("-version_number").first()
    assert latest.edited_text.split("\n")[0] == "Buenos días, colegas."
    assert latest.edited_text.split("\n")[2].endswith("de cicatrización.")
    # Same segment, different words, from the old base: refused, kept as a draft.
    response = client.post(url("save", spanish), {"based_on": 0, "seg-0": "Hola a todas y todos."})
    assert response.status_code == 302 and response["Location"] == url("conflict", spanish)
    conflict = client.get(url("conflict", spanish))
    assert conflict.status_code == 409
    assert "Hola a todas y todos." in conflict.content.decode()
    assert spanish.versions.count() == 2


def test_drafts_are_offered_back(editor_client, spanish):
    response = editor_client.post(
        url("autosave", spanish), {"based_on": 0, "segments": json.dumps({"3": "¡Gracias!"})}
    )
    assert response.json()["status"] == "saved"
    page = editor_client.get(spanish.get_absolute_url()).content.decode()
    assert "You have an unsaved draft" in page and "started from T-1-es" in page
    restored = editor_client.get(spanish.get_absolute_url() + "?draft=restore").content.decode()
    assert editor_data(restored)["segments"][3][2] == "¡Gracias!"
    assert not spanish.versions.exists()  # a draft is never a version


def test_history_diff_and_restore(editor_client, spanish):
    save(editor_client, spanish, 0, s0="Hola.")
    history = editor_client.get(url("history", spanish)).content.decode()
    assert "H-1-es" in history and "T-1-es" in history
    diff = editor_client.get(url("diff", spanish) + "?a=0&b=1").content.decode()
    assert "Hola." in diff and "Buenos días a todos." in diff
    response = editor_client.post(url("restore", spanish), {"version": 0}, follow=True)
    assert response.status_code == 200
    restored = spanish.versions.order_by("-version_number").first()
    assert restored.version_number == 2 and restored.origin == TranslationVersion.Origin.RESTORE
    assert restored.edited_text.split("\n")[0] == "Buenos días a todos."


def test_finalize_marks_the_translation_ready_for_voice_over(editor_client, spanish):
    response = editor_client.post(url("finalize", spanish), follow=True)
    page = response.content.decode()
    assert "H-1-es is the final version." in page
    assert "Ready for voice-over" in page
    spanish.refresh_from_db()
    assert spanish.final_version.version_type == "H-1-es"
    assert spanish.final_version.origin == TranslationVersion.Origin.FINALIZE
    # Editing afterwards does not silently move what voice-over reads.
    save(editor_client, spanish, 1, s0="Hola.")
    spanish.refresh_from_db()
    assert spanish.final_version.version_number == 1


def test_exports_in_four_formats_keep_the_english_timing(editor_client, spanish):
    def get(fmt, version=""):
        response = editor_client.get(url("export", spanish) + f"?format={fmt}&version={version}")
        assert response.status_code == 200, response.content[:200]
        assert 'filename="lecture-1-T-1-es.' in response["Content-Disposition"]
        return response

    assert get("txt").content.decode().splitlines()[0] == "Buenos días a todos."
    subs = list(srt.parse(get("srt").content.decode()))
    assert subs[1].content.startswith("Hoy colocamos") and subs[1].start.total_seconds() == 2.5
    vtt = get("vtt").content.decode()
    # The segment's cue ends 2 frames (83 ms) before the next one starts at 9.75 s.
    assert vtt.startswith("WEBVTT") and "00:00:06.000 --> 00:00:09.667" in vtt
    document = Document(io.BytesIO(get("docx").content))
    assert any("El implante necesita seis semanas." in p.text for p in document.paragraphs)


def test_arabic_word_export_is_right_to_left(editor_client, final_transcription, editor):
    arabic = machine(final_transcription, editor, "ar")
    response = editor_client.get(url("export", arabic) + "?format=docx")
    document = Document(io.BytesIO(response.content))
    bidi = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}bidi"
    body = [p for p in document.paragraphs if "[ar]" in p.text]
    assert body and all(p._p.pPr.find(bidi) is not None for p in body)


def test_glossary_add_from_the_review_goes_to_the_target_language(editor_client, spanish):
    from glossary.models import DictionaryEntry

    editor_client.post(
        url("glossary_add", spanish), {"term_original": "facetas", "term_corrected": "carillas"}
    )
    assert DictionaryEntry.objects.get(term_original="facetas").language_code == "es"


def test_voice_over_budget_marks_long_segments_and_the_overview_counts_those_within(
    editor_client, spanish, final_transcription
):
    """Budget = the segment's duration × Spanish's 17 characters a second: 3.75 s hold 63."""
    data = editor_data(editor_client.get(spanish.get_absolute_url()).content.decode())
    assert data["budget_cps"] == 17.0  # what the review page marks segments by
    overview = reverse("translations:overview", args=[final_transcription.pk])
    html = editor_client.get(overview).content.decode()
    assert "Voice-over budget: <strong>100 %</strong> of segments within (4 of 4)" in html

    long = "El implante necesita seis semanas de cicatrización antes de colocar la corona."
    assert len(long) > 63
    save(editor_client, spanish, 0, s2=long)
    html = editor_client.get(overview).content.decode()
    assert "Voice-over budget: <strong>75 %</strong> of segments within (3 of 4)" in html
    assert url("captions", spanish) in html
    # The caption check of the translation reads the Spanish profile.
    check = editor_client.get(url("captions", spanish))
    assert check.status_code == 200 and check.context["profile"].language_code == "es"
