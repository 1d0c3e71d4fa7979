"""The offline engine (PocketSphinx) on a real speech recording made with espeak-ng."""

import pytest

from integrations.transcription import get_transcription_engine
from integrations.transcription.audio import read_pcm
from integrations.transcription.local_engine import LocalTranscriptionEngine
from transcripts.tests.transcription_fakes import SPEECH_FIXTURE, SPEECH_WORDS


def in_order(expected: list[str], heard: list[str]) -> int:
    """How many expected words were heard in the right order (longest common subsequence)."""
    table = [[0] * (len(heard) + 1) for _ in range(len(expected) + 1)]
    for i, want in enumerate(expected):
        for j, got in enumerate(heard):
            table[i + 1][j + 1] = (
                table[i][j] + 1 if want == got else max(table[i][j + 1], table[i + 1][j])
            )
    return table[-1][-1]


@pytest.fixture(scope="module")
def transcript():
    return LocalTranscriptionEngine().transcribe(SPEECH_FIXTURE)


def test_the_local_engine_hears_the_spoken_words_in_order(transcript):
    heard = [w["word"] for seg in transcript for w in seg["words"]]
    # PocketSphinx is rough on synthetic voices; most words, in order, is the bar.
    assert in_order(SPEECH_WORDS, heard) >= 0.6 * len(SPEECH_WORDS), heard
    for phrase in (["hello", "everyone"], ["new", "york", "city"]):
        assert in_order(phrase, heard) == len(phrase), heard


def test_its_timestamps_are_real_increasing_and_inside_the_recording(transcript):
    words = [w for seg in transcript for w in seg["words"]]
    starts = [w["start"] for w in words]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    assert all(w["end"] > w["start"] for w in words)
    assert 0 <= words[0]["start"] < 1.0  # "hello" opens the recording
    assert 9.0 < words[-1]["end"] <= 10.6  # "growing" closes it
    by_word = {w["word"]: w for w in words}
    # "york" comes after "new" and before "city", as spoken.
    assert by_word["new"]["start"] < by_word["york"]["start"] < by_word["city"]["start"]


def test_its_segments_have_the_seed_shape(transcript):
    assert [s["id"] for s in transcript] == list(range(len(transcript)))
    for seg in transcript:
        assert set(seg) == {"id", "start", "end", "text", "words"}
        assert seg["text"] == " ".join(w["word"] for w in seg["words"])
        assert seg["start"] <= seg["words"][0]["start"]
        assert seg["end"] >= seg["words"][-1]["end"]


def test_it_takes_samples_as_well_as_files(transcript):
    again = LocalTranscriptionEngine().transcribe(read_pcm(SPEECH_FIXTURE))
    assert again == transcript


def test_silence_gives_no_words():
    import numpy as np

    assert LocalTranscriptionEngine().transcribe(np.zeros(16000 * 2, dtype=np.int16)) == []


def test_it_is_the_engine_when_no_api_key_is_set(settings):
    settings.TRANSCRIPTION_ENGINE = "local"
    engine = get_transcription_engine()
    assert isinstance(engine, LocalTranscriptionEngine)
    assert engine.source == "whisper" and engine.splits_media


def test_an_unknown_engine_name_is_refused():
    with pytest.raises(ValueError, match="Unknown transcription engine 'nope'"):
        get_transcription_engine("nope")
