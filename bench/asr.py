"""Accuracy, speed and memory of the offline `local` engine (Whisper via faster-whisper).

    .venv/bin/python -m bench.asr                      # the five generated dental lectures
    .venv/bin/python -m bench.asr --runs 5             # more timed runs per lecture
    .venv/bin/python -m bench.asr talk.mp3 talk.txt …  # your own recordings and their texts

Five spoken dental lectures (55–68 s each) are generated with espeak-ng and sox on first
use and cached under var/bench/asr: "endodontics" in an American voice, clean;
"periodontics" in a British (RP) voice over brown noise; and three the engine was not tuned
on, to see whether a change helps recordings nobody has looked at: "implants" (American,
clean), "orthodontics" (British, brown noise) and "caries" in young children (American,
clean). Each recording runs through the same code as the transcription job
(`transcribe_media`: decode, split, engine, join) in a fresh process, as a Celery worker
would, which loads the model once.

Printed per recording: word error rate without the glossary (a first upload) and with the
lecture's dental terms as the glossary prompt, how many of those terms came out right,
real-time factor (wall time / audio length; median of the timed runs, model already
loaded), CPU seconds per audio second, and the process's peak resident memory. Texts are
normalised with Whisper's English normaliser before scoring (case, punctuation, spelled
and written numbers, British/American spelling), so "36" and "thirty-six" are the same word.

Targets on a 2-core machine: WER ≤ 0.12, real-time factor ≤ 0.3, memory ≤ 600 MB. Timings
depend on what else runs: the load average is printed with them.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("MAX_VAR_DIR", ROOT / "var")) / "bench" / "asr"
TARGETS = {"wer": 0.12, "rtf": 0.3, "rss_mb": 600}


@dataclass(frozen=True)
class Lecture:
    name: str
    voice: str  # espeak-ng voice
    noise: bool  # brown noise under the voice
    text: str
    terms: tuple[str, ...]  # the dental terms an editor's glossary would hold


LECTURES = (
    Lecture(
        name="endodontics",
        voice="en-us",
        noise=False,
        text=(
            "Good morning everyone, and welcome back. Today we are talking about endodontics, "
            "the treatment of the dental pulp. When caries reaches the pulp, the patient often "
            "reports sharp pain to cold that lingers for more than 30 seconds. That is a sign of "
            "irreversible pulpitis. Our first step is a periapical radiograph, which shows the "
            "root canals and any lesion at the apex. After local anesthesia with 2 percent "
            "lidocaine, we place a rubber dam and open the pulp chamber. We find the canals, "
            "measure the working length with an apex locator, and shape them with nickel "
            "titanium files. Irrigation with sodium hypochlorite dissolves the remaining tissue "
            "and kills bacteria. Then we dry the canals and fill them with gutta percha and a "
            "sealer. On tooth 36, a lower first molar, expect three or four canals. Finally, the "
            "tooth needs a crown, because a root filled molar without cuspal coverage often "
            "fractures. Next week, Dr. Soto will show the same steps on a patient."
        ),
        terms=(
            "endodontics",
            "dental pulp",
            "caries",
            "pulpitis",
            "periapical",
            "radiograph",
            "lidocaine",
            "rubber dam",
            "apex locator",
            "nickel-titanium",
            "sodium hypochlorite",
            "gutta-percha",
            "molar",
            "cuspal coverage",
            "Dr. Soto",
        ),
    ),
    Lecture(
        name="periodontics",
        voice="en-gb-x-rp",
        noise=True,
        text=(
            "In this lecture we look at periodontal disease. Gingivitis is inflammation of the "
            "gums caused by plaque, and it is reversible with good oral hygiene. When it "
            "progresses to periodontitis, attachment is lost and the alveolar bone is resorbed. "
            "We measure pocket depths with a periodontal probe at six sites around every tooth. "
            "A depth of 4 millimeters or more, with bleeding on probing, needs treatment. The "
            "first phase is scaling and root planing under local anesthesia. We remove calculus "
            "from the root surface and smooth the cementum so that the tissue can heal. "
            "Chlorhexidine mouthwash helps for 2 weeks, but it stains the teeth. Patients who "
            "smoke or have diabetes heal more slowly, so we see them every 3 months. Deep "
            "pockets that do not respond may need flap surgery or a bone graft. Remember that "
            "implants can suffer the same problem, called peri-implantitis. Thank you, and "
            "please read chapter 12 before our next session."
        ),
        terms=(
            "periodontal",
            "gingivitis",
            "plaque",
            "periodontitis",
            "alveolar bone",
            "resorbed",
            "periodontal probe",
            "scaling",
            "root planing",
            "calculus",
            "cementum",
            "chlorhexidine",
            "flap surgery",
            "bone graft",
            "peri-implantitis",
        ),
    ),
    Lecture(
        name="implants",
        voice="en-us",
        noise=False,
        text=(
            "Welcome to the session on dental implants. An implant is a titanium screw placed "
            "in the jaw to replace the root of a missing tooth. Before surgery we take a cone "
            "beam scan to measure the height and width of the bone. If the ridge is too thin, "
            "we may need a sinus lift or a bone graft first. The implant is placed under local "
            "anesthesia, and the gum is closed over it. Over the next 3 months the bone grows "
            "onto the surface, which we call osseointegration. Then we attach an abutment and "
            "take an impression for the crown. Patients must clean around the implant every "
            "day, because plaque can cause mucositis and later bone loss. Smoking doubles the "
            "risk of failure. Most implants last more than 20 years when they are checked once "
            "a year. In the next part, we will compare screw retained and cement retained "
            "crowns."
        ),
        terms=(
            "dental implants",
            "titanium",
            "cone beam",
            "sinus lift",
            "bone graft",
            "osseointegration",
            "abutment",
            "impression",
            "crown",
            "plaque",
            "mucositis",
            "screw-retained",
            "cement-retained",
        ),
    ),
    Lecture(
        name="orthodontics",
        voice="en-gb",
        noise=True,
        text=(
            "Today's topic is orthodontics, the correction of crooked teeth and jaws. We start "
            "with a clinical exam, photographs, and a lateral cephalogram to see how the upper "
            "and lower jaws relate. A class two malocclusion means the lower jaw sits behind "
            "the upper jaw, and the overjet is often large. Fixed braces use brackets bonded to "
            "each tooth and a thin archwire that moves the teeth slowly. Clear aligners are "
            "changed every 2 weeks and must be worn for about 22 hours a day. Treatment usually "
            "takes 18 months to 2 years. Children who still grow can benefit from a functional "
            "appliance that guides the lower jaw forward. After the braces come off, a retainer "
            "keeps the teeth in place, because teeth tend to move back. Good brushing matters, "
            "since plaque around brackets leaves white spots on the enamel. Please bring your "
            "study models on Friday."
        ),
        terms=(
            "orthodontics",
            "cephalogram",
            "malocclusion",
            "overjet",
            "braces",
            "brackets",
            "archwire",
            "aligners",
            "functional appliance",
            "retainer",
            "plaque",
            "enamel",
            "study models",
        ),
    ),
    Lecture(
        name="caries",
        voice="en-us",
        noise=False,
        text=(
            "This morning we discuss tooth decay in young children. Early childhood caries "
            "often starts on the upper front teeth of babies who fall asleep with a bottle of "
            "milk or juice. Bacteria in plaque turn sugar into acid, and the acid dissolves the "
            "enamel. The first sign is a chalky white line near the gum. Parents should brush "
            "their child's teeth twice a day with a smear of fluoride toothpaste as soon as the "
            "first tooth appears. We apply fluoride varnish every 6 months for high risk "
            "children. Deep grooves in the molars can be protected with sealants. When a cavity "
            "reaches the nerve of a baby tooth, we may perform a pulpotomy and place a "
            "stainless steel crown. Some young children need treatment under general "
            "anesthesia, so prevention is always the better path. Ask every family about "
            "snacks, drinks, and how often the child eats during the day."
        ),
        terms=(
            "early childhood caries",
            "plaque",
            "enamel",
            "fluoride toothpaste",
            "fluoride varnish",
            "molars",
            "sealants",
            "cavity",
            "pulpotomy",
            "stainless steel crown",
            "general anesthesia",
        ),
    ),
)


def normalise(text: str) -> str:
    from whisper_normalizer.english import EnglishTextNormalizer

    return EnglishTextNormalizer()(text)


def word_error_rate(reference: str, hypothesis: str) -> float:
    import jiwer

    return jiwer.wer(normalise(reference), normalise(hypothesis) or "<nothing>")


def terms_right(terms: tuple[str, ...], hypothesis: str) -> int:
    heard = f" {normalise(hypothesis)} "
    return sum(f" {normalise(term)} " in heard for term in terms)


def generate(lecture: Lecture) -> Path | None:
    """The lecture as 16 kHz mono FLAC (cached); None when espeak-ng or sox is missing."""
    target = CACHE / f"{lecture.name}-{lecture.voice}{'-noise' if lecture.noise else ''}.flac"
    if target.exists():
        return target
    if not (shutil.which("espeak-ng") and shutil.which("sox")):
        return None
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        text, raw = Path(tmp, "text.txt"), Path(tmp, "raw.wav")
        text.write_text(lecture.text)
        subprocess.run(
            ["espeak-ng", "-s", "150", "-v", lecture.voice, "-w", raw, "-f", text], check=True
        )
        partial = target.with_suffix(".partial.flac")
        if lecture.noise:
            noise = subprocess.run(
                # -R: the same noise every time, so runs and machines compare.
                ["sox", "-R", raw, "-p", "synth", "brownnoise", "vol", "0.08"],
                check=True,
                capture_output=True,
            ).stdout
            subprocess.run(
                ["sox", "-m", raw, "-", "-r", "16000", "-c", "1", "-b", "16", partial],
                input=noise,
                check=True,
            )
        else:
            subprocess.run(["sox", raw, "-r", "16000", "-c", "1", "-b", "16", partial], check=True)
        partial.rename(target)
    return target


def run_child(path: str, reference: str, terms: list[str], runs: int) -> dict:
    """In a fresh process: one run without the glossary, then `runs` timed runs with it."""
    import django

    django.setup()
    from django.conf import settings

    from integrations.transcription import get_transcription_engine
    from integrations.transcription.runner import plan_pieces, transcribe_media

    started = time.perf_counter()
    engine = get_transcription_engine("local")
    from integrations.transcription.local_engine import load_model

    load_model(engine.config)
    load_seconds = time.perf_counter() - started

    def once(vocabulary: list[str]) -> tuple[str, float, float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        plan = plan_pieces(path, engine=engine, parallelism=settings.TRANSCRIPTION_PARALLELISM)
        result = transcribe_media(path, engine=engine, plan=plan, prompt_vocabulary=vocabulary)
        text = " ".join(s["text"] for s in result.segments)
        return text, time.perf_counter() - wall, time.process_time() - cpu, result.duration

    plain, _, _, duration = once([])
    timed = [once(terms) for _ in range(runs)]
    text = timed[0][0]
    return {
        "model": engine.engine_label,
        "threads": engine.config.cpu_threads or os.cpu_count(),
        "duration": duration,
        "load_seconds": load_seconds,
        "wer_plain": word_error_rate(reference, plain),
        "wer_glossary": word_error_rate(reference, text),
        "terms_plain": terms_right(tuple(terms), plain),
        "terms_glossary": terms_right(tuple(terms), text),
        "terms": len(terms),
        "rtf": [t[1] / duration for t in timed],
        "cpu_per_second": [t[2] / duration for t in timed],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "text": text,
    }


def measure(path: Path, reference: str, terms: tuple[str, ...], runs: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.setdefault("DJANGO_SETTINGS_MODULE", "max_site.test_settings")
    args = [str(path), reference, json.dumps(list(terms)), str(runs)]
    child = subprocess.run(
        [sys.executable, "-m", "bench.asr", "--child", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(child.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    argv = list(argv or [])  # `python -m bench` runs every benchmark with its defaults
    runs = 3
    if "--runs" in argv:
        at = argv.index("--runs")
        runs = int(argv[at + 1])
        del argv[at : at + 2]
    jobs: list[tuple[str, Path, str, tuple[str, ...]]] = []
    if argv:
        if len(argv) % 2:
            sys.exit("Give recordings and their reference texts in pairs: AUDIO TEXT …")
        for audio, text in zip(argv[0::2], argv[1::2], strict=True):
            jobs.append((Path(audio).name, Path(audio), Path(text).read_text(), ()))
    else:
        for lecture in LECTURES:
            path = generate(lecture)
            if path is None:
                print("espeak-ng and sox are needed to make the lectures (apt-get install -y ")
                print("espeak-ng sox); or pass your own recordings: AUDIO TEXT …")
                return
            label = f"{lecture.name} ({lecture.voice}{', brown noise' if lecture.noise else ''})"
            jobs.append((label, path, lecture.text, lecture.terms))
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    rows = []
    for label, path, reference, terms in jobs:
        rows.append((label, measure(path, reference, terms, runs)))
        print(f"  measured {label}", flush=True)
    print(f"load average after:  {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    first = rows[0][1]
    print(
        f"engine: {first['model']}, {first['threads']} threads; model load "
        f"{first['load_seconds']:.1f} s; {runs} timed run(s) per recording, median shown"
    )
    print(
        f"{'recording':<42} {'audio':>6} {'WER':>6} {'WER+gl':>7} {'terms':>7} "
        f"{'RTF':>6} {'CPU/s':>6} {'peak RSS':>9}"
    )
    for label, r in rows:
        terms = f"{r['terms_plain']}→{r['terms_glossary']}/{r['terms']}" if r["terms"] else "-"
        print(
            f"{label:<42} {r['duration']:>5.0f}s {r['wer_plain']:>6.3f} "
            f"{r['wer_glossary'] if r['terms'] else r['wer_plain']:>7.3f} {terms:>7} "
            f"{statistics.median(r['rtf']):>6.3f} {statistics.median(r['cpu_per_second']):>6.3f} "
            f"{r['peak_rss_mb']:>6.0f} MB"
        )
    print(
        "WER: without a glossary (a first upload); WER+gl: the lecture's dental terms as the "
        "glossary prompt; terms: dental terms right without → with it. RTF: wall time / audio "
        f"(all runs: {', '.join(f'{x:.2f}' for _, r in rows for x in r['rtf'])}). "
        f"Targets: WER ≤ {TARGETS['wer']}, RTF ≤ {TARGETS['rtf']}, memory ≤ "
        f"{TARGETS['rss_mb']} MB."
    )
    for label, r in rows:
        print(f"\n{label}:\n  {r['text']}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        path, reference, terms, runs = sys.argv[2:6]
        print(json.dumps(run_child(path, reference, json.loads(terms), int(runs))), flush=True)
    else:
        main(sys.argv[1:])
