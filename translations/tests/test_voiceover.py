"""Voice-over hand-off: a finalized translation read aloud by (a local) ElevenLabs."""

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from documents.services import document_finalize
from integrations.tests.elevenlabs_fake import audio_for, error
from jobs.models import Job
from translations import services
from translations.models import VoiceOver

pytestmark = pytest.mark.django_db

SEGMENTS = [
    {"id": 0, "start": 0.0, "end": 2.5, "text": "Buenos días a todos."},
    {"id": 1, "start": 2.5, "end": 6.0, "text": "Hoy colocamos carillas."},
]


@pytest.fixture
def final_spanish(final_transcription, editor):
    translation = services.translation_store_machine_text(
        transcription=final_transcription,
        language_code="es",
        source=final_transcription.final_version,
        segments=SEGMENTS,
        corrections=[],
        engine="anthropic",
        user=editor,
    ).translation
    document_finalize(doc=services.TRANSLATION_DOCUMENT, parent=translation, user=editor)
    translation.refresh_from_db()
    return translation


def send(client, translation, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("translations:voiceover", args=[translation.pk]), follow=True)


def test_send_to_voice_over_stores_the_audio_and_links_it(
    editor_client, final_spanish, fake_elevenlabs, media_root, django_capture_on_commit_callbacks
):
    response = send(editor_client, final_spanish, django_capture_on_commit_callbacks)
    assert "Sent to voice-over" in response.content.decode()
    job = Job.objects.get(kind="voiceover")
    assert job.status == Job.Status.SUCCEEDED, job.error
    voice = VoiceOver.objects.get()
    assert voice.version == final_spanish.final_version
    assert voice.file_path.startswith("voiceover/es/") and voice.file_path.endswith(".mp3")
    expected = audio_for("Buenos días a todos.\nHoy colocamos carillas.")
    with default_storage.open(voice.file_path, "rb") as handle:
        assert handle.read() == expected
    assert fake_elevenlabs.requests[0]["api_key"] == "xi-test"

    page = editor_client.get(final_spanish.get_absolute_url()).content.decode()
    audio_url = reverse("translations:voiceover_audio", args=[voice.pk])
    assert audio_url in page and "download MP3" in page
    download = editor_client.get(audio_url)
    assert download["Content-Type"] == "audio/mpeg"
    assert b"".join(download.streaming_content) == expected


def test_vendor_failure_shows_on_the_page_with_retry(
    editor_client, final_spanish, fake_elevenlabs, media_root, django_capture_on_commit_callbacks
):
    fake_elevenlabs.script = [error(401, "invalid_api_key")]
    send(editor_client, final_spanish, django_capture_on_commit_callbacks)
    job = Job.objects.get(kind="voiceover")
    assert job.status == Job.Status.FAILED and "ELEVENLABS_API_KEY" in job.error
    assert not VoiceOver.objects.exists()
    page = editor_client.get(final_spanish.get_absolute_url()).content.decode()
    assert "refused the API key" in page and ">Retry</button>" in page


def test_without_a_key_the_button_explains_what_is_missing(
    editor_client, final_spanish, settings, django_capture_on_commit_callbacks
):
    settings.ELEVENLABS_API_KEY = ""
    page = editor_client.get(final_spanish.get_absolute_url()).content.decode()
    assert "Send to voice-over</button>" in page and "disabled" in page
    assert "needs to set <code>ELEVENLABS_API_KEY</code>" in page
    response = send(editor_client, final_spanish, django_capture_on_commit_callbacks)
    assert "Voice-over is not set up" in response.content.decode()
    assert not Job.objects.exists()


def test_an_unfinalized_translation_cannot_be_sent(
    editor_client, final_transcription, editor, fake_elevenlabs, django_capture_on_commit_callbacks
):
    translation = services.translation_store_machine_text(
        transcription=final_transcription,
        language_code="fr",
        source=final_transcription.final_version,
        segments=SEGMENTS,
        corrections=[],
        engine="offline",
        user=editor,
    ).translation
    response = send(editor_client, translation, django_capture_on_commit_callbacks)
    assert "Finalize this translation before sending it" in response.content.decode()
    assert not Job.objects.exists()
