"""The OpenAI engine against a local server speaking the audio transcription API."""

import json

import pytest

from integrations.errors import PermanentError, TransientError, VendorReplyError
from integrations.transcription import get_transcription_engine
from integrations.transcription.base import vocabulary_prompt
from integrations.transcription.openai_engine import OpenAITranscriptionEngine
from transcripts.tests.transcription_fakes import (
    FakeOpenAI,
    Fault,
    tone_bursts,
    verbose_json,
    write_audio,
)


@pytest.fixture
def fake():
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def engine(fake):
    return OpenAITranscriptionEngine(
        api_key="sk-test", base_url=fake.base_url, model="whisper-1", timeout=1.0
    )


@pytest.fixture
def bursts_file(tmp_path):
    pcm, bursts = tone_bursts(5)
    return write_audio(pcm, tmp_path / "bursts.flac"), bursts


def test_it_sends_the_documented_request_and_reads_words_and_segments(engine, fake, bursts_file):
    path, bursts = bursts_file
    segments = engine.transcribe(path, prompt_vocabulary=["endodontics", "Dr. Soto"])

    words = [w for s in segments for w in s["words"]]
    assert [w["word"] for w in words] == [b.word for b in bursts]
    for word, burst in zip(words, bursts, strict=True):
        assert word["start"] == pytest.approx(burst.start, abs=0.05)
        assert word["end"] == pytest.approx(burst.end, abs=0.05)
    # verbose_json lists words apart from segments; each word lands in its segment.
    assert [s["text"] for s in segments] == ["w0 w1 w2.", "w3 w4."]
    assert [[w["word"] for w in s["words"]] for s in segments] == [["w0", "w1", "w2"], ["w3", "w4"]]
    assert [s["id"] for s in segments] == [0, 1]

    (request,) = fake.requests
    assert request.path == "/v1/audio/transcriptions"
    assert request.authorization == "Bearer sk-test"
    assert request.filename == "bursts.flac"
    assert request.fields["model"] == ["whisper-1"]
    assert request.fields["response_format"] == ["verbose_json"]
    assert sorted(request.fields["timestamp_granularities[]"]) == ["segment", "word"]
    assert request.fields["language"] == ["en"]
    assert request.fields["prompt"] == ["Vocabulary: endodontics, Dr. Soto."]


def test_it_accepts_samples_and_sends_them_as_wav(engine, fake):
    pcm, _bursts = tone_bursts(2)
    segments = engine.transcribe(pcm)
    assert [w["word"] for s in segments for w in s["words"]] == ["w0", "w1"]
    assert fake.requests[0].filename == "audio.wav"


def test_the_vocabulary_prompt_keeps_the_most_used_terms_within_budget():
    terms = ["Endodontics", "endodontics", "  pulp   capping ", ""] + [
        f"term{i}" for i in range(500)
    ]
    prompt = vocabulary_prompt(terms)
    assert prompt.startswith("Vocabulary: Endodontics, pulp capping, term0, term1")
    assert len(prompt) <= 800
    assert prompt.count("ndodontics") == 1
    assert vocabulary_prompt([]) == ""


@pytest.mark.parametrize("status", [429, 503])
def test_a_fault_goes_back_to_the_pipeline_without_sdk_retries(engine, fake, bursts_file, status):
    # The pipeline retries a piece with the job runner's backoff; the SDK must not
    # stack its own retries underneath (the status rule itself is the contract's).
    fake.fail_next(Fault(status, b'{"error": {"message": "Slow down"}}', {"Retry-After": "7"}))
    with pytest.raises(TransientError) as caught:
        engine.transcribe(bursts_file[0])
    assert caught.value.retry_after == 7
    assert len(fake.requests) == 1


def test_a_piece_too_large_says_so(engine, fake, bursts_file):
    fake.fail_next(Fault(413, b'{"error": {"message": "Maximum content size exceeded."}}'))
    with pytest.raises(PermanentError, match=r"HTTP 413.*piece of audio is too large"):
        engine.transcribe(bursts_file[0])


