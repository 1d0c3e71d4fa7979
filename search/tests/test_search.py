"""Full-text search across the latest text of transcripts and translations."""

from decimal import Decimal

import pytest
from django.urls import reverse

from media_files.models import AudioFile
from projects.models import Project
from search.queries import (
    MARK_START,
    MARK_STOP,
    editor_link,
    plain_snippet,
    safe_snippet,
    search,
)
from transcripts.models import Transcription, TranscriptionVersion
from translations.models import Translation, TranslationVersion

pytestmark = pytest.mark.django_db

SEGMENTS = [
    (0.0, 4.0, "Welcome to the course on endodontics."),
    (4.0, 9.5, "Today we look at root canal treatment of molars."),
    (9.5, 15.25, "Ceramic crowns need a careful preparation."),
    (15.25, 20.0, "Implants are placed after the extraction heals."),
]


def timed(segments):
    return {
        "segments": [
            {
                "id": i,
                "start": start,
                "end": end,
                "text": text,
                "words": [{"word": w, "start": start, "end": end} for w in text.split()],
            }
            for i, (start, end, text) in enumerate(segments)
        ],
        "metadata": {"source": "whisper", "duration": segments[-1][1]},
    }


def text_of(segments):
    return "\n".join(t for _, _, t in segments)


def make_transcription(project, editor, segments=SEGMENTS, name="lecture.mp3"):
    audio = AudioFile.objects.create(
        project=project,
        file_name=name,
        file_path=f"audio/lecture/x-{name}",
        duration_seconds=Decimal("20"),
        uploaded_by=editor,
    )
    return Transcription.objects.create(
        audio_file=audio,
        raw_text=text_of(segments),
        json_with_timestamps=timed(segments),
        created_by=editor,
    )


def add_version(transcription, editor, segments, number):
    return TranscriptionVersion.objects.create(
        transcription=transcription,
        version_number=number,
        version_type=f"H-{number}",
        edited_text=text_of(segments),
        json_with_timestamps=timed(segments),
        edited_by=editor,
    )


def editor_url(obj):
    return obj.get_absolute_url()


def test_finds_a_word_in_a_transcript_with_stemming_and_links_to_its_segment(project, editor):
    transcription = make_transcription(project, editor)
    hits = list(search("crown preparations"))
    assert [h.pk for h in hits] == [transcription.pk]
    hit = hits[0]
    assert hit.version_label == "T-1" and hit.project_name == "Endo week"
    assert hit.file_name == "lecture.mp3"
    assert hit.start_seconds == 9.5 and hit.start_label == "0:09"
    assert "<mark>crowns</mark>" in hit.snippet and "<mark>preparation</mark>" in hit.snippet
    assert hit.url == editor_link(editor_url(transcription), 9.5)


def test_searches_only_the_latest_version(project, editor):
    transcription = make_transcription(project, editor)
    edited = [*SEGMENTS[:3], (15.25, 20.0, "Zirconia abutments are placed after healing.")]
    add_version(transcription, editor, edited, 1)
    assert list(search("implants")) == []
    hits = list(search("zirconia"))
    assert [h.pk for h in hits] == [transcription.pk]
    assert hits[0].version_label == "H-1" and hits[0].start_seconds == 15.25


def test_a_version_without_timestamps_falls_back_to_the_t1_segments(project, editor):
    transcription = make_transcription(project, editor)
    TranscriptionVersion.objects.create(
        transcription=transcription,
        version_number=1,
        version_type="H-1",
        edited_text=text_of(SEGMENTS) + "\nmolars",
        edited_by=editor,
    )
    (hit,) = search("molars")
    assert hit.version_label == "H-1" and hit.start_seconds == 4.0


def test_websearch_syntax_phrases_or_and_exclusion(project, editor):
    first = make_transcription(project, editor)
    other = make_transcription(
        project, editor, [(0.0, 3.0, "A canal and a root, not together.")], name="b.mp3"
    )
    assert {h.pk for h in search("root canal")} == {first.pk, other.pk}
    assert [h.pk for h in search('"root canal"')] == [first.pk]
    assert [h.pk for h in search("root -molars")] == [other.pk]
    assert {h.pk for h in search("extraction or together")} == {first.pk, other.pk}


def test_ranks_denser_matches_first(project, editor):
    sparse = make_transcription(project, editor)
    dense = make_transcription(
        project,
        editor,
        [(0.0, 5.0, "Implants, implants and more implants: the implant course.")],
        name="implants.mp3",
    )
    hits = list(search("implant"))
    assert [h.pk for h in hits] == [dense.pk, sparse.pk]
    assert hits[0].rank > hits[1].rank


def test_translations_are_searched_in_their_language_and_link_to_their_editor(project, editor):
    transcription = make_transcription(project, editor)
    spanish = [
        (0.0, 4.0, "Bienvenidos al curso de endodoncia."),
        (4.0, 9.5, "Hoy vemos el tratamiento de conductos de los molares."),
        (9.5, 15.25, "Las coronas cerámicas necesitan una preparación cuidadosa."),
    ]
    translation = Translation.objects.create(
        transcription=transcription,
        language_code="es",
        translated_text=text_of(spanish),
        json_with_timestamps=timed(spanish),
    )
    (hit,) = search("corona cerámica")  # Spanish stemming: coronas → coron
    assert hit.is_translation and hit.pk == translation.pk and hit.language_code == "es"
    assert hit.version_label == "T-1-es" and hit.start_seconds == 9.5
    assert hit.url == editor_link(editor_url(translation), 9.5)

    TranslationVersion.objects.create(
        translation=translation,
        version_number=1,
        version_type="T-1-es",
        edited_text="Las carillas de porcelana.",
        edited_by=editor,
    )
    assert list(search("coronas")) == []
    (hit,) = search("carillas")
    assert hit.pk == translation.pk and hit.start_seconds is None  # no segment has it


