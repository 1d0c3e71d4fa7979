"""Long media: decoding, splitting at silences, parallel pieces and joining them back."""

import time
from pathlib import Path

import av
import numpy as np
import pytest

from integrations.errors import PermanentError, TransientError
from integrations.transcription.audio import SAMPLE_RATE, iter_pcm, probe_duration, read_pcm
from integrations.transcription.chunking import SilenceSplitter, plan_piece_seconds
from integrations.transcription.openai_engine import OpenAITranscriptionEngine
from integrations.transcription.runner import PiecePlan, transcribe_media
from jobs.errors import JobCancelled
from transcripts.tests.transcription_fakes import (
    FakeOpenAI,
    Fault,
    tone_bursts,
    write_audio,
)


def split(pcm, piece_seconds, block=SAMPLE_RATE):
    blocks = (pcm[i : i + block] for i in range(0, pcm.size, block))
    return list(SilenceSplitter(piece_seconds).split(blocks))


def inside_a_burst(sample, bursts):
    t = sample / SAMPLE_RATE
    return any(b.start < t < b.end for b in bursts)


# --- decoding -------------------------------------------------------------------------


def test_an_mp3_upload_decodes_to_16khz_mono_in_blocks(tmp_path):
    pcm, _ = tone_bursts(8)
    path = write_audio(pcm, tmp_path / "talk.mp3", "mp3")  # 44.1 kHz stereo
    blocks = list(iter_pcm(path, block_samples=SAMPLE_RATE))
    assert all(b.dtype == np.int16 and b.ndim == 1 for b in blocks)
    assert len(blocks) > 5 and max(b.size for b in blocks) < 2 * SAMPLE_RATE
    total = sum(b.size for b in blocks)
    assert abs(total - pcm.size) < 0.1 * SAMPLE_RATE  # encoder padding only
    assert probe_duration(path) == pytest.approx(pcm.size / SAMPLE_RATE, abs=0.1)


def test_a_file_that_is_not_media_fails_clearly(tmp_path):
    path = tmp_path / "notes.mp3"
    path.write_text("this is not audio")
    with pytest.raises(PermanentError, match="could not be read as audio or video"):
        list(iter_pcm(path))


def test_a_video_without_sound_fails_clearly(tmp_path):
    path = tmp_path / "silent.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=5)
        stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
        for _ in range(3):
            frame = av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    with pytest.raises(PermanentError, match="no audio track"):
        list(iter_pcm(path))


# --- splitting ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("noise_dbfs", "level"),
    [(-70.0, 1.0), (-32.0, 1.0), (-85.0, 0.03)],
    ids=["studio", "hissy webinar", "quiet recording"],
)
def test_cuts_fall_in_pauses_whatever_the_noise_floor(noise_dbfs, level):
    pcm, bursts = tone_bursts(
        40, noise_dbfs=noise_dbfs, gaps=[0.3 + (k % 5) * 0.2 for k in range(40)]
    )
    pcm = (pcm * level).astype(np.int16)
    pieces = split(pcm, piece_seconds=6.0)
    assert len(pieces) > 4
    assert np.array_equal(np.concatenate([p.pcm for p in pieces]), pcm)  # nothing lost
    assert all(p.duration <= 6.0 for p in pieces)
    for piece in pieces[1:]:
        assert not inside_a_burst(piece.start_sample, bursts), piece.start
    assert [p.start_sample for p in pieces] == sorted(p.start_sample for p in pieces)


def test_cuts_go_to_a_real_pause_rather_than_a_short_gap():
    gaps = [0.3] * 30
    gaps[6] = 1.5  # one long pause between burst 6 and 7, about 5.5 s in
    pcm, bursts = tone_bursts(30, gaps=gaps)
    first = split(pcm, piece_seconds=7.0)[0]
    assert bursts[6].end < first.duration < bursts[7].start


def test_pieces_come_out_close_to_full_length_when_pauses_are_plentiful():
    pcm, _ = tone_bursts(100, gap=0.6)  # a good pause every second
    pieces = split(pcm, piece_seconds=10.0)
    assert all(9.0 <= p.duration <= 10.0 for p in pieces[:-1])


def test_audio_without_any_pause_is_still_cut_under_the_limit():
    t = np.arange(SAMPLE_RATE * 20) / SAMPLE_RATE
    hum = (0.3 * 32767 * np.sin(2 * np.pi * 220 * t) * (1 + 0.5 * np.sin(t))).astype(np.int16)
    pieces = split(hum, piece_seconds=4.0)
    assert all(p.duration <= 4.0 for p in pieces)
    assert sum(p.pcm.size for p in pieces) == hum.size


def test_the_same_audio_is_always_cut_the_same_way():
    pcm, _ = tone_bursts(30, noise_dbfs=-40)
    first = [(p.start_sample, p.pcm.size) for p in split(pcm, 5.0, block=4000)]
    second = [(p.start_sample, p.pcm.size) for p in split(pcm, 5.0, block=SAMPLE_RATE)]
    assert first == second


