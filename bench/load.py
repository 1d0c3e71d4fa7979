"""Load: 20 concurrent editors saving transcript versions against PostgreSQL.

    .venv/bin/python -m bench load

Each editor is a thread with its own database connection. In every round an editor reads
the latest version of one transcript shared by all twenty, changes its own segment of it and
saves (the save names the version it read, so most saves merge over versions others saved
meanwhile), then does the same on a transcript of its own. Saves go through the editor's
service, `documents.services.document_save_version`, exactly as the page does.

Afterwards it checks that no edit was lost, two ways: every version's `diff_from_previous`
patch, applied in order from T-1, reproduces that version's text; and the final texts hold
every editor's every change, in order. It runs in a scratch database (`max_bench`, created
and dropped by Django's test-database machinery on the server DATABASE_URL points at).
"""

import json
import os
import random
import statistics
import threading
import time
from dataclasses import dataclass, field

from documents.services import document_save_version
from transcripts.document import TRANSCRIPT_DOCUMENT

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "max_site.test_settings")

EDITORS = int(os.environ.get("BENCH_EDITORS", "20"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "10"))
SEGMENTS = 40
SCRATCH_DB = os.environ.get("BENCH_DATABASE", "max_bench")
P50_TARGET = 100.0  # 20 editors on one transcript, the shared saves' median


@dataclass
class EditorStats:
    shared_ms: list[float] = field(default_factory=list)
    own_ms: list[float] = field(default_factory=list)
    merged_over_newer: int = 0
    conflicts: int = 0
    errors: list[str] = field(default_factory=list)
    expected_own: list[str] = field(default_factory=list)


def _timed(text: str, index: int) -> dict:
    start = index * 3.0
    words = text.split()
    step = 3.0 / max(len(words), 1)
    return {
        "id": index,
        "start": start,
        "end": start + 3.0,
        "text": text,
        "words": [
            {"word": w, "start": start + k * step, "end": start + (k + 1) * step}
            for k, w in enumerate(words)
        ],
    }


def _transcription(audio, user, label: str):
    from transcripts.models import Transcription

    texts = [f"{label} segment {n} about root canal treatment" for n in range(SEGMENTS)]
    return Transcription.objects.create(
        audio_file=audio,
        raw_text="\n".join(texts),
        json_with_timestamps={
            "segments": [_timed(t, n) for n, t in enumerate(texts)],
            "metadata": {"source": "whisper", "duration": SEGMENTS * 3.0},
        },
        created_by=user,
    )


def _setup():
    from accounts.models import User
    from media_files.models import AudioFile
    from projects.models import Project, ProjectType

    owner = User.objects.create_user(email="bench-owner@example.com", password=None)
    project = Project.objects.create(
        name="Load bench", project_type=ProjectType.objects.get(slug="lecture"), created_by=owner
    )

    def audio(n):
        return AudioFile.objects.create(
            project=project,
            file_name=f"talk-{n}.mp3",
            file_path=f"audio/lecture/bench-{n}.mp3",
            uploaded_by=owner,
        )

    shared = _transcription(audio("shared"), owner, "shared")
    editors = []
    for i in range(EDITORS):
        user = User.objects.create_user(
            email=f"editor{i}@bench.example.com", password=None, full_name=f"Editor {i}"
        )
        editors.append((user, _transcription(audio(i), owner, f"own{i}")))
    return shared, editors


def _editor(i: int, user, shared, own, start: threading.Barrier, stats: EditorStats) -> None:
    from django.db import connections

    from documents.services import SaveConflict
    from transcripts.services import transcript_latest

    rnd = random.Random(i)
    try:
        own_texts = own.raw_text.split("\n")
        start.wait()
        for r in range(ROUNDS):
            # The shared transcript: segment i is this editor's; the others edit theirs.
            while True:
                latest = transcript_latest(shared)
                texts = latest.text.split("\n")
                began = time.perf_counter()
                try:
                    result = document_save_version(
                        doc=TRANSCRIPT_DOCUMENT,
                        parent=shared,
                        user=user,
                        based_on_version_number=latest.version_number or 0,
                        segments_text={i: f"{texts[i]} e{i}r{r}"},
                    )
                except SaveConflict:
                    stats.conflicts += 1  # refused, nothing saved: read again and redo
                    continue
                stats.shared_ms.append((time.perf_counter() - began) * 1000)
                stats.merged_over_newer += bool(result.includes_newer)
                break
            # Its own transcript: a random segment, a word replaced and one added.
            j = rnd.randrange(SEGMENTS)
            latest = transcript_latest(own)
            words = latest.text.split("\n")[j].split()
            words[rnd.randrange(len(words))] = f"w{r}"
            new = " ".join([*words, f"o{r}"])
            began = time.perf_counter()
            document_save_version(
                doc=TRANSCRIPT_DOCUMENT,
                parent=own,
                user=user,
                based_on_version_number=latest.version_number or 0,
                segments_text={j: new},
            )
            stats.own_ms.append((time.perf_counter() - began) * 1000)
            own_texts[j] = new
        stats.expected_own = own_texts
    except Exception as exc:  # reported and counted as a failure of the run
        stats.errors.append(f"editor {i}: {type(exc).__name__}: {exc}")
    finally:
        connections.close_all()


