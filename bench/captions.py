"""Caption building for a three-hour lecture and for its eight translations.

    .venv/bin/python -m bench captions

The English is the editor bench's lecture (30,000 timed words in 3,000 segments of 4 s);
each translation has the same 3,000 segments without word times (as a machine translation
has), its text made of that language's lecture sentence (documents/tests/test_captions.py)
cut to the English segment's length times the language's usual expansion. Prints, per
document, the median and 90th percentile of the cue building (and its CPU time, which a busy
machine inflates less) (tokens, grouping, line
breaks, timing, the rule checks), the cues made, the longest line and the share of cues
that break a rule. Target: ≤ 200 ms per document. Needs no database.
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "max_site.test_settings")

RUNS = 7
TARGET_MS = 200.0
# Characters of translation per English character (typical subtitle expansion).
EXPANSION = {
    "es": 1.2,
    "pt": 1.2,
    "fr": 1.2,
    "de": 1.3,
    "it": 1.2,
    "zh": 0.3,
    "hi": 1.1,
    "ar": 1.0,
}


def _profiles():
    from documents.captions import CaptionProfile

    # The profiles migration languages/0002 stores (Netflix timed-text style guides).
    special = {
        "zh": {"chars_per_line": 16, "chars_per_second": 9.0, "spaced": False},
        "hi": {"chars_per_second": 22.0},
        "ar": {"chars_per_second": 20.0, "direction": "rtl"},
    }
    return {
        code: CaptionProfile(language_code=code, **special.get(code, {}))
        for code in ["en", *EXPANSION]
    }


def _translation(english: dict, code: str, sentence: str) -> list:
    from documents.captions import CaptionSegment

    segments = []
    pool = sentence * 40
    offset = 0
    for seg in english["segments"]:
        length = max(4, round(len(seg["text"]) * EXPANSION[code]))
        text = pool[offset : offset + length].strip() or sentence[:length]
        offset = (offset + length) % len(sentence)
        segments.append(
            CaptionSegment(
                index=seg["id"], id=seg["id"], start=seg["start"], end=seg["end"], text=text
            )
        )
    return segments


def main() -> None:
    import statistics

    import django

    django.setup()
    from bench.editor import figures, lecture_json
    from documents.captions import CaptionReport, build_cues, caption_segments
    from documents.tests.test_captions import LECTURE

    profiles = _profiles()
    english = lecture_json()
    documents = {"en": caption_segments(english["segments"])}
    for code in EXPANSION:
        documents[code] = _translation(english, code, LECTURE[code] + " ")
    for code, segments in documents.items():
        samples, cpu = [], []
        cues = []
        for _ in range(RUNS):
            began, began_cpu = time.perf_counter(), time.process_time()
            cues = build_cues(segments, profiles[code])
            samples.append((time.perf_counter() - began) * 1000)
            cpu.append((time.process_time() - began_cpu) * 1000)
        median, p90 = figures(samples)
        report = CaptionReport(cues, profiles[code])
        broken = len(report.violating) / len(cues) if cues else 0
        cps = statistics.median(cue.chars_per_second for cue in cues)
        what = "3-hour transcript (timed words)" if code == "en" else f"translation {code}"
        verdict = "met" if median <= TARGET_MS else "MISSED"
        print(
            f"captions {what:<34} median {median:6.1f} ms  p90 {p90:6.1f} ms  "
            f"(CPU {statistics.median(cpu):6.1f} ms)  "
            f"{len(cues):5d} cues, longest line {report.max_line_length:3d}, "
            f"median {cps:4.1f} cps, {broken:6.1%} break a rule  "
            f"target ≤ {TARGET_MS:.0f} ms: {verdict}",
            flush=True,
        )


if __name__ == "__main__":
    main()
