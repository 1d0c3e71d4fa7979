"""The Sonix engine (upload → poll → fetch → convert) against a local Sonix API."""

import pytest
from django.core.files import File

from integrations.errors import PermanentError, TransientError, VendorReplyError
from integrations.sonix import SonixClient
from integrations.tests.sonix_fake import API_KEY, SonixServer
from integrations.transcription import get_transcription_engine
from integrations.transcription.sonix_engine import SonixTranscriptionEngine
from jobs.models import Job
from media_files.services import audio_file_upload
from projects.models import Project, ProjectType
from transcripts.tests.transcription_fakes import SPEECH_FIXTURE, isolate_storage


@pytest.fixture(autouse=True)
def _own_storage(settings, tmp_path):
    isolate_storage(settings, tmp_path / "media")


@pytest.fixture
def sonix():
    with SonixServer() as fake:
        yield fake


class Clock:
    """Stands in for time.sleep while polling: each "wait" moves the upload along."""

    def __init__(self, fake, steps=("transcribing", "completed")):
        self.fake, self.steps, self.slept = fake, list(steps), []

    def __call__(self, seconds):
        self.slept.append(seconds)
        if self.steps:
            for media in self.fake.media.values():
                media["status"] = self.steps[0]
            self.steps.pop(0)


def engine_for(fake, clock=None, **options):
    client = SonixClient(api_key=API_KEY, base_url=fake.base_url, timeout=1)
    return SonixTranscriptionEngine(
        client=client, poll_seconds=15, sleep=clock or Clock(fake), **options
    )


def test_it_uploads_polls_and_converts_the_transcript(sonix):
    clock = Clock(sonix)
    states, notes = [], []
    segments = engine_for(sonix, clock).transcribe(
        SPEECH_FIXTURE, on_state=states.append, on_wait=notes.append
    )
    (upload,) = sonix.uploads
    assert upload["name"] == "speech" and upload["language"] == "en"
    assert upload["file"]["bytes"] == SPEECH_FIXTURE.read_bytes()
    assert states == [{"sonix_media_id": "up1"}]
    assert clock.slept == [15, 15]
    assert notes[0] == "Uploading to Sonix…" and "Sonix is transcribing" in notes[-1]
    words = [w["word"] for s in segments for w in s["words"]]
    assert words == [
        "Welcome",
        "to",
        "endodontics,",
        "everyone.",
        "Let's",
        "begin.",
        "Thank",
        "you!",
    ]
    assert [s["id"] for s in segments] == list(range(len(segments)))
    assert segments[-1]["end"] == 5.2


def test_a_resumed_job_polls_its_earlier_upload_instead_of_uploading_again(sonix):
    sonix.add_media("m-7", "Lecture", status="transcribing")
    segments = engine_for(sonix).transcribe(SPEECH_FIXTURE, state={"sonix_media_id": "m-7"})
    assert sonix.uploads == [] and segments


def test_an_upload_deleted_in_sonix_meanwhile_is_uploaded_again(sonix):
    states = []
    engine_for(sonix).transcribe(
        SPEECH_FIXTURE, state={"sonix_media_id": "gone"}, on_state=states.append
    )
    assert len(sonix.uploads) == 1 and states == [{"sonix_media_id": "up1"}]


def test_a_failed_transcription_in_sonix_is_permanent(sonix):
    with pytest.raises(PermanentError, match="Sonix could not transcribe the file"):
        engine_for(sonix, Clock(sonix, steps=["failed"])).transcribe(SPEECH_FIXTURE)


def test_waiting_too_long_hands_back_to_the_job(sonix):
    engine = engine_for(sonix, Clock(sonix, steps=[]), max_wait_seconds=30)
    with pytest.raises(TransientError, match="still working") as caught:
        engine.transcribe(SPEECH_FIXTURE)
    assert caught.value.retry_after == 15


def test_malformed_replies_are_vendor_reply_errors(sonix):
    sonix.fail_next(200, body=b"<html>maintenance</html>")
    with pytest.raises(VendorReplyError):
        engine_for(sonix).transcribe(SPEECH_FIXTURE)
    sonix.add_media("m-bad", "x")
    sonix.transcripts["m-bad"] = {"name": "x", "transcript": [{"words": "nope"}]}
    with pytest.raises(VendorReplyError):
        engine_for(sonix).transcribe(SPEECH_FIXTURE, state={"sonix_media_id": "m-bad"})


@pytest.mark.django_db
def test_a_sonix_job_stores_a_sonix_t1_and_never_uploads_twice(
    sonix, settings, editor, django_capture_on_commit_callbacks
):
    settings.TRANSCRIPTION_ENGINE = "sonix"
    settings.SONIX_API_KEY = API_KEY
    settings.SONIX_BASE_URL = sonix.base_url
    settings.SONIX_POLL_SECONDS = 0.05
    settings.VENDOR_TIMEOUT_SECONDS = 5
    assert isinstance(get_transcription_engine(), SonixTranscriptionEngine)
    # Sonix finishes at once, but the first poll after the upload hits a 503: the job's
    # retry must poll that same upload, not upload again.
    original_add = sonix.add_media

    def add_completed(*args, **kwargs):
        media = original_add(*args, **kwargs)
        media["status"] = "completed"
        sonix.fail_next(503)
        return media

    sonix.add_media = add_completed
    project = Project.objects.create(
        name="P", project_type=ProjectType.objects.get(slug="podcast"), created_by=editor
    )
    with SPEECH_FIXTURE.open("rb") as fh, django_capture_on_commit_callbacks(execute=True):
        audio_file = audio_file_upload(
            project=project, uploaded_file=File(fh, name="Episode 1.flac"), user=editor
        )

    job = Job.for_target(audio_file, "transcribe").get()
    assert job.status == Job.Status.SUCCEEDED and job.attempts == 2, job.error
    assert len(sonix.uploads) == 1
    transcription = audio_file.live_transcription
    assert transcription.source == "sonix"
    meta = transcription.json_with_timestamps["metadata"]
    assert meta["source"] == "sonix" and meta["engine"] == "sonix"
    assert meta["duration"] == pytest.approx(10.56, abs=0.05)
    assert transcription.raw_text.startswith("Welcome to endodontics, everyone.")
