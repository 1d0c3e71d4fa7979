"""The offline engine (Whisper tiny.en through faster-whisper) on real speech made with
espeak-ng, on silence and noise it must not invent words for, and with the glossary as
its prompt. The model is loaded once per test process (as in a worker)."""

import itertools
import re
import shutil

import numpy as np
import pytest

from integrations.errors import PermanentError
from integrations.transcription import get_transcription_engine
from integrations.transcription.audio import SAMPLE_RATE, read_pcm
from integrations.transcription.base import time_every_word
from integrations.transcription.local_engine import (
    DOMAIN_PROMPT,
    PROMPT_TOKENS,
    LocalTranscriptionEngine,
    WhisperConfig,
    _read_whole,
    drop_loops,
    load_model,
    split_window,
)
from transcripts.tests.transcription_fakes import (
    DENTAL_FIXTURE,
    FIXTURES,
    SPEECH_FIXTURE,
    SPEECH_WORDS,
)

# Real Whisper on real speech: seconds per test.
pytestmark = pytest.mark.slow

IMPLANTS_FIXTURE = FIXTURES / "dental_implants.flac"
ORTHODONTICS_FIXTURE = FIXTURES / "orthodontics_noise.flac"
IMPLANTS_WORDS = ["welcome", "to", "the", "session", "on", "dental", "implants"]

# Sixty terms: a glossary after some months of use.
_TERMS = (
    "endodontics periodontics prosthodontics orthodontics caries pulpitis periapical "
    "radiograph gingivitis periodontitis gingiva alveolar mandibular maxillary molar premolar "
    "incisor occlusal mesial distal buccal lingual palatal enamel dentin cementum gutta-percha "
    "chlorhexidine lidocaine articaine anesthesia composite amalgam zirconia crown veneer "
    "abutment implant osseointegration extraction scaling plaque calculus fluoride "
    "malocclusion bruxism temporomandibular peri-implantitis mucositis abscess necrosis "
    "apicoectomy pulpotomy retainer aligner bracket archwire overjet cephalogram sealant"
)
GENERIC_DENTAL_TERMS = _TERMS.split()


def plain(word: str) -> str:
    return re.sub(r"[^\w']", "", word.casefold())


def words_of(segments) -> list[dict]:
    return [w for seg in segments for w in seg["words"]]


def heard(segments) -> list[str]:
    return [plain(w["word"]) for w in words_of(segments)]


@pytest.fixture(scope="module")
def engine():
    return LocalTranscriptionEngine()


@pytest.fixture(scope="module")
def transcript(engine):
    return engine.transcribe(SPEECH_FIXTURE)


# --- words and timings ---------------------------------------------------------------


def test_the_local_engine_hears_every_spoken_word_in_order(transcript):
    assert heard(transcript) == SPEECH_WORDS


def test_its_timestamps_are_real_increasing_and_inside_the_recording(transcript):
    words = words_of(transcript)
    starts = [w["start"] for w in words]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    assert all(w["end"] > w["start"] for w in words)
    assert 0 <= words[0]["start"] < 0.5  # "hello" opens the recording
    assert 9.0 < words[-1]["end"] <= 10.6  # "growing" closes it
    by_word = {plain(w["word"]): w for w in words}
    assert by_word["new"]["start"] < by_word["york"]["start"] < by_word["city"]["start"]


def test_every_word_keeps_its_confidence(transcript):
    for word in words_of(transcript):
        assert 0.0 <= word["probability"] <= 1.0
    # The model is sure of "York"; the mean is high on this clear voice.
    probabilities = [w["probability"] for w in words_of(transcript)]
    assert sum(probabilities) / len(probabilities) > 0.7


def test_its_segments_have_the_seed_shape_one_sentence_each(transcript):
    assert [s["id"] for s in transcript] == list(range(len(transcript)))
    for seg in transcript:
        assert set(seg) == {"id", "start", "end", "text", "words"}
        assert seg["text"] == " ".join(w["word"] for w in seg["words"])
        assert set(seg["words"][0]) == {"word", "start", "end", "probability"}
        for word in seg["words"]:
            assert seg["start"] <= word["start"] < word["end"] <= seg["end"]
    assert transcript[-1]["text"].rstrip(".").lower().endswith("economy is growing")
    assert len(transcript) >= 3  # sentences, not one block of ten seconds


