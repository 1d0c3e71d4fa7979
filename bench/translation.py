"""Translation: a three-hour lecture translated through the real job, against a local Claude.

    .venv/bin/python -m bench translation

A 2,400-segment English final version (about 30,000 words) with a 2,000-entry English
dictionary and 300 Spanish entries (100 linked to English terms) is translated by the
translate job exactly as the overview page starts it, with the `anthropic` adapter (the
real SDK) pointed at the local fake server that answers after BENCH_LATENCY seconds
(default 0.2). Figures: batches and requests, wall time with 1 and with 4 requests at
once, Max's own time (wall time minus the time spent waiting on the fake vendor), the
two glossary passes, and the extra requests when one reply in five leaves a segment out.
Runs in a scratch database (`max_bench_translation`), created and dropped here.
"""

from __future__ import annotations

import os
import random
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "max_site.test_settings")

SEGMENTS = int(os.environ.get("BENCH_SEGMENTS", "2400"))
LATENCY = float(os.environ.get("BENCH_LATENCY", "0.2"))
SCRATCH_DB = os.environ.get("BENCH_DATABASE", "max_bench_translation")
EN_ENTRIES = 2000
ES_ENTRIES = 300


def _word(rng: random.Random) -> str:
    return "".join(rng.choice("bcdfgklmnprstv") + rng.choice("aeiou") for _ in range(3))


def _setup():
    from accounts.models import User
    from glossary.models import DictionaryEntry
    from media_files.models import AudioFile
    from projects.models import Project, ProjectType
    from transcripts.models import Transcription, TranscriptionVersion

    rng = random.Random(7)
    user = User.objects.create_user(email="bench@example.com", password=None, full_name="Bench")
    project = Project.objects.create(
        name="Bench", project_type=ProjectType.objects.get(slug="other"), created_by=user
    )
    audio = AudioFile.objects.create(
        project=project, file_name="lecture.mp3", file_path="audio/lecture.mp3", uploaded_by=user
    )
    terms = sorted({_word(rng) for _ in range(EN_ENTRIES * 2)})[:EN_ENTRIES]
    DictionaryEntry.objects.bulk_create(
        DictionaryEntry(
            term_original=term,
            term_corrected=term if i % 5 == 0 else term + "x",
            language_code="en",
            created_by=user,
        )
        for i, term in enumerate(terms)
    )
    DictionaryEntry.objects.bulk_create(
        DictionaryEntry(
            term_original=f"{terms[i]}es",
            term_corrected=f"{terms[i]}o",
            language_code="es",
            context=f"en: {terms[i]}" if i < 100 else None,
            created_by=user,
        )
        for i in range(ES_ENTRIES)
    )
    filler = ["the", "patient", "and", "crown", "with", "a", "root", "canal", "we", "place", "it"]
    segments = []
    for index in range(SEGMENTS):
        words = [rng.choice(filler) for _ in range(11)]
        words.insert(rng.randrange(len(words)), rng.choice(terms))
        start = index * 4.5
        segments.append(
            {"id": index, "start": start, "end": start + 4.5, "text": " ".join(words) + "."}
        )
    data = {"segments": segments, "metadata": {"source": "whisper", "duration": SEGMENTS * 4.5}}
    text = "\n".join(s["text"] for s in segments)
    transcription = Transcription.objects.create(
        audio_file=audio, raw_text=text, json_with_timestamps=data, created_by=user
    )
    version = TranscriptionVersion.objects.create(
        transcription=transcription,
        version_number=1,
        version_type="H-1",
        edited_text=text,
        json_with_timestamps=data,
        edited_by=user,
    )
    transcription.final_version = version
    transcription.save(update_fields=["final_version"])
    return transcription, user


def _run(transcription, user, code: str, server) -> tuple[float, object]:
    from jobs.models import Job
    from translations.services import translation_start

    before = len(server.requests)
    began = time.perf_counter()
    result = translation_start(transcription=transcription, language_codes=[code], user=user)
    elapsed = time.perf_counter() - began
    job = Job.objects.get(pk=result.started[0].pk)
    if job.status != Job.Status.SUCCEEDED:
        raise SystemExit(f"{code} job {job.status}: {job.error}")
    return elapsed, len(server.requests) - before