@pytest.mark.parametrize(
    "body",
    [
        b"<html>Bad gateway</html>",
        b'{"text": "hello there"}',  # a plain json reply: verbose_json was ignored
        b'{"text": "x", "words": "not a list"}',
        b'{"text": "x", "words": [{"word": "x", "start": "zero", "end": 1}]}',
        b'{"text": "x", "segments": [{"start": 0, "end": 1}]}',
        b"[1, 2, 3]",
    ],
)
def test_malformed_replies_are_vendor_reply_errors(engine, fake, bursts_file, body):
    fake.fail_next(Fault(200, body))
    with pytest.raises(VendorReplyError):
        engine.transcribe(bursts_file[0])


def test_a_reply_with_only_words_is_grouped_into_segments(engine, fake, bursts_file):
    words = [{"word": f"x{i}", "start": i * 0.5, "end": i * 0.5 + 0.3} for i in range(4)]
    fake.fail_next(Fault(200, json.dumps({"text": "x0 x1 x2 x3", "words": words}).encode()))
    segments = engine.transcribe(bursts_file[0])
    assert [w["word"] for s in segments for w in s["words"]] == ["x0", "x1", "x2", "x3"]


def test_a_reply_with_only_segments_gets_word_times_spread_over_each_segment(
    engine, fake, bursts_file
):
    body = {"text": "a bb", "segments": [{"id": 0, "start": 1.0, "end": 2.0, "text": " a bb"}]}
    fake.fail_next(Fault(200, json.dumps(body).encode()))
    (segment,) = engine.transcribe(bursts_file[0])
    assert [w["word"] for w in segment["words"]] == ["a", "bb"]
    assert segment["words"][0]["start"] == 1.0 and segment["words"][-1]["end"] == 2.0


def test_silence_comes_back_as_no_segments(engine, fake, bursts_file):
    fake.fail_next(Fault(200, json.dumps(verbose_json([], 3.0)).encode()))
    assert engine.transcribe(bursts_file[0]) == []


def test_settings_choose_and_configure_the_engine(settings, fake):
    settings.TRANSCRIPTION_ENGINE = "openai"
    settings.OPENAI_API_KEY = "sk-from-settings"
    settings.OPENAI_BASE_URL = fake.base_url
    settings.OPENAI_TRANSCRIPTION_MODEL = "gpt-4o-transcribe"
    engine = get_transcription_engine()
    assert isinstance(engine, OpenAITranscriptionEngine)
    assert engine.model == "gpt-4o-transcribe"
    assert engine.client.max_retries == 0
    assert str(engine.client.base_url).startswith(fake.base_url)
    # Pieces are sized so even incompressible audio stays under the 25 MB upload limit.
    assert engine.piece_seconds_limit() * 32_000 < 25_000_000


def test_word_confidence_from_a_compatible_server_is_kept(engine, fake, bursts_file):
    words = [
        {"word": "periapical", "start": 0.5, "end": 1.1, "probability": 0.4213},
        {"word": "radiograph", "start": 1.1, "end": 1.8, "probability": 0.97},
    ]
    fake.fail_next(Fault(200, json.dumps(verbose_json(words, 2.0)).encode()))
    (segment,) = engine.transcribe(bursts_file[0])
    assert [w["probability"] for w in segment["words"]] == [0.421, 0.97]


def test_the_engine_label_names_the_server_that_really_ran(settings, fake):
    engine = OpenAITranscriptionEngine(api_key="sk", model="whisper-1")
    assert engine.engine_label == "OpenAI whisper-1"
    compatible = OpenAITranscriptionEngine(api_key="", base_url=fake.base_url, model="small.en")
    assert compatible.engine_label == "small.en at 127.0.0.1 (OpenAI-compatible)"