def _replay(transcription) -> tuple[int, list[str]]:
    """Apply each version's stored patch to the previous text; compare with the version."""
    from diff_match_patch import diff_match_patch

    dmp = diff_match_patch()
    problems = []
    text = transcription.raw_text
    versions = list(transcription.versions.order_by("version_number"))
    numbers = [v.version_number for v in versions]
    if numbers != list(range(1, len(versions) + 1)):
        problems.append(f"{transcription.pk}: version numbers {numbers[:5]}… are not 1..N")
    for version in versions:
        patch = json.loads(version.diff_from_previous)["patch"]
        rebuilt, applied = dmp.patch_apply(dmp.patch_fromText(patch), text)
        if not all(applied) or rebuilt != version.edited_text:
            problems.append(f"{transcription.pk} {version.version_type}: patch does not rebuild")
        text = version.edited_text
    return len(versions), problems


def _percentiles(values: list[float]) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"p50 {statistics.median(ordered):.0f} ms, p95 {p95:.0f} ms, max {ordered[-1]:.0f} ms"


def run() -> bool:
    from transcripts.models import Transcription
    from transcripts.services import transcript_latest

    shared, editors = _setup()
    stats = [EditorStats() for _ in editors]
    barrier = threading.Barrier(len(editors))
    threads = [
        threading.Thread(target=_editor, args=(i, user, shared, own, barrier, stats[i]))
        for i, (user, own) in enumerate(editors)
    ]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began

    shared_saves = sum(len(s.shared_ms) for s in stats)
    own_saves = sum(len(s.own_ms) for s in stats)
    errors = [e for s in stats for e in s.errors]
    print(f"editors: {len(editors)} threads, each with its own PostgreSQL connection")
    print(f"rounds: {ROUNDS} per editor on the shared transcript and {ROUNDS} on its own")
    print(
        f"saves: {shared_saves + own_saves} ({shared_saves} shared, {own_saves} own) "
        f"in {elapsed:.2f} s → {(shared_saves + own_saves) / elapsed:.1f} saves/s"
    )
    shared_ms = [m for s in stats for m in s.shared_ms]
    verdict = "met" if shared_ms and statistics.median(shared_ms) <= P50_TARGET else "MISSED"
    print(
        f"shared transcript saves: {_percentiles(shared_ms)}"
        f"   target p50 ≤ {P50_TARGET:.0f} ms: {verdict}"
    )
    print(f"own transcript saves:    {_percentiles([m for s in stats for m in s.own_ms])}")
    print(
        f"saves merged over newer versions: {sum(s.merged_over_newer for s in stats)}; "
        f"conflicts (refused, redone): {sum(s.conflicts for s in stats)}; errors: {len(errors)}"
    )
    for error in errors[:10]:
        print("  ", error)

    # No edit lost, 1: replaying every stored diff rebuilds every version.
    problems: list[str] = []
    versions = 0
    everything = [shared] + [own for _, own in editors]
    for transcription in Transcription.objects.filter(pk__in=[t.pk for t in everything]):
        count, found = _replay(transcription)
        versions += count
        problems += found
    if versions != shared_saves + own_saves:
        problems.append(f"{versions} versions stored for {shared_saves + own_saves} saves")
    # No edit lost, 2: the final texts hold every change, in order.
    final_shared = transcript_latest(shared).text.split("\n")
    for i in range(len(editors)):
        expected = f"shared segment {i} about root canal treatment" + "".join(
            f" e{i}r{r}" for r in range(ROUNDS)
        )
        if final_shared[i] != expected:
            problems.append(f"shared segment {i}: {final_shared[i]!r} != {expected!r}")
    for (_, own), stat in zip(editors, stats, strict=True):
        if not stat.errors and transcript_latest(own).text.split("\n") != stat.expected_own:
            problems.append(f"own transcript of {own.pk} lost an edit")
    print(
        f"replay: {len(everything)} transcripts, {versions} versions — each version's patch "
        f"applied in order from T-1 {'reproduces its text' if not problems else 'FAILED'}"
    )
    if problems or errors:
        print("EDITS LOST OR FAILED:")
        for problem in problems[:20]:
            print("  ", problem)
        return False
    print(
        f"no edit lost: all {shared_saves} shared-transcript edits present in order, "
        f"all {EDITORS} own transcripts match their editor's edits"
    )
    return True


def main() -> None:
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        print("This benchmark needs PostgreSQL (set DATABASE_URL); skipping.")
        return
    connection.settings_dict.setdefault("TEST", {})["NAME"] = SCRATCH_DB
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        ok = run()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