def test_silent_stretches_are_marked_so_they_are_never_sent():
    pcm, _ = tone_bursts(3)
    padded = np.concatenate([pcm, np.zeros(SAMPLE_RATE * 12, np.int16), pcm])
    pieces = split(padded, piece_seconds=5.0)
    assert any(p.silent for p in pieces) and not pieces[0].silent


def test_piece_length_keeps_every_request_busy():
    # A 10-minute talk with 8 requests: 8 pieces of about 75 s, not one of 600 s.
    ten_minutes = plan_piece_seconds(duration=600, max_piece_seconds=600, parallelism=8)
    assert ten_minutes * 0.9 * 8 == pytest.approx(600)
    # A 3-hour lecture: rounds of 8 equal pieces, each under the limit.
    three_hours = plan_piece_seconds(duration=10800, max_piece_seconds=600, parallelism=8)
    assert three_hours <= 600 and 10800 / (three_hours * 0.9) % 8 == pytest.approx(0, abs=1e-6)
    assert plan_piece_seconds(duration=30, max_piece_seconds=600, parallelism=8) == 60
    assert plan_piece_seconds(duration=None, max_piece_seconds=600, parallelism=8) == 600
    assert plan_piece_seconds(duration=3600, max_piece_seconds=30, parallelism=1) == 30


# --- the whole path: split, transcribe in parallel, join ------------------------------


@pytest.fixture
def fake():
    with FakeOpenAI(seconds_per_audio_second=0.02) as server:
        yield server


@pytest.fixture
def engine(fake):
    return OpenAITranscriptionEngine(api_key="sk-test", base_url=fake.base_url, timeout=5)


@pytest.fixture(scope="module")
def lecture(tmp_path_factory):
    """About 75 s of "speech": 60 words with pauses of varying length, as an mp3. Encoded
    once for the module: the tests only read it."""
    pcm, bursts = tone_bursts(60, gaps=[0.4 + (k % 7) * 0.15 for k in range(60)])
    return write_audio(pcm, tmp_path_factory.mktemp("lecture") / "lecture.mp3", "mp3"), bursts


def plan(engine, seconds=8.0, parallelism=4):
    return PiecePlan(engine.name, engine.model, seconds, parallelism, None)


def test_every_word_comes_back_once_in_order_at_its_time(engine, fake, lecture):
    path, bursts = lecture
    pieces = []
    result = transcribe_media(path, engine=engine, plan=plan(engine), on_piece=pieces.append)

    words = [w for s in result.segments for w in s["words"]]
    assert [w["word"] for w in words] == [b.word for b in bursts]
    for word, burst in zip(words, bursts, strict=True):
        assert word["start"] == pytest.approx(burst.start, abs=0.06)
        assert word["end"] == pytest.approx(burst.end, abs=0.06)
    assert [s["id"] for s in result.segments] == list(range(len(result.segments)))
    assert result.pieces == len(pieces) == len(fake.requests) >= 9
    assert result.duration == pytest.approx(bursts[-1].end + 0.85, abs=0.1)  # the last pause
    # Pieces were sent as FLAC, several at once.
    assert {r.filename.rsplit(".", 1)[1] for r in fake.requests} == {"flac"}
    assert fake.max_in_flight > 1


@pytest.mark.slow
def test_parallel_requests_overlap_and_stay_within_the_bound(tmp_path):
    # What parallelism buys in time is a benchmark's business; here: requests really overlap,
    # and never more of them than the plan allows.
    pcm, _ = tone_bursts(80, gap=0.5)
    path = write_audio(pcm, tmp_path / "talk.flac")
    for parallelism in (1, 4):
        with FakeOpenAI(seconds_per_audio_second=0.03) as server:
            engine = OpenAITranscriptionEngine(api_key="k", base_url=server.base_url, timeout=5)
            transcribe_media(path, engine=engine, plan=plan(engine, 6.0, parallelism))
            assert server.max_in_flight <= parallelism
            assert server.max_in_flight >= min(parallelism, 2)


def test_silent_pieces_are_not_sent(engine, fake, tmp_path):
    pcm, bursts = tone_bursts(4)
    gap = np.zeros(SAMPLE_RATE * 30, np.int16)
    path = write_audio(np.concatenate([pcm, gap, pcm]), tmp_path / "gap.flac")
    result = transcribe_media(path, engine=engine, plan=plan(engine, 8.0))
    assert result.pieces > len(fake.requests)
    assert [w["word"] for s in result.segments for w in s["words"]] == [b.word for b in bursts] * 2


def test_finished_pieces_are_reused_and_never_sent_twice(engine, fake, lecture):
    path, _ = lecture
    stored = {}
    first = transcribe_media(
        path, engine=engine, plan=plan(engine), on_piece=lambda p: stored.setdefault(p.index, p)
    )
    sent = len(fake.requests)
    # Forget two pieces, as if the worker died while they were in the air.
    for index in (2, 5):
        del stored[index]
    again = transcribe_media(path, engine=engine, plan=plan(engine), reuse_piece=stored.get)
    assert len(fake.requests) == sent + 2
    assert again.segments == first.segments
    assert again.reused_pieces == first.pieces - 2