@pytest.fixture(scope="module")
def dental_transcript(engine):
    """The dental lecture heard with no glossary (two tests read it)."""
    return engine.transcribe(DENTAL_FIXTURE)


def test_numbers_are_words_with_their_own_time_inside_their_segment(dental_transcript):
    segments = dental_transcript
    numbers = [
        (w, seg) for seg in segments for w in seg["words"] if any(c.isdigit() for c in w["word"])
    ]
    assert numbers, heard(segments)
    for word, seg in numbers:
        assert seg["start"] <= word["start"] < word["end"] <= seg["end"], (word, seg)


def test_it_takes_samples_as_well_as_files(engine, transcript):
    assert engine.transcribe(read_pcm(SPEECH_FIXTURE)) == transcript


def test_untimed_words_are_timed_from_their_neighbours():
    # An aligner that leaves "36" untimed (zero length) and "percent" missing.
    words = [
        {"word": "tooth", "start": 1.0, "end": 1.4, "probability": 0.9},
        {"word": "36,", "start": 1.4, "end": 1.4, "probability": 0.5},
        {"word": "a", "start": 1.4, "end": 1.5},
        {"word": "2", "start": 2.0, "end": 2.3},
        {"word": "percent", "start": None, "end": None},
        {"word": "lidocaine", "start": 2.9, "end": 3.5},
    ]
    timed = time_every_word(words, 0.9, 3.6)
    assert [w["word"] for w in timed] == [w["word"] for w in words]
    for before, after in itertools.pairwise(timed):
        assert before["end"] <= after["start"] + 1e-9
    for word in timed:
        assert 0.9 <= word["start"] < word["end"] <= 3.6
    assert timed[1]["probability"] == 0.5 and "probability" not in timed[2]
    assert 2.3 <= timed[4]["start"] < timed[4]["end"] <= 2.9  # between "2" and "lidocaine"


# --- no invented words -------------------------------------------------------------


def room_noise(seconds: float, dbfs: float = -55.0, seed: int = 5) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(int(seconds * SAMPLE_RATE)) * 32768 * 10 ** (dbfs / 20)).astype(
        np.int16
    )


