"""Give a fresh `make run` something to look at: a demo admin and a worked example.

The example is a 69-second spoken dental lecture (max_site/demo/, made with espeak-ng) in
the project "Endodontics 101 (demo)": the recording, its machine transcript (T-1, Whisper
tiny.en's real output, mishearings included), the editor's correction (H-1, finalized),
glossary entries for the terms it got wrong, and a Spanish translation (the translate
job run here, then a reviewer's Spanish text as the first human version). Everything is
written through the same services the pages use, and each step is skipped when its result
is already there, so a second run creates nothing.

The demo admin has a known password, so the command refuses to run with DEBUG off unless
`--allow-production` says that is meant.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import User
from documents.services import document_finalize, document_save_version
from transcripts.document import TRANSCRIPT_DOCUMENT
from translations.services import TRANSLATION_DOCUMENT

DEMO = Path(settings.BASE_DIR) / "max_site" / "demo"
PROJECT_NAME = "Endodontics 101 (demo)"
RECORDING_NAME = "endodontics-101-lecture.opus"
TRANSLATION_LANGUAGE = "es"
# (language, original, corrected, context): what an editor adds after reading the T-1.
GLOSSARY = [
    ("en", "route canal", "root canal", "Speech recognition hears “route canal”."),
    ("en", "gutta percha", "gutta-percha", "Root canal filling material; hyphenated."),
    ("en", "periapical", "periapical", "Keep as is (heard as “very apical”)."),
    ("es", "gutta-percha", "gutapercha", "Spanish spelling of the filling material."),
    ("es", "dique de hule", "dique de goma", "House style: “dique de goma” (rubber dam)."),
    ("es", "hipoclorito sódico", "hipoclorito de sodio", "House style."),
]


def _load(name: str):
    return json.loads((DEMO / name).read_text(encoding="utf-8"))


class Command(BaseCommand):
    help = "Create the demo admin and a worked example project (idempotent; development only)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Run even with DEBUG off (creates a superuser with a known password).",
        )
        parser.add_argument(
            "--print-login",
            action="store_true",
            help="Only print the demo sign-in line (if the demo admin exists); change nothing.",
        )

    def handle(self, *args, allow_production: bool, print_login: bool, **options):
        # Read when run, not at import: the e2e test and `make run` set them per process.
        email = os.environ.get("DEMO_ADMIN_EMAIL", "admin@example.com")
        password = os.environ.get("DEMO_ADMIN_PASSWORD", "max-demo-2026")
        port = os.environ.get("PORT") or "8000"  # bin/run-dev serves on the same PORT
        sign_in = f"Sign in at http://127.0.0.1:{port}/ as {email} / {password}"
        if print_login:
            if User.objects.filter(email=email).exists():
                self.stdout.write(sign_in)
            return
        if not settings.DEBUG and not allow_production:
            raise CommandError(
                "DEBUG is off, so this looks like production: demo_data creates a superuser "
                f"with a known password ({email}). Run it with DEBUG=true for development, "
                "or pass --allow-production if that is really what you want."
            )
        admin = self._admin(email=email, password=password)
        notes = _Example(admin=admin).build()
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        for note in notes:
            self.stdout.write(f"  {note}")
        self.stdout.write(sign_in)

    def _admin(self, *, email: str, password: str) -> User:
        with transaction.atomic():
            admin = User.objects.select_for_update().filter(email=email).first()
            if admin is None:
                admin = User.objects.create_superuser(
                    email=email, password=password, full_name="Demo Admin"
                )
        return admin


class _Example:
    """The worked example, one idempotent step at a time."""

    def __init__(self, *, admin: User):
        self.admin = admin
        self.notes: list[str] = []

    def build(self) -> list[str]:
        project = self.project()
        recording = self.recording(project)
        transcription = self.transcript(recording)
        self.glossary()
        self.correction(transcription)
        self.translation(transcription)
        return self.notes

    def project(self):
        from projects import services as project_services
        from projects.models import Project, ProjectType

        project = Project.objects.filter(name=PROJECT_NAME).order_by("created_at").first()
        if project is None:
            project = project_services.project_create(
                user=self.admin,
                name=PROJECT_NAME,
                project_type=ProjectType.objects.get(slug="lecture"),
                metadata={"location": "San Francisco, CA", "date": "2025-10-25", "misc": ""},
            )
            self.notes.append(f"project “{PROJECT_NAME}”")
        return project

    def recording(self, project):
        from media_files.models import AudioFile
        from media_files.services import audio_file_upload

        recording = (
            AudioFile.objects.filter(project=project, file_name=RECORDING_NAME)
            .order_by("created_at")
            .first()
        )
        if recording is None:
            with (DEMO / "lecture.opus").open("rb") as audio:
                recording = audio_file_upload(
                    project=project,
                    uploaded_file=File(audio, name=RECORDING_NAME),
                    user=self.admin,
                    # The transcript ships with the lecture (see transcript()).
                    start_transcription=False,
                )
            self.notes.append(f"recording {RECORDING_NAME}")
        return recording

    def transcript(self, recording):
        """Whisper tiny.en's T-1 of the lecture, made once by max_site/demo/build.py:
        running the engine here would make every first `make run` wait for it."""
        from transcripts.models import Transcription
        from transcripts.services import transcription_create_t1

        existing = Transcription.objects.filter(audio_file=recording).order_by("created_at").first()
        if existing is not None:
            return existing
        t1 = _load("lecture-t1.json")
        transcription = transcription_create_t1(
            audio_file=recording,
            json_with_timestamps=t1,
            source=t1["metadata"]["source"],
            created_by=self.admin,
        )
        self.notes.append(f"machine transcript T-1 ({t1['metadata']['model']})")
        return transcription

    def glossary(self) -> None:
        from glossary.models import DictionaryEntry
        from glossary.services import entry_create

        added = 0
        for language, original, corrected, context in GLOSSARY:
            if DictionaryEntry.objects.filter(
                language_code=language, term_original__iexact=original
            ).exists():
                continue
            entry_create(
                user=self.admin,
                term_original=original,
                term_corrected=corrected,
                language_code=language,
                context=context,
            )
            added += 1
        if added:
            self.notes.append(f"{added} glossary entries")

    def correction(self, transcription) -> None:
        """The editor's H-1: the mishearings corrected, then finalized."""
        from transcripts.models import TranscriptionVersion

        if TranscriptionVersion.objects.filter(transcription=transcription).exists():
            return
        result = document_save_version(
            doc=TRANSCRIPT_DOCUMENT,
            parent=transcription,
            user=self.admin,
            based_on_version_number=0,
            segments_text=_load("h1.json"),
        )
        document_finalize(
            doc=TRANSCRIPT_DOCUMENT,
            parent=transcription,
            user=self.admin,
            version_number=result.version.version_number,
        )
        self.notes.append(f"correction {result.version.version_type}, finalized")

    def translation(self, transcription) -> None:
        """Spanish: the translate job run here and now (whatever engine is configured;
        offline, a labelled draft), then a reviewer's translation as the first version."""
        from translations.models import Translation
        from translations.services import translation_start
        from translations.tasks import translate

        transcription.refresh_from_db()
        translation = Translation.objects.filter(
            transcription=transcription, language_code=TRANSLATION_LANGUAGE
        ).first()
        if translation is None:
            started = translation_start(
                transcription=transcription,
                language_codes=[TRANSLATION_LANGUAGE],
                user=self.admin,
            )
            for job in started.started + started.running:
                # The worker would run the queued job too; finding it done, it skips it.
                translate.apply(args=[str(job.pk)])
            translation = Translation.objects.filter(
                transcription=transcription, language_code=TRANSLATION_LANGUAGE
            ).first()
            if translation is None:
                self.notes.append("the Spanish translation job failed: see Jobs in the admin")
                return
        if translation.versions.exclude(origin="machine").exists():
            return
        latest = translation.versions.order_by("-version_number").first()
        result = document_save_version(
            doc=TRANSLATION_DOCUMENT,
            parent=translation,
            user=self.admin,
            based_on_version_number=latest.version_number if latest else 0,
            segments_text=_load("es.json"),
        )
        self.notes.append(f"Spanish translation {result.version.version_type}")
