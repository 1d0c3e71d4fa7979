"""Long media through split → parallel requests → join, against a fake OpenAI server.

    .venv/bin/python -m bench.transcription          # 1 h and 3 h (files cached in var/bench)
    .venv/bin/python -m bench.transcription 0.25 1   # other lengths, in hours

A synthetic lecture (noise and tone bursts of 0.2–3 s separated by pauses of 0.2–1.5 s,
mp3 at 22.05 kHz mono, like a podcast upload) is generated once, streaming, with PyAV.
Each length runs in a fresh process so its peak memory is its own; the fake server
runs in another process and sleeps like the real service (piece duration / 30) before
answering with 2.5 words a second. Printed: wall time as a fraction of the audio's
length, and peak memory (resident set, and Python allocations via tracemalloc).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("MAX_VAR_DIR", ROOT / "var")) / "bench"
PARALLELISM = 8
SERVER_SECONDS_PER_AUDIO_SECOND = 1 / 30  # whisper-1 is roughly 30× faster than real time


def synthetic_lecture(hours: float) -> Path:
    """An mp3 of `hours` of bursts and pauses, written block by block (never all in memory)."""
    import av
    import numpy as np

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"lecture-{hours:g}h.mp3"
    if path.exists():
        return path
    rate = 22_050
    rng = np.random.default_rng(42)
    partial = path.with_suffix(".partial.mp3")
    with av.open(str(partial), "w") as out:
        stream = out.add_stream("libmp3lame", rate=rate, layout="mono")
        stream.bit_rate = 64_000
        resampler = av.AudioResampler(
            format=stream.format.name, layout="mono", rate=rate, frame_size=1152
        )
        total = int(hours * 3600 * rate)
        written = 0
        while written < total:
            block = []
            size = 0
            while size < rate * 10:  # about ten seconds per block
                burst = int(rng.uniform(0.2, 3.0) * rate)
                pause = int(rng.uniform(0.2, 1.5) * rate)
                t = np.arange(burst) / rate
                voice = 0.25 * np.sin(2 * np.pi * rng.uniform(120, 300) * t)
                voice += 0.1 * rng.standard_normal(burst)
                voice *= np.hanning(burst)
                block += [voice, 0.001 * rng.standard_normal(pause)]
                size += burst + pause
            samples = np.concatenate(block)[: total - written]
            pcm = (np.clip(samples, -1, 1) * 32767).astype(np.int16).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
            frame.rate = rate
            for resampled in resampler.resample(frame):
                for packet in stream.encode(resampled):
                    out.mux(packet)
            written += pcm.shape[1]
        for resampled in resampler.resample(None):
            for packet in stream.encode(resampled):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    partial.rename(path)
    return path


def serve(port_file: str) -> None:
    """The fake OpenAI-compatible server, in its own process."""
    from transcripts.tests.transcription_fakes import FakeOpenAI

    with FakeOpenAI(seconds_per_audio_second=SERVER_SECONDS_PER_AUDIO_SECOND, listen=False) as s:
        Path(port_file).write_text(s.base_url)
        while True:
            time.sleep(3600)


def run_once(path: str, base_url: str) -> dict:
    """One measured run, in this (fresh) process; prints its figures as JSON."""
    import tracemalloc

    from integrations.transcription.openai_engine import OpenAITranscriptionEngine
    from integrations.transcription.runner import plan_pieces, transcribe_media

    engine = OpenAITranscriptionEngine(api_key="bench", base_url=base_url, timeout=600)
    baseline_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    started = time.perf_counter()
    split_done: list[float] = []

    def progress(p):
        if p.pieces_total is not None and not split_done:
            split_done.append(time.perf_counter() - started)

    plan = plan_pieces(path, engine=engine, parallelism=PARALLELISM)
    result = transcribe_media(path, engine=engine, plan=plan, on_progress=progress)
    wall = time.perf_counter() - started
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    words = sum(len(s["words"]) for s in result.segments)
    return {
        "audio_seconds": result.duration,
        "pieces": result.pieces,
        "piece_seconds": round(plan.piece_seconds, 1),
        "words": words,
        "wall_seconds": round(wall, 2),
        "split_seconds": round(split_done[0] if split_done else wall, 2),
        "fraction": wall / result.duration,
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "rss_growth_mb": round((peak_kb - baseline_kb) / 1024, 1),
        "python_peak_mb": round(traced_peak / 2**20, 1),
    }


def main(hours_list: list[float] | None = None) -> None:
    hours_list = hours_list or [float(a) for a in sys.argv[1:] if _is_number(a)] or [1.0, 3.0]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    port_file = CACHE / "fake-openai.url"
    CACHE.mkdir(parents=True, exist_ok=True)
    port_file.unlink(missing_ok=True)
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.transcription", "--serve", str(port_file)], env=env, cwd=ROOT
    )
    try:
        for _ in range(100):
            if port_file.exists() and port_file.read_text():
                break
            time.sleep(0.1)
        base_url = port_file.read_text()
        print(
            f"split at silences → {PARALLELISM} parallel requests → join; fake server sleeps "
            f"piece length / {round(1 / SERVER_SECONDS_PER_AUDIO_SECOND)}",
            flush=True,
        )
        header = (
            f"{'audio':>7} {'pieces':>6} {'piece s':>7} {'words':>7} {'split s':>7} {'wall s':>7} "
            f"{'wall/audio':>10} {'peak RSS':>9} {'RSS growth':>10} {'py peak':>8}"
        )
        rows = []
        for hours in hours_list:
            started = time.perf_counter()
            path = synthetic_lecture(hours)
            made = time.perf_counter() - started
            if made > 1:
                print(f"(generated {path.name} in {made:.0f} s)", flush=True)
            child = subprocess.run(
                [sys.executable, "-m", "bench.transcription", "--run", str(path), base_url],
                env=env,
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            )
            rows.append((hours, json.loads(child.stdout.strip().splitlines()[-1])))
        print(header)
        for hours, r in rows:
            print(
                f"{hours:>6g}h {r['pieces']:>6} {r['piece_seconds']:>7} {r['words']:>7} "
                f"{r['split_seconds']:>7} {r['wall_seconds']:>7} {r['fraction']:>10.4f} "
                f"{r['peak_rss_mb']:>6} MB {r['rss_growth_mb']:>7} MB {r['python_peak_mb']:>5} MB"
            )
        print(
            "split s: when the last piece was cut and encoded (decoding is sequential, so the "
            "last round of requests starts then). Target: wall/audio well under 0.1, memory "
            "flat in the recording's length."
        )
    finally:
        server.terminate()
        server.wait(timeout=10)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        serve(sys.argv[2])
    elif sys.argv[1:2] == ["--run"]:
        print(json.dumps(run_once(sys.argv[2], sys.argv[3])), flush=True)
    else:
        main()
