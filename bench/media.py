"""Recordings: probing, storing and serving a large file, with time and peak Python memory.

    .venv/bin/python -m bench.media [size_mb]        (default 300 MB)

Figures, not assertions. Storage is a throwaway local folder; no database is used.
"""

import os
import random
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "max_site.test_settings")


def _measure(label: str, size: int, fn):
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = fn()
    finally:
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    rate = f"{size / 1e6 / elapsed:8.0f} MB/s" if size else " " * 13
    print(f"  {label:<46} {elapsed * 1000:9.1f} ms  {rate}  peak {peak / 1e6:6.2f} MB")
    return result


def main() -> None:
    import django

    django.setup()
    from django.core.files import File
    from django.core.files.storage import default_storage
    from django.core.files.uploadedfile import TemporaryUploadedFile
    from django.test import override_settings

    from media_files.probe import probe_media
    from media_files.streaming import _FileRange, parse_range
    from media_files.tests.media_factory import write_wav

    numbers = [a for a in sys.argv[1:] if a.isdigit()]
    size_mb = int(numbers[-1]) if numbers else 300
    seconds = size_mb * 1e6 / 32000  # 16 kHz, 16-bit mono
    with tempfile.TemporaryDirectory(prefix="bench-media-") as tmp:
        root = Path(tmp)
        storage = {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root / "storage")},
        }
        source = write_wav(root / "lecture.wav", seconds=seconds, rate=16000, silent=True)
        size = source.stat().st_size
        print(f"A {size / 1e6:.0f} MB WAV ({seconds / 3600:.1f} h of 16 kHz mono):")
        with override_settings(STORAGES={"default": storage}):
            probe = _measure(
                "probe (PyAV: format, audio track, decode)",
                0,
                lambda: probe_media(source, name="x"),
            )
            print(f"    → {probe.file_type}, {probe.duration_seconds:.0f} s, {probe.format_name}")

            def copy():
                with source.open("rb") as fh:
                    return default_storage.save("audio/bench/copy.wav", File(fh, name="c.wav"))

            _measure("store a local file (import_media: chunked copy)", size, copy)

            spooled = TemporaryUploadedFile("s.wav", "audio/wav", size, None)
            with source.open("rb") as fh:
                while chunk := fh.read(1 << 20):
                    spooled.write(chunk)
            _measure(
                "store a spooled upload (upload form: a rename)",
                0,
                lambda: default_storage.save("audio/bench/moved.wav", spooled),
            )
            spooled.close()

            def serve_whole():
                stream = _FileRange(default_storage.open("audio/bench/copy.wav", "rb"), 0, size)
                total = sum(len(chunk) for chunk in stream)
                stream.close()
                return total

            _measure("serve the whole file (200)", size, serve_whole)

            rng = random.Random(1)

            def seeks(count=2000):
                for _ in range(count):
                    start = rng.randrange(size)
                    first, last = parse_range(f"bytes={start}-{start + 65535}", size)
                    stream = _FileRange(
                        default_storage.open("audio/bench/copy.wav", "rb"), first, last - first + 1
                    )
                    for _chunk in stream:
                        pass
                    stream.close()

            started = time.perf_counter()
            seeks()
            per = (time.perf_counter() - started) / 2000 * 1000
            print(f"  {'2000 random 64 KB range reads (206)':<46} {per:9.3f} ms each")


if __name__ == "__main__":
    main()
