"""A NUL character anywhere in a request is refused with a 400 and a message, never a 500.

PostgreSQL cannot store or compare U+0000; these requests used to reach the database and
fail with a DataError. Each place the issue names is tried as an editor would, then every
URL pattern with `?q=%00`.
"""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from glossary.models import DictionaryEntry
from tests.factories import ProjectFactory, TranscriptionFactory, TranslationFactory
from tests.test_urls_need_login import concrete_path, iter_patterns
from transcripts.models import Transcription, TranscriptionVersion
from transcripts.tests.test_editor_helpers import make_transcription
from translations.models import Translation, TranslationVersion
from translations.tests.conftest import add_english_version, english_json

pytestmark = pytest.mark.django_db

REFUSED = "contains a NUL character (U+0000)"


def assert_refused(response, where: str) -> None:
    assert response.status_code == 400
    text = response.content.decode()
    assert REFUSED in text and where in text


@pytest.fixture
def spanish(editor):
    project = ProjectFactory(created_by=editor, name="Implant course", project_type__slug="other")
    english = TranscriptionFactory(created_by=editor, audio_file__project=project)
    add_english_version(english, editor)
    segments = [
        {"id": s["id"], "start": s["start"], "end": s["end"], "text": f"es {s['text']}"}
        for s in english_json()["segments"]
    ]
    return TranslationFactory(transcription=english, segments=segments, user=editor)


def test_project_search(editor_client):
    response = editor_client.get(reverse("projects:list"), {"q": "crown\x00"})
    assert_refused(response, "The parameter “q”")
    assert "<h1>This text cannot be stored</h1>" in response.content.decode()


def test_transcript_search(editor_client):
    response = editor_client.get(reverse("search:page") + "?q=%00")
    assert_refused(response, "The parameter “q”")


def test_saved_segment_from_the_editor_script(editor_client, transcription):
    # The editor's script sends JSON in a form field: the NUL arrives escaped.
    response = editor_client.post(
        reverse("transcripts:save", args=[transcription.pk]),
        {"based_on": 0, "segments": json.dumps({"0": "Welcome\x00 to the course."})},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["status"] == "error"
    assert REFUSED in response.json()["message"]
    assert not TranscriptionVersion.objects.filter(transcription=transcription).exists()


def test_saved_segment_from_the_plain_form(editor_client, transcription):
    response = editor_client.post(
        reverse("transcripts:save", args=[transcription.pk]),
        {"based_on": 0, "seg-0": "Welcome\x00 to the course."},
    )
    assert_refused(response, "The field “seg-0”")
    assert not TranscriptionVersion.objects.filter(transcription=transcription).exists()


def test_find_and_replace(editor_client, transcription):
    response = editor_client.post(
        reverse("transcripts:replace", args=[transcription.pk]),
        {"based_on": 0, "find": "course\x00", "replace": "lecture"},
    )
    assert_refused(response, "The field “find”")
    assert not TranscriptionVersion.objects.filter(transcription=transcription).exists()


def test_dictionary_context_from_the_editor(editor_client, transcription):
    response = editor_client.post(
        reverse("transcripts:glossary_add", args=[transcription.pk]),
        {"term_original": "endodontiks", "term_corrected": "endodontics", "context": "\x00"},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 400
    assert "The field “context”" in response.json()["message"]
    assert not DictionaryEntry.objects.exists()


def test_translation_save(editor_client, spanish):
    before = TranslationVersion.objects.count()
    response = editor_client.post(
        reverse("translations:save", args=[spanish.pk]),
        {"based_on": 0, "seg-1": "Hoy\x00 colocamos carillas."},
    )
    assert_refused(response, "The field “seg-1”")
    assert TranslationVersion.objects.count() == before


def test_translate_language_field(editor_client, editor):
    english = make_transcription(editor)
    add_english_version(english, editor)
    response = editor_client.post(
        reverse("translations:start", args=[english.pk]), {"language": "es\x00"}
    )
    assert_refused(response, "The field “language”")
    assert not Translation.objects.exists()


def test_json_bodies_are_checked(editor_client):
    response = editor_client.post(
        reverse("projects:list"), '{"q": "a\\u0000"}', content_type="application/json"
    )
    assert response.status_code == 400 and REFUSED in response.json()["message"]


def test_text_that_only_looks_like_an_escape_is_accepted(editor_client, transcription):
    # A backslash followed by "u0000" is ordinary text, in a field and inside JSON.
    response = editor_client.get(reverse("search:page"), {"q": "\\u0000"})
    assert response.status_code == 200
    response = editor_client.post(
        reverse("transcripts:save", args=[transcription.pk]),
        {"based_on": 0, "segments": json.dumps({"0": "Escapes look like \\u0000 here."})},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 200, response.content
    saved = Transcription.objects.get(pk=transcription.pk).versions.get()
    assert "Escapes look like \\u0000 here." in saved.edited_text


ROUTES = sorted(
    {(concrete_path(route), pattern.name or route) for route, pattern in iter_patterns()}
)


@pytest.mark.parametrize(("path", "name"), ROUTES, ids=[name for _, name in ROUTES])
def test_every_url_refuses_a_nul_query_parameter(admin_client_, path, name):
    response = admin_client_.get(path + "?q=%00")
    assert response.status_code == 400, (path, response.status_code)
    assert REFUSED in response.content.decode()


def test_an_escaped_lone_surrogate_in_the_editors_json_is_refused(editor_client, transcription):
    # `\ud800` decodes to a string no UTF-8 can hold: the diff, PostgreSQL and the page
    # all failed on it with a 500.
    response = editor_client.post(
        reverse("transcripts:save", args=[transcription.pk]),
        {"based_on": 0, "segments": '{"0": "Welcome \\ud800 to the course."}'},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 400
    message = response.json()["message"]
    assert "The field “segments”" in message and "unpaired UTF-16 surrogate" in message
    assert not TranscriptionVersion.objects.filter(transcription=transcription).exists()
    response = editor_client.post(
        reverse("projects:list"), '{"q": "\\udfff"}', content_type="application/json"
    )
    assert response.status_code == 400 and "surrogate" in response.json()["message"]


def test_an_escaped_surrogate_pair_is_an_ordinary_character(editor_client, transcription):
    response = editor_client.post(
        reverse("transcripts:save", args=[transcription.pk]),
        {"based_on": 0, "segments": '{"0": "Smile \\ud83d\\ude00 please."}'},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 200, response.content
    saved = Transcription.objects.get(pk=transcription.pk).versions.get()
    assert "Smile \U0001f600 please." in saved.edited_text
