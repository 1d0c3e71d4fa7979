"""The ElevenLabs voice-over adapter against a local server speaking its documented API."""

import pytest

from integrations.elevenlabs import ElevenLabsVoice
from integrations.errors import PermanentError, VendorReplyError
from integrations.tests.elevenlabs_fake import FakeElevenLabs, audio_for
from integrations.tests.http_fake import Fault


@pytest.fixture
def fake():
    server = FakeElevenLabs().start()
    yield server
    server.stop()


def voice(fake, **kwargs):
    options = {"api_key": "xi-test", "base_url": fake.url, "voice_id": "voice/1", "timeout": 5}
    return ElevenLabsVoice(**{**options, **kwargs})


def test_short_text_is_one_request_with_the_documented_fields(fake):
    audio = voice(fake).synthesize(["Hola a todos.", "Hoy: carillas."], language_code="es")
    assert audio == audio_for("Hola a todos.\nHoy: carillas.")
    (request,) = fake.requests
    assert request["path"] == "/v1/text-to-speech/voice%2F1"
    assert request["api_key"] == "xi-test"
    assert request["query"] == {"output_format": ["mp3_44100_128"]}
    assert request["body"] == {
        "text": "Hola a todos.\nHoy: carillas.",
        "model_id": "eleven_multilingual_v2",
    }


def test_long_text_is_sent_in_pieces_at_paragraph_boundaries_and_joined(fake):
    paragraphs = [f"Frase número {i} sobre implantes." for i in range(10)]
    progress = []
    audio = voice(fake, max_chars=80).synthesize(
        paragraphs, language_code="es", on_piece=lambda done, total: progress.append(done)
    )
    texts = [r["body"]["text"] for r in fake.requests]
    assert len(texts) > 1 and all(len(t) <= 80 for t in texts)
    assert "\n".join(texts).split("\n") == paragraphs  # nothing lost, nothing cut
    assert audio == b"".join(audio_for(t) for t in texts)
    assert progress == list(range(1, len(texts) + 1))
    assert fake.requests[1]["body"]["previous_text"].endswith(texts[0][-20:])
    assert "next_text" in fake.requests[0]["body"]


def test_language_code_is_sent_only_to_models_that_take_it(fake):
    voice(fake, model_id="eleven_flash_v2_5").synthesize(["Bonjour."], language_code="fr")
    assert fake.requests[0]["body"]["language_code"] == "fr"


def test_a_reply_that_is_not_audio_is_refused(fake):
    fake.script = [Fault(200, b'{"ok": true}', {"Content-Type": "application/json"})]
    with pytest.raises(VendorReplyError, match="instead of audio"):
        voice(fake).synthesize(["Hola."], language_code="es")


def test_without_a_key_it_says_what_is_missing(settings):
    settings.ELEVENLABS_API_KEY = ""
    with pytest.raises(PermanentError, match="ELEVENLABS_API_KEY"):
        ElevenLabsVoice()