def test_chinese_is_matched_verbatim(project, editor):
    transcription = make_transcription(project, editor)
    chinese = [(0.0, 4.0, "欢迎参加牙髓病学课程。"), (4.0, 9.5, "今天我们讨论根管治疗。")]
    Translation.objects.create(
        transcription=transcription,
        language_code="zh",
        translated_text=text_of(chinese),
        json_with_timestamps=timed(chinese),
    )
    (hit,) = search("根管")
    assert hit.language_code == "zh" and hit.start_seconds == 4.0
    assert "<mark>根管</mark>" in hit.snippet


def test_archived_transcripts_projects_and_files_are_not_found(project, editor):
    transcription = make_transcription(project, editor)
    Transcription.objects.filter(pk=transcription.pk).update(archived=True)
    assert list(search("molars")) == []
    Transcription.objects.filter(pk=transcription.pk).update(archived=False)
    Project.objects.filter(pk=project.pk).update(archived=True)
    assert list(search("molars")) == []


XSS = '<script>alert(1)</script> "><img src=x onerror=alert(1)> molars'


def test_snippets_escape_the_text_and_keep_only_our_marks(project, editor):
    segments = [(0.0, 2.0, XSS), (2.0, 4.0, f"fake {MARK_START}marks{MARK_STOP} <mark>x</mark>")]
    make_transcription(project, editor, segments)
    (hit,) = search("molars")
    assert "<script>" not in hit.snippet and "<img" not in hit.snippet
    assert "<mark>molars</mark>" in hit.snippet and "&gt;" in hit.snippet
    (hit,) = search("fake marks")
    assert hit.snippet.count("<mark>") == 2  # "fake" and "marks", nothing from the text
    assert hit.snippet.count("</mark>") == 2


def test_safe_snippet_turns_only_sentinels_into_marks():
    marked = f'<mark onclick="x">a</mark> {MARK_START}root{MARK_STOP} "&'
    assert safe_snippet(marked) == (
        "&lt;mark onclick=&quot;x&quot;&gt;a&lt;/mark&gt; <mark>root</mark> &quot;&amp;"
    )


def test_plain_snippet_escapes_and_marks_every_occurrence():
    snippet = plain_snippet("a <b>Root</b> and a root" + " filler" * 40, "root")
    assert snippet.startswith("a &lt;b&gt;<mark>Root</mark>&lt;/b&gt; and a <mark>root</mark>")
    assert snippet.endswith(" …")


def test_search_page_shows_ranked_highlighted_results(editor_client, project, editor):
    transcription = make_transcription(project, editor)
    response = editor_client.get(reverse("search:page"), {"q": "root canal"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "1 result for" in body
    assert "<mark>root</mark> <mark>canal</mark>" in body
    assert "at 0:04" in body
    url = editor_link(editor_url(transcription), 4.0)
    if url:
        assert f'href="{url}"' in body.replace("&amp;", "&")


def test_search_page_renders_the_query_and_payloads_inert(editor_client, project, editor):
    make_transcription(project, editor, [(0.0, 2.0, XSS)])
    response = editor_client.get(reverse("search:page"), {"q": "<script>alert(1)</script>"})
    assert b"<script>alert(1)</script>" not in response.content
    response = editor_client.get(reverse("search:page"), {"q": "molars"})
    assert b"<script>alert(1)</script>" not in response.content
    assert b"<img src=x" not in response.content


def test_search_page_with_no_query_or_stop_words_only(editor_client, project, editor):
    make_transcription(project, editor)
    assert editor_client.get(reverse("search:page")).status_code == 200
    response = editor_client.get(reverse("search:page"), {"q": "the"})
    assert b"Nothing matches" in response.content


def test_search_page_query_count_is_pinned(
    editor_client, project, editor, django_assert_max_num_queries
):
    for n in range(25):
        t = make_transcription(project, editor, name=f"f{n}.mp3")
        add_version(t, editor, SEGMENTS, 1)
        Translation.objects.create(
            transcription=t, language_code="es", translated_text="molares", json_with_timestamps={}
        )
    # session, user, languages, rank ×2, details ×2 (one page of 20 of the 50 hits)
    with django_assert_max_num_queries(8):
        response = editor_client.get(reverse("search:page"), {"q": "molars molares or"})
    assert response.status_code == 200
    assert response.content.count(b'class="search-hit card"') == 20
    response = editor_client.get(reverse("search:page"), {"q": "molars or molares", "page": 3})
    assert response.content.count(b'class="search-hit card"') == 10


def test_the_fallback_without_full_text_search_matches_every_word_verbatim(project, editor):
    # The embedded SQLite default takes this path; here it runs on the same rows in PostgreSQL.
    transcription = make_transcription(project, editor)
    add_version(
        transcription, editor, [*SEGMENTS[:3], (15.25, 20.0, "Zirconia <b>abutments</b>.")], 1
    )
    assert list(search("implants", full_text=False)) == []  # only the latest version counts
    (hit,) = search("ROOT canal", full_text=False)
    assert hit.version_label == "H-1" and hit.start_seconds == 4.0
    assert "<mark>root</mark> <mark>canal</mark>" in hit.snippet
    (hit,) = search("abutments", full_text=False)
    assert "&lt;b&gt;<mark>abutments</mark>&lt;/b&gt;" in hit.snippet
    assert list(search("root -molars", full_text=False)) == []
    assert list(search("crown preparations", full_text=False)) == []  # no stemming here
