"""The contract every text-to-speech adapter keeps, against a local server speaking its API.

ElevenLabs is the one voice vendor today; a second joins `VOICES` and gets every test.
"""

import json

import pytest

from integrations.elevenlabs import ElevenLabsVoice
from integrations.tests.contract import Harness, VendorContract
from integrations.tests.elevenlabs_fake import FakeElevenLabs, audio_for, error
from integrations.tests.http_fake import Fault

VOICES = ["elevenlabs"]


class ElevenLabsHarness(Harness):
    name = "elevenlabs"
    key_setting = "ELEVENLABS_API_KEY"

    def __init__(self, server: FakeElevenLabs):
        self.server = server

    def call(self, **options):
        settings = {"api_key": "xi-test", "base_url": self.server.url, "timeout": 5, **options}
        return ElevenLabsVoice(**settings).synthesize(["Hola a todos."], language_code="es")

    def check_good(self, result):
        assert result == audio_for("Hola a todos.")

    def answer_error(self, status, message, headers):
        self.server.script = [error(status, message, headers)]

    def answer_slowly(self, seconds):
        self.server.script = [
            Fault(200, audio_for("late"), {"Content-Type": "audio/mpeg"}, seconds)
        ]

    def answer_malformed(self):
        # A JSON body where the audio should be (a proxy's page, a changed API).
        body = json.dumps({"audio": "not here"}).encode()
        self.server.script = [Fault(200, body, {"Content-Type": "application/json"})]


HARNESSES = {"elevenlabs": (FakeElevenLabs, ElevenLabsHarness)}


class TestVoiceContract(VendorContract):
    @pytest.fixture(params=VOICES)
    def harness(self, request):
        fake_class, harness_class = HARNESSES[request.param]
        server = fake_class().start()
        yield harness_class(server)
        server.stop()