def run() -> None:
    from django.conf import settings

    from integrations.tests.llm_fakes import FakeAnthropic, translations_for
    from translations.models import Translation
    from translations.pipeline import batches
    from translations.selectors import source_segments
    from translations.terms import apply_pass

    transcription, user = _setup()
    server = FakeAnthropic().start()
    server.latency = LATENCY
    settings.LLM_ENGINE = "anthropic"
    settings.ANTHROPIC_API_KEY = "bench"
    settings.ANTHROPIC_BASE_URL = server.url
    settings.ANTHROPIC_MODEL = "claude-bench"
    try:
        english = source_segments(transcription.final_version)
        parts = batches(
            english,
            max_segments=settings.TRANSLATION_BATCH_SEGMENTS,
            max_chars=settings.TRANSLATION_BATCH_CHARS,
        )
        words = sum(len(s["text"].split()) for s in english)
        print(
            f"source: {len(english)} segments, {words} words; dictionary {EN_ENTRIES} en + "
            f"{ES_ENTRIES} es entries; batches of ≤ {settings.TRANSLATION_BATCH_SEGMENTS} "
            f"segments / {settings.TRANSLATION_BATCH_CHARS} chars → {len(parts)} batches"
        )
        ids = [s["id"] for s in english]
        began = time.perf_counter()
        en = apply_pass(
            [s["text"] for s in english], language_code="en", label="bench", segment_ids=ids
        )
        en_ms = (time.perf_counter() - began) * 1000
        began = time.perf_counter()
        apply_pass(en.texts, language_code="es", label="bench", segment_ids=ids)
        es_ms = (time.perf_counter() - began) * 1000
        print(
            f"glossary passes over the whole text: en {en_ms:.0f} ms "
            f"({len(en.corrections)} corrections), es {es_ms:.0f} ms"
        )

        for code, parallel in (("es", 1), ("pt", 4)):
            settings.TRANSLATION_PARALLELISM = parallel
            elapsed, requests = _run(transcription, user, code, server)
            own = max(elapsed - requests * LATENCY / parallel, 0)
            print(
                f"{code}: {parallel} request(s) at once, vendor latency {LATENCY:.2f} s: "
                f"{requests} requests in {elapsed:.1f} s; Max's own time ≈ {own:.1f} s "
                f"({own / len(english) * 1000:.2f} ms/segment)"
            )

        calls = {"n": 0}

        def flaky(segments, language):
            calls["n"] += 1
            reply = translations_for(segments, language)
            if calls["n"] % 5 == 0 and len(segments) > 1:
                reply["translations"].pop()  # a segment left out
            return reply

        server.translator = flaky
        settings.TRANSLATION_PARALLELISM = 4
        elapsed, requests = _run(transcription, user, "fr", server)
        print(
            f"fr: one reply in five leaves a segment out: {requests} requests for "
            f"{len(parts)} batches ({requests - len(parts)} asked again) in {elapsed:.1f} s, "
            "every segment translated"
        )
        fr = Translation.objects.get(transcription=transcription, language_code="fr")
        assert fr.translated_text.count("\n") == len(english) - 1
        es = Translation.objects.get(transcription=transcription, language_code="es")
        print(
            f"stored: T-1-es with {len(es.dictionary_corrections_applied)} recorded corrections "
            "(both passes), timings copied from the English segments"
        )
    finally:
        server.stop()


def main() -> None:
    import logging

    import django

    django.setup()
    for name in ("httpx2", "integrations.llm", "celery"):
        logging.getLogger(name).setLevel(logging.WARNING)
    from django.db import connection

    if connection.vendor != "postgresql":
        print("This benchmark needs PostgreSQL (set DATABASE_URL); skipping.")
        return
    connection.settings_dict.setdefault("TEST", {})["NAME"] = SCRATCH_DB
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        run()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
