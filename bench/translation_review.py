"""Translation review: memory lookups for a whole document, and the QA pass.

    .venv/bin/python -m bench translation_review

TM lookup: a 2,400-segment English document (a third repeats memory entries exactly, a
third differs from one by a word or two, a third is new) against a translation memory of
200,000 Spanish entries, through `translations.memory.document_matches` (one exact query,
then fuzzy candidates from the word index, scored by rapidfuzz). Cold includes building the
pair's in-process index from the database; warm is a later lookup (the page's case).
Target: ≤ 2 s for the whole document.

QA pass: `translations.qa.document_issues` over eight 2,400-segment translations with a
100-pair glossary, voice-over budgets, numbers and brackets (the review page's and
finalize's work, without reading the versions). Target: ≤ 300 ms.

Runs in a scratch database (`max_bench_translation_review`), created and dropped here.
"""

from __future__ import annotations

import os
import random
import statistics
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "max_site.test_settings")

SEGMENTS = int(os.environ.get("BENCH_SEGMENTS", "2400"))
MEMORY = int(os.environ.get("BENCH_MEMORY", "200000"))
SCRATCH_DB = os.environ.get("BENCH_REVIEW_DATABASE", "max_bench_translation_review")
LANGUAGES = ["ar", "de", "es", "fr", "hi", "it", "pt", "zh"]


def _vocabulary(rng: random.Random, size: int) -> list[str]:
    words = set()
    while len(words) < size:
        words.add("".join(rng.choice("bcdfgklmnprstv") + rng.choice("aeiou") for _ in range(3)))
    return sorted(words)


def _sentence(rng: random.Random, vocabulary: list[str]) -> str:
    words = [rng.choice(vocabulary) for _ in range(rng.randint(6, 16))]
    if rng.random() < 0.3:
        words.insert(rng.randrange(len(words)), f"{rng.randint(10, 48)}")
    return " ".join(words).capitalize() + "."


def _fill_memory(rng, vocabulary) -> list[str]:
    from django.utils import timezone

    from translations.memory import normalise, source_hash
    from translations.models import TranslationMemory

    sources = list(dict.fromkeys(_sentence(rng, vocabulary) for _ in range(MEMORY)))
    now = timezone.now()
    batch = []
    for text in sources:
        key = normalise(text)
        batch.append(
            TranslationMemory(
                source_text=text,
                target_language="es",
                target_text=f"ES {text}",
                source_key=key,
                source_hash=source_hash(key),
                updated_at=now,
            )
        )
        if len(batch) == 10_000:
            TranslationMemory.objects.bulk_create(batch)
            batch = []
    TranslationMemory.objects.bulk_create(batch)
    return sources


def _document(rng, vocabulary, sources) -> list[str]:
    texts = []
    for i in range(SEGMENTS):
        if i % 3 == 0:
            texts.append(rng.choice(sources).upper() if i % 2 else rng.choice(sources))
        elif i % 3 == 1:
            words = rng.choice(sources).rstrip(".").split()
            words[rng.randrange(len(words))] = rng.choice(vocabulary)
            texts.append(" ".join(words) + ".")
        else:
            texts.append(_sentence(rng, vocabulary))
    return texts


def bench_memory() -> None:
    from translations import memory

    rng = random.Random(11)
    vocabulary = _vocabulary(rng, 4000)
    started = time.perf_counter()
    sources = _fill_memory(rng, vocabulary)
    print(f"memory: {len(sources):,} es entries stored in {time.perf_counter() - started:.1f} s")
    texts = _document(rng, vocabulary, sources)
    memory._indexes.clear()
    started, started_cpu = time.perf_counter(), time.process_time()
    found = memory.document_matches(texts, target_language="es")
    cold, cold_cpu = time.perf_counter() - started, time.process_time() - started_cpu
    warm, warm_cpu = [], []
    for _ in range(3):
        started, started_cpu = time.perf_counter(), time.process_time()
        found = memory.document_matches(texts, target_language="es")
        warm.append(time.perf_counter() - started)
        warm_cpu.append(time.process_time() - started_cpu)
    exact = sum(1 for hits in found.values() if hits[0].score == 100)
    fuzzy = len(found) - exact
    print(
        f"TM lookup, {SEGMENTS:,} segments against {len(sources):,} entries: "
        f"median {statistics.median(warm) * 1000:.0f} ms wall, "
        f"{statistics.median(warm_cpu) * 1000:.0f} ms CPU (target ≤ 2 s); "
        f"{exact} exact, {fuzzy} fuzzy ≥ 75 %"
    )
    print(
        f"  first lookup in a process (builds the pair's word index): {cold * 1000:.0f} ms "
        f"wall, {cold_cpu * 1000:.0f} ms CPU"
    )


def bench_qa() -> None:
    from translations import qa

    rng = random.Random(5)
    vocabulary = _vocabulary(rng, 3000)
    terms = [f"{t}x" for t in _vocabulary(random.Random(99), 100)]  # words of their own
    english = {}
    term_of: dict[int, str] = {}
    documents = []
    for i in range(SEGMENTS):
        text = _sentence(rng, vocabulary)
        if i % 4 == 0:
            term_of[i] = rng.choice(terms)
            text = f"{term_of[i]} {text} (2.5 mm)"
        english[i] = text
    for code in LANGUAGES:
        segments = []
        for i, text in english.items():
            target = text.replace("2.5", "2,5") if code in ("de", "es", "fr", "it", "pt") else text
            # A stand-in translation: other words (each reversed), numbers and terms kept.
            target = " ".join(
                w[::-1] + code if w.isalpha() and w not in terms else w for w in target.split()
            )
            if i in term_of and i % 100:  # the glossary's rendering, but now and then not
                target = target.replace(term_of[i], f"{term_of[i]}{code}", 1)
            if i % 50 == 0:
                target = target.replace(")", "")  # one segment in fifty has an error
            # The speaker's time fits the text, as it mostly does (one in ten runs over).
            seconds = len(target) / (14 if i % 10 else 25)
            segments.append({"id": i, "start": i * 6.0, "end": i * 6.0 + seconds, "text": target})
        # Each language has its own glossary renderings of the same English terms.
        finder = qa.TermFinder([qa.TermPair((t,), t, f"{t}{code}") for t in terms])
        documents.append((code, segments, finder))
    times, cpu = [], []
    for _ in range(5):
        qa._numbers.cache_clear()  # every run starts cold
        qa._balanced.cache_clear()
        qa._number_tokens.cache_clear()
        qa._marks.cache_clear()
        for _code, _segments, finder in documents:
            finder._seen.clear()
        started, started_cpu = time.perf_counter(), time.process_time()
        total = 0
        for code, segments, finder in documents:
            issues = qa.document_issues(
                english,
                segments,
                language_code=code,
                finder=finder,
                chars_per_second=17,
                placeholder_label=f"[draft {code}]",
            )
            total += len(issues)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    print(
        f"QA pass, {len(documents)} translations × {SEGMENTS:,} segments: median "
        f"{statistics.median(times) * 1000:.0f} ms wall, {statistics.median(cpu) * 1000:.0f} ms "
        "CPU (target ≤ 300 ms); "
        f"{total:,} segments with issues"
    )


def main() -> None:
    import django

    django.setup()
    from django.db import connection

    bench_qa()
    if connection.vendor != "postgresql":
        print("The memory benchmark needs PostgreSQL (set DATABASE_URL); skipping it.")
        return
    connection.settings_dict.setdefault("TEST", {})["NAME"] = SCRATCH_DB
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        bench_memory()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
