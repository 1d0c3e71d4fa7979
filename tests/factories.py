"""Test data for every app's tests: one factory per domain object, built as the app builds it.

Models are named as strings and services imported inside `_create`, so this module can be
imported before Django is set up (the root conftest does). Where the app writes a row through
a service (a project, a T-1 transcript, a machine translation), the factory goes through that
service too, so tests get the activity rows and invariants production has; `through_service=False`
writes the bare row where a test needs exactly that.
"""

from __future__ import annotations

import functools
import io
import math
import struct
import uuid
import wave
from typing import Any

import factory
from factory.django import DjangoModelFactory

# The seed's timed-JSON shape: segments with evenly spread words, plus where the text came from.
SEGMENTS = [
    (0.0, 4.0, "Welcome to the course on endodontics."),
    (4.0, 9.0, "Today we look at root canal treatment of molars."),
    (9.0, 14.0, "The implane is placed after the extraction heals."),
    (14.0, 19.0, "Ceramic crowns need a careful preparation."),
]


def timed_json(segments, source: str = "whisper") -> dict:
    """The seed's JSON with each segment's words spread evenly over the segment."""
    out = []
    for i, (start, end, text) in enumerate(segments):
        words = text.split()
        step = (end - start) / max(1, len(words))
        out.append(
            {
                "id": i,
                "start": start,
                "end": end,
                "text": text,
                "words": [
                    {
                        "word": w,
                        "start": round(start + k * step, 3),
                        "end": round(start + (k + 1) * step, 3),
                    }
                    for k, w in enumerate(words)
                ],
            }
        )
    return {
        "segments": out,
        "metadata": {"source": source, "duration": segments[-1][1] if segments else 0},
    }


def plain_text(data: dict[str, Any]) -> str:
    """The text of timed JSON as the transcript services store it (one segment a line)."""
    return "\n".join(seg.get("text", "").strip() for seg in data.get("segments", [])).strip()


@functools.lru_cache(maxsize=8)
def wav_bytes(seconds: float = 20.0, rate: int = 8000) -> bytes:
    """A quiet 220 Hz tone: small, real audio any browser can play and seek."""
    frames = int(seconds * rate)
    # The tone repeats every rate / gcd(rate, 220) samples, so one period is packed and
    # repeated: a 7-minute test recording costs milliseconds instead of seconds.
    period = rate // math.gcd(rate, 220)
    one_period = b"".join(
        struct.pack("<h", int(3000 * math.sin(2 * math.pi * 220 * n / rate))) for n in range(period)
    )
    samples = (one_period * (frames // period + 1))[: frames * 2]
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples)
    return buffer.getvalue()


class UserFactory(DjangoModelFactory):
    """An editor by default; `admin=True` makes a superuser (staff) as createsuperuser does."""

    class Meta:
        model = "accounts.User"

    class Params:
        admin = factory.Trait(is_staff=True, is_superuser=True)

    email = factory.Sequence(lambda n: f"editor{n}@example.com")
    password = "editor-pass-123"
    full_name = factory.Sequence(lambda n: f"Editor {n}")
    is_staff = False
    is_superuser = False

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # The manager hashes the password and normalises the email; a bare create would not.
        manager = cls._get_manager(model_class)
        if kwargs.get("is_superuser"):
            return manager.create_superuser(*args, **kwargs)
        return manager.create_user(*args, **kwargs)


class ProjectTypeFactory(DjangoModelFactory):
    """One of the seeded types (lecture, webinar, other, …), fetched by slug."""

    class Meta:
        model = "projects.ProjectType"
        django_get_or_create = ("slug",)

    slug = "lecture"
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())
    created_by = factory.LazyFunction(lambda: _system_user())


def _system_user():
    from accounts.models import User

    return User.objects.system_user()


class ProjectFactory(DjangoModelFactory):
    """A project row; `through_service=True` creates it with `project_create` (validation,
    cleaned metadata, a project.create activity row)."""

    class Meta:
        model = "projects.Project"

    class Params:
        # The recordings tests' project: a series with every metadata field, made by the service.
        spring_series = factory.Trait(
            name="Endodontics 101",
            metadata=factory.LazyFunction(
                lambda: {"location": "Madrid", "date": "2026-03-01", "misc": "Spring series"}
            ),
            through_service=True,
        )

    name = "Endo week"
    project_type = factory.SubFactory(ProjectTypeFactory)
    metadata = factory.LazyFunction(dict)
    created_by = factory.SubFactory(UserFactory)
    through_service = False

    @classmethod
    def _create(cls, model_class, *args, through_service=False, **kwargs):
        if not through_service:
            return super()._create(model_class, *args, **kwargs)
        from projects.services import project_create

        return project_create(
            user=kwargs["created_by"],
            name=kwargs["name"],
            project_type=kwargs["project_type"],
            metadata=kwargs["metadata"],
        )