def test_a_failed_piece_keeps_the_finished_ones_and_raises(engine, fake, lecture):
    path, bursts = lecture
    stored = {}
    # The first request to arrive gets a 500, late, after the pieces sent beside it finished.
    # (Which piece that is depends on the order the requests reach the server.)
    fake.fail_next(Fault(500, b'{"error": {"message": "boom"}}', delay=1.0))
    with pytest.raises(TransientError, match="HTTP 500"):
        transcribe_media(
            path, engine=engine, plan=plan(engine), on_piece=lambda p: stored.setdefault(p.index, p)
        )
    requested = len(fake.requests)
    result = transcribe_media(path, engine=engine, plan=plan(engine), reuse_piece=stored.get)
    assert stored and len(stored) < result.pieces
    assert [w["word"] for s in result.segments for w in s["words"]] == [b.word for b in bursts]
    assert len(fake.requests) - requested == result.pieces - len(stored)


def test_a_permanent_fault_wins_over_a_transient_one(engine, fake, lecture):
    # The 503 comes back first; the 400 of the piece still in the air decides.
    fake.fail_next(
        Fault(503, delay=0.3),
        Fault(400, b'{"error": {"message": "Unsupported file"}}', delay=0.6),
    )
    with pytest.raises(PermanentError, match="Unsupported file"):
        transcribe_media(lecture[0], engine=engine, plan=plan(engine, parallelism=2))


def test_a_piece_waits_out_retry_after_then_succeeds(engine, fake, lecture):
    path, bursts = lecture
    fake.fail_next(Fault(429, b"{}", {"Retry-After": "1"}))
    delays = []

    def delay(attempt, retry_after):
        delays.append(retry_after)
        return max(0.01, retry_after or 0)

    started = time.monotonic()
    result = transcribe_media(
        path, engine=engine, plan=plan(engine), piece_retries=2, retry_delay=delay
    )
    assert time.monotonic() - started >= 1.0
    assert delays == [1.0]
    assert [w["word"] for s in result.segments for w in s["words"]] == [b.word for b in bursts]


def test_a_long_retry_after_is_handed_back_to_the_job(engine, fake, lecture):
    fake.fail_next(Fault(429, b"{}", {"Retry-After": "600"}))
    with pytest.raises(TransientError) as caught:
        transcribe_media(lecture[0], engine=engine, plan=plan(engine), piece_retries=3)
    assert caught.value.retry_after == 600


def test_cancel_stops_between_pieces_and_cleans_up(engine, fake, lecture, tmp_path):
    workdir = tmp_path / "work"
    workdir.mkdir()
    seen = []

    def progress(p):
        seen.append(p.message)
        if p.pieces_done >= 1:
            raise JobCancelled()

    with pytest.raises(JobCancelled):
        transcribe_media(
            lecture[0],
            engine=engine,
            plan=plan(engine, parallelism=1),
            on_progress=progress,
            workdir=workdir,
        )
    assert len(fake.requests) < 4
    assert list(Path(workdir).iterdir()) == []  # no pieces left behind
    assert seen[0] == "Reading the recording…"
    assert seen[-1].startswith("piece 2 of about")  # the first is done


def test_progress_counts_pieces(engine, fake, lecture):
    messages = []
    transcribe_media(
        lecture[0],
        engine=engine,
        plan=PiecePlan("openai", "", 8.0, 4, 75.0),
        on_progress=lambda p: messages.append((p.message, p.fraction)),
    )
    final, fraction = messages[-1]
    assert fraction == 1.0
    assert final.startswith("piece ") and final.split()[1] == final.split()[3]
    fractions = [f for _, f in messages]
    assert fractions == sorted(fractions)


def test_pieces_reach_the_local_engine_as_samples(tmp_path):
    from integrations.transcription.local_engine import LocalTranscriptionEngine
    from transcripts.tests.transcription_fakes import SPEECH_FIXTURE

    pcm = read_pcm(SPEECH_FIXTURE)
    # Two copies of the sentence with a pause: pieces of at most 12 s split between them.
    doubled = np.concatenate([pcm, np.zeros(SAMPLE_RATE, np.int16), pcm])
    path = write_audio(doubled, tmp_path / "twice.flac")
    result = transcribe_media(
        path, engine=LocalTranscriptionEngine(), plan=PiecePlan("local", "", 12.0, 1, None)
    )
    assert result.pieces == 2
    words = [w["word"] for s in result.segments for w in s["words"]]
    assert words.count("York") == 2
    second = [w for s in result.segments for w in s["words"] if w["start"] > 11.0]
    assert second and second[0]["start"] < 12.5
