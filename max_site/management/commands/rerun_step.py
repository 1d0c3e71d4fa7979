"""Run one pipeline step for a recording again, through the same services the pages call.

    manage.py rerun_step <audio_file_id> --step transcribe
    manage.py rerun_step <audio_file_id> --step translate [--language es]
    manage.py rerun_step <audio_file_id> --step summarize [--type email] [--replace-edits]
    common options: [--actor email] [--wait [--timeout 600]]

transcribe queues a new transcription (the live transcript is archived when the new T-1 is
ready); translate queues the languages not already translated from the English final
version (all active languages, or --language); summarize rewrites the texts that are not
finalized (or --type). Jobs run on the Celery workers; --wait follows them to the end.
Refusals (archived recording, no final version, …) are printed and exit with status 1.
"""

import time
import uuid

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from jobs.models import Job
from media_files.models import AudioFile
from summaries.services.generation import summary_generate_request
from transcripts.pipeline import transcription_start
from translations.services import translation_start

STEPS = ("transcribe", "translate", "summarize")
# The service each step calls: the same ones the pages call.
SERVICES = {
    "transcribe": transcription_start,
    "translate": translation_start,
    "summarize": summary_generate_request,
}


def service(step: str):
    return SERVICES[step]


class Command(BaseCommand):
    help = "Re-run a pipeline step (transcribe, translate, summarize) for one recording."

    def add_arguments(self, parser):
        parser.add_argument("audio_file_id", type=uuid.UUID)
        parser.add_argument("--step", required=True, choices=STEPS)
        parser.add_argument("--language", action="append", dest="languages", default=[])
        parser.add_argument("--type", action="append", dest="summary_types", default=[])
        parser.add_argument("--replace-edits", action="store_true")
        parser.add_argument("--actor", help="Email of the user to record (default: system).")
        parser.add_argument("--wait", action="store_true", help="Follow the jobs to the end.")
        parser.add_argument("--timeout", type=float, default=600.0)

    def handle(self, *args, audio_file_id, step, actor, wait, timeout, **options):
        audio_file = AudioFile.objects.select_related("project").filter(pk=audio_file_id).first()
        if audio_file is None:
            raise CommandError(f"No recording with id {audio_file_id}.")
        user = self._actor(actor)
        if step != "translate" and options["languages"]:
            raise CommandError("--language is for --step translate.")
        if step != "summarize" and (options["summary_types"] or options["replace_edits"]):
            raise CommandError("--type and --replace-edits are for --step summarize.")
        start = service(step)
        try:
            started, running = getattr(self, f"_{step}")(start, audio_file, user, **options)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        for job in started:
            self.stdout.write(f"Queued {job.kind} job {job.pk} {job.params}")
        for job in running:
            self.stdout.write(f"{job.kind} job {job.pk} {job.params} is already {job.status}.")
        if wait and (started or running):
            self._wait(started + running, timeout)

    def _actor(self, email: str | None) -> User:
        if not email:
            return User.objects.system_user()
        user = User.objects.filter(email__iexact=email, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user with email {email}.")
        return user

    def _live_transcription(self, audio_file: AudioFile):
        transcription = audio_file.live_transcription
        if transcription is None:
            raise CommandError(
                f"“{audio_file.file_name}” has no transcript yet; run --step transcribe first."
            )
        return transcription

    def _transcribe(self, start, audio_file, user, **options) -> tuple[list[Job], list[Job]]:
        from transcripts.pipeline import TranscriptionRefused

        active = Job.for_target(audio_file, "transcribe").filter(status__in=Job.ACTIVE).first()
        try:
            job = start(audio_file=audio_file, user=user, replace=True)
        except TranscriptionRefused as exc:
            raise CommandError(str(exc)) from exc
        return ([], [job]) if active is not None and active.pk == job.pk else ([job], [])

    def _translate(
        self, start, audio_file, user, *, languages, **options
    ) -> tuple[list[Job], list[Job]]:
        transcription = self._live_transcription(audio_file)
        result = start(transcription=transcription, language_codes=languages or None, user=user)
        for translation in result.up_to_date:
            self.stdout.write(
                f"{translation.language_code}: already translated from the English final "
                "version; nothing to re-run."
            )
        return list(result.started), list(result.running)

    def _summarize(
        self, start, audio_file, user, *, summary_types, replace_edits, **options
    ) -> tuple[list[Job], list[Job]]:
        from summaries.models import GeneratedSummary

        transcription = self._live_transcription(audio_file)
        types = summary_types or [
            value
            for value in GeneratedSummary.SummaryType.values
            if not GeneratedSummary.objects.filter(
                transcription=transcription, summary_type=value, finalized_at__isnull=False
            ).exists()
        ]
        if not types:
            self.stdout.write("Every summary of this transcript is finalized; nothing to re-run.")
            return [], []
        job = start(
            transcription=transcription,
            summary_types=types,
            user=user,
            replace_edits=replace_edits,
        )
        return [job], []

    def _wait(self, jobs: list[Job], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        pending = {job.pk for job in jobs}
        failed = []
        while pending and time.monotonic() < deadline:
            for job in Job.objects.filter(pk__in=pending, status__in=Job.FINISHED):
                pending.discard(job.pk)
                self.stdout.write(f"{job.kind} job {job.pk}: {job.status}. {job.error or ''}")
                if job.status != Job.Status.SUCCEEDED:
                    failed.append(job)
            if pending:
                time.sleep(1)
        if pending:
            raise CommandError(f"{len(pending)} job(s) still running after {timeout:.0f} s.")
        if failed:
            raise CommandError(f"{len(failed)} job(s) did not succeed.")
