"""The contract every speech-to-text adapter keeps, against local servers speaking each API.

OpenAI's audio transcription API (the SDK pointed at a local server) and Sonix's REST
API (upload, poll, fetch). The offline Whisper engine talks to no vendor, so it has no
faults of this kind; its own tests (transcripts/tests/test_engines_local.py) run it on
real speech with the bundled model.
"""

import json

import pytest

from integrations.sonix import SonixClient
from integrations.tests.contract import Harness, VendorContract
from integrations.tests.http_fake import Fault
from integrations.tests.sonix_fake import API_KEY, SonixServer
from integrations.tests.transcription_fake import (
    FakeOpenAI,
    tone_bursts,
    verbose_json,
    write_audio,
)
from integrations.transcription.openai_engine import OpenAITranscriptionEngine
from integrations.transcription.sonix_engine import SonixTranscriptionEngine

ENGINES = ["openai", "sonix"]


class OpenAIHarness(Harness):
    name = "openai"
    key_setting = "OPENAI_API_KEY"

    def __init__(self, server: FakeOpenAI, audio):
        self.server, self.audio = server, audio

    def call(self, **options):
        settings = {
            "api_key": "sk-test",
            "base_url": self.server.base_url,
            "model": "whisper-1",
            "timeout": 5.0,
            **options,
        }
        return OpenAITranscriptionEngine(**settings).transcribe(self.audio)

    def check_good(self, result):
        # The fake hears each tone burst and answers it as the word w<k>.
        assert [w["word"] for s in result for w in s["words"]] == ["w0", "w1", "w2"]

    def answer_error(self, status, message, headers):
        body = json.dumps({"error": {"message": message, "type": "error"}}).encode()
        self.server.script = [Fault(status, body, headers)]

    def answer_slowly(self, seconds):
        body = json.dumps(verbose_json([], 1.0)).encode()
        self.server.script = [Fault(200, body, delay=seconds)]

    def answer_malformed(self):
        self.server.script = [Fault(200, b'{"text": "x", "words": "not a list"}')]

    def url_at(self, root):
        return root + "/v1"


class SonixHarness(Harness):
    name = "sonix"
    key_setting = "SONIX_API_KEY"

    def __init__(self, server: SonixServer, audio):
        self.server, self.audio = server, audio

    def _finish_all(self, _seconds):
        for media in self.server.media.values():
            media["status"] = "completed"

    def call(self, **options):
        settings = {"api_key": API_KEY, "base_url": self.server.base_url, "timeout": 5.0}
        client = SonixClient(**{**settings, **options})
        engine = SonixTranscriptionEngine(client=client, poll_seconds=0, sleep=self._finish_all)
        return engine.transcribe(self.audio)

    def check_good(self, result):
        # The fake's `sample_paragraphs()`, punctuation tokens joined to their words.
        expected = "Welcome to endodontics, everyone. Let's begin. Thank you!"
        assert " ".join(w["word"] for s in result for w in s["words"]) == expected
        (upload,) = self.server.uploads
        assert upload["file"]["bytes"] == self.audio.read_bytes()

    def answer_error(self, status, message, headers):
        self.server.fail_next(status, body={"error": message}, headers=headers)

    def answer_slowly(self, seconds):
        self.server.fail_next(200, body={"id": "late"}, sleep=seconds)

    def answer_malformed(self):
        # The upload answered without the media id the API documents.
        self.server.fail_next(200, body={"status": "preparing"})

    def url_at(self, root):
        return root + "/v1"


HARNESSES = {"openai": (FakeOpenAI, OpenAIHarness), "sonix": (SonixServer, SonixHarness)}


@pytest.fixture(scope="module")
def audio(tmp_path_factory):
    pcm, _bursts = tone_bursts(3)
    return write_audio(pcm, tmp_path_factory.mktemp("audio") / "lecture.flac")


class TestTranscriptionContract(VendorContract):
    @pytest.fixture(params=ENGINES)
    def harness(self, request, audio):
        fake_class, harness_class = HARNESSES[request.param]
        with fake_class() as server:
            yield harness_class(server, audio)