def sung_vowels(seconds: float = 12.0, seed: int = 1) -> np.ndarray:
    """A voice-like melody (harmonics with vibrato through two vowel formants), no words:
    Whisper with its default settings writes "Aaa Aaa Aaa Aaa" for it."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    notes = [220, 247, 262, 294, 330, 294, 262, 247]
    per_note = int(seconds * SAMPLE_RATE / len(notes)) + 1
    f0 = np.repeat(notes, per_note)[: t.size] * (1 + 0.01 * np.sin(2 * np.pi * 5.5 * t))
    phase = 2 * np.pi * np.cumsum(f0) / SAMPLE_RATE
    x = np.zeros_like(t)
    for h in range(1, 30):
        fh = f0 * h
        amp = np.exp(-(((fh - 700) / 200) ** 2)) + 0.6 * np.exp(-(((fh - 1200) / 250) ** 2))
        x += (amp + 0.05 / h) * np.sin(h * phase)
    x *= np.minimum(1, np.abs(np.sin(np.pi * t / (seconds / len(notes)))) * 4)
    x += 0.02 * rng.standard_normal(t.size)
    return (x / np.abs(x).max() * 0.3 * 32767).astype(np.int16)


def test_silence_and_room_noise_give_no_words(engine):
    assert engine.transcribe(np.zeros(SAMPLE_RATE * 3, dtype=np.int16)) == []
    assert engine.transcribe(room_noise(8)) == []


def test_music_like_sound_gives_no_words(engine):
    assert engine.transcribe(sung_vowels()) == []


def test_a_long_pause_between_speech_stays_empty(engine):
    # Two sentences 30 s apart: more than one of Whisper's 30-second windows.
    speech = read_pcm(IMPLANTS_FIXTURE)
    pause = room_noise(30)
    second_starts = (speech.size + pause.size) / SAMPLE_RATE
    segments = engine.transcribe(np.concatenate([speech, pause, speech]))
    words = words_of(segments)
    in_pause = [w for w in words if speech.size / SAMPLE_RATE < w["start"] < second_starts - 0.5]
    assert in_pause == []
    assert heard(segments) == IMPLANTS_WORDS * 2  # each sentence once per time it is spoken


def test_decoding_loops_keep_only_their_first_occurrence():
    def words(text):
        return [{"word": w, "start": i, "end": i + 0.5} for i, w in enumerate(text.split())]

    looped = words("we see them. we see them. we see them. we see them. we see them. every month")
    assert [w["word"] for w in drop_loops(looped)] == ["we", "see", "them.", "every", "month"]
    # Repeats a speaker really makes are kept.
    assert drop_loops(words("no, no, no, that is very very wrong")) == words(
        "no, no, no, that is very very wrong"
    )


def spoken_words(window, per_second=2.5):
    """What a reader that hears everything returns: words at 2.5 a second over the window."""
    words = []
    for chunk in window:
        start, end = chunk["start"] / SAMPLE_RATE, chunk["end"] / SAMPLE_RATE
        for n in range(int((end - start) * per_second)):
            at = start + n / per_second
            words.append({"word": f"w{at:.1f}", "start": at, "end": at + 0.3, "probability": 0.9})
    return words


def test_a_window_whose_text_whisper_ended_after_one_sentence_is_read_again_in_halves():
    # 24 s of speech with a short gap at 11 s. Whisper (beam 8 on an espeak-ng lecture
    # about wisdom teeth) returned only its first sentence for such a window, aligned to
    # the window's end, and 18 s of lecture were gone.
    rng = np.random.default_rng(3)
    samples = (rng.standard_normal(24 * SAMPLE_RATE) * 0.1).astype(np.float32)
    samples[11 * SAMPLE_RATE : int(11.2 * SAMPLE_RATE)] = 0.0
    window = [{"start": 0, "end": 24 * SAMPLE_RATE}]
    read_windows = []

    def read(part):
        read_windows.append(part)
        heard = spoken_words(part)
        return heard[:15] if len(read_windows) == 1 else heard  # the first reading stops early

    words = _read_whole(read, window, samples)
    assert len(words) >= 58  # 2.5 a second over 24 s, less what the cut rounds away
    assert words[0]["start"] == 0 and words[-1]["start"] > 23
    assert [w["start"] for w in words] == sorted(w["start"] for w in words)
    # Cut in the gap, not inside a word.
    assert 11 * SAMPLE_RATE <= read_windows[1][-1]["end"] <= 11.2 * SAMPLE_RATE
    assert read_windows[2][0]["start"] == read_windows[1][-1]["end"]


class Reader:
    """Always hears the same words; remembers which windows it was asked to read."""

    def __init__(self, words):
        self.words, self.windows = words, []

    def __call__(self, window):
        self.windows.append(window)
        return self.words


def test_a_window_read_whole_or_heard_as_no_speech_is_read_once():
    samples = np.zeros(24 * SAMPLE_RATE, dtype=np.float32)
    window = [{"start": 0, "end": 24 * SAMPLE_RATE}]
    for words in (spoken_words(window), spoken_words(window, per_second=1.2), []):
        read = Reader(words)
        assert _read_whole(read, window, samples) == words
        assert read.windows == [window]
    # Halves that hear less than the whole (noise the VAD let through) do not replace it.
    few = spoken_words(window)[:5]
    read = Reader([])
    assert _read_whole(lambda part: few if part == window else read(part), window, samples) == few
    assert len(read.windows) == 2


def test_a_window_is_split_across_its_stretches_of_speech():
    window = [{"start": 100, "end": 200}, {"start": 500, "end": 600}, {"start": 900, "end": 1000}]
    assert split_window(window, 150) == (
        [{"start": 100, "end": 200}, {"start": 500, "end": 550}],
        [{"start": 550, "end": 600}, {"start": 900, "end": 1000}],
    )
    assert split_window(window, 100) == (window[:1], window[1:])


# --- the glossary as the prompt -----------------------------------------------------


def test_glossary_terms_make_the_model_spell_dental_terms(engine, dental_transcript):
    without = heard(dental_transcript)
    assert "periapical" not in without and "pulpitis" not in without, without
    glossary = ["Dr. Soto", "endodontics", "periapical", "pulpitis", "gutta-percha"]
    with_terms = heard(engine.transcribe(DENTAL_FIXTURE, prompt_vocabulary=glossary))
    assert "periapical" in with_terms and "pulpitis" in with_terms, with_terms


def test_without_a_glossary_a_dental_word_is_heard_as_the_dental_one(engine):
    # tiny.en's English prior alone writes "welcome to the session on mental implants".
    assert heard(engine.transcribe(IMPLANTS_FIXTURE)) == IMPLANTS_WORDS


def test_speech_after_the_point_where_whisper_ended_its_text_early_is_kept(engine):
    # tiny.en's first pass over this window stops after "... teeth and jaws."; the
    # second sentence is 5 s of speech that used to vanish from the transcript.
    segments = engine.transcribe(ORTHODONTICS_FIXTURE)
    words = heard(segments)
    said = " ".join(words)
    assert said.startswith(
        "today's topic is orthodontics the correction of crooked teeth and jaws "
        "we start with a clinical exam"
    ), said
    assert words_of(segments)[-1]["end"] > 8.0  # up to the cut, 10 s in
    # Read once: the second pass starts where the first one's words end.
    assert words.count("orthodontics") == 1 and words.count("start") == 1, said


def test_the_prompt_holds_whole_terms_most_used_first_within_whispers_limit(engine):
    terms = [f"term{n} endodontic retreatment" for n in range(200)]
    prompt = engine.prompt(terms)
    assert prompt.startswith(f"{DOMAIN_PROMPT} ")
    kept = prompt.removeprefix(f"{DOMAIN_PROMPT} ").removesuffix(".").split(", ")
    assert kept == terms[: len(kept)]  # the first ones, whole, in order
    assert 10 < len(kept) < 200
    tokenizer = load_model(engine.config).hf_tokenizer
    assert len(tokenizer.encode(" " + prompt, add_special_tokens=False).ids) <= PROMPT_TOKENS
    assert engine.prompt(["Dr. Soto", "dr. soto", "  ", "molar"]) == (
        f"{DOMAIN_PROMPT} Dr. Soto, molar."
    )
    assert engine.prompt([]) == DOMAIN_PROMPT


def test_a_long_glossary_prompt_keeps_the_transcript_in_sentences(engine):
    segments = engine.transcribe(SPEECH_FIXTURE, prompt_vocabulary=GENERIC_DENTAL_TERMS)
    assert heard(segments) == SPEECH_WORDS
    assert len(segments) >= 3 and segments[0]["text"][0].isupper()


# --- choosing the engine and model ---------------------------------------------------


def test_it_is_the_engine_when_no_api_key_is_set(settings):
    settings.TRANSCRIPTION_ENGINE = "local"
    settings.LOCAL_WHISPER_MODEL = ""
    engine = get_transcription_engine()
    assert isinstance(engine, LocalTranscriptionEngine)
    assert engine.source == "whisper" and engine.splits_media
    assert engine.model == "tiny.en"
    assert engine.engine_label == "Whisper tiny.en, offline (faster-whisper)"


def test_the_model_is_loaded_once_per_process(engine):
    first = load_model(engine.config)
    assert load_model(LocalTranscriptionEngine().config) is first


def test_another_model_folder_is_used_and_named_by_its_folder(settings, tmp_path, engine):
    folder = tmp_path / "faster-whisper-tiny.en"
    shutil.copytree(engine.config.model_path, folder)
    settings.LOCAL_WHISPER_MODEL = str(folder)
    settings.LOCAL_WHISPER_THREADS = 1
    other = get_transcription_engine("local")
    assert other.config.model_path == str(folder) and other.model == "tiny.en"
    assert load_model(other.config) is not load_model(engine.config)
    assert heard(other.transcribe(IMPLANTS_FIXTURE)) == IMPLANTS_WORDS


def test_a_model_setting_that_is_not_a_model_folder_fails_clearly_and_downloads_nothing(
    settings, tmp_path
):
    settings.LOCAL_WHISPER_MODEL = "small.en"  # a name faster-whisper would download
    with pytest.raises(PermanentError, match="not a folder holding a CTranslate2 Whisper model"):
        get_transcription_engine("local").transcribe(read_pcm(SPEECH_FIXTURE))
    settings.LOCAL_WHISPER_MODEL = str(tmp_path)
    with pytest.raises(PermanentError, match="LOCAL_WHISPER_MODEL"):
        get_transcription_engine("local").transcribe(read_pcm(SPEECH_FIXTURE))


def test_the_bundled_model_needs_no_setting():
    config = WhisperConfig.for_model("")
    assert config.model_name == "tiny.en"
    assert config.model_path.endswith("model")


def test_an_unknown_engine_name_is_refused():
    with pytest.raises(ValueError, match="Unknown transcription engine 'nope'"):
        get_transcription_engine("nope")