class AudioFileFactory(DjangoModelFactory):
    """A recording row. `stored=True` also writes a real WAV of `duration_seconds` (20 s when
    unset) to default storage; `content=b"…"` stores those bytes instead."""

    class Meta:
        model = "media_files.AudioFile"

    class Params:
        stored = factory.Trait(
            content=factory.LazyAttribute(lambda o: wav_bytes(float(o.duration_seconds or 20.0)))
        )

    project = factory.SubFactory(ProjectFactory, created_by=factory.SelfAttribute("..uploaded_by"))
    file_name = "dr-soto-endo-101.wav"
    file_path = factory.LazyAttribute(
        lambda o: f"audio/{o.project.project_type.slug}/{uuid.uuid4()}-{o.file_name}"
    )
    file_size_bytes = None
    duration_seconds = None
    uploaded_by = factory.SubFactory(UserFactory)
    content = None

    @classmethod
    def _create(cls, model_class, *args, content=None, **kwargs):
        if content is not None:
            from django.core.files.base import ContentFile
            from django.core.files.storage import default_storage

            kwargs["file_path"] = default_storage.save(kwargs["file_path"], ContentFile(content))
            kwargs["file_size_bytes"] = len(content)
        return super()._create(model_class, *args, **kwargs)


class TranscriptionFactory(DjangoModelFactory):
    """A machine transcript (T-1) of `segments` — (start, end, text) tuples — stored by
    `transcription_create_t1` unless `through_service=False`. Its recording lasts at least
    20 s and a second past the last segment; `audio_file__stored=True` gives it a real file."""

    class Meta:
        model = "transcripts.Transcription"

    class Params:
        segments = SEGMENTS

    audio_file = factory.SubFactory(
        AudioFileFactory,
        uploaded_by=factory.SelfAttribute("..created_by"),
        duration_seconds=factory.LazyAttribute(
            lambda o: (
                max(20.0, o.factory_parent.segments[-1][1] + 1)
                if o.factory_parent.segments
                else 20.0
            )
        ),
    )
    json_with_timestamps = factory.LazyAttribute(lambda o: timed_json(o.segments))
    raw_text = factory.LazyAttribute(lambda o: plain_text(o.json_with_timestamps))
    source = "whisper"
    created_by = factory.SubFactory(UserFactory)
    through_service = True

    @classmethod
    def _create(cls, model_class, *args, through_service=True, **kwargs):
        if not through_service:
            return super()._create(model_class, *args, **kwargs)
        from transcripts.services import transcription_create_t1

        return transcription_create_t1(**kwargs)


class TranscriptionVersionFactory(DjangoModelFactory):
    """An editor's save H-<n> (n = the next number), made the transcript's final version
    unless `final=False`. Its timed JSON is that of `segments` (None when `segments=None`)."""

    class Meta:
        model = "transcripts.TranscriptionVersion"

    class Params:
        segments = SEGMENTS

    transcription = factory.SubFactory(TranscriptionFactory)
    version_number = factory.LazyAttribute(lambda o: o.transcription.versions.count() + 1)
    version_type = factory.LazyAttribute(lambda o: f"H-{o.version_number}")
    json_with_timestamps = factory.LazyAttribute(
        lambda o: timed_json(o.segments) if o.segments is not None else None
    )
    edited_text = factory.LazyAttribute(
        lambda o: plain_text(o.json_with_timestamps) if o.json_with_timestamps else ""
    )
    edited_by = factory.SelfAttribute("transcription.created_by")
    final = True

    @classmethod
    def _create(cls, model_class, *args, final=True, **kwargs):
        version = super()._create(model_class, *args, **kwargs)
        if final:
            transcription = version.transcription
            transcription.final_version = version
            transcription.save(update_fields=["final_version"])
        return version


def _segments_from_source(o) -> list[dict[str, Any]]:
    data = o.source.json_with_timestamps or o.transcription.json_with_timestamps
    return [
        {"id": seg["id"], "start": seg["start"], "end": seg["end"], "text": f"Texto {i}."}
        for i, seg in enumerate(data["segments"])
    ]


class TranslationFactory(DjangoModelFactory):
    """A stored machine translation (T-1-<lang>) of a transcript's final version, through
    `translation_store_machine_text`. The transcript must have a final version."""

    class Meta:
        model = "translations.Translation"

    transcription = factory.SubFactory(TranscriptionFactory)
    language_code = "es"
    source = factory.SelfAttribute("transcription.final_version")
    segments = factory.LazyAttribute(_segments_from_source)
    corrections = factory.LazyFunction(list)
    engine = "anthropic"
    user = factory.SelfAttribute("transcription.created_by")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from translations.services import translation_store_machine_text

        return translation_store_machine_text(**kwargs).translation


class DictionaryEntryFactory(DjangoModelFactory):
    """A glossary entry (a bare row: the glossary tests of the service build their own)."""

    class Meta:
        model = "glossary.DictionaryEntry"

    term_original = factory.Sequence(lambda n: f"term{n}")
    term_corrected = factory.LazyAttribute(lambda o: o.term_original)
    language_code = "en"
    context = None
    created_by = factory.SubFactory(UserFactory)
