"""Import local audio/video files into a project, through the same service as the upload page.

manage.py import_media --project <project id> lecture1.mp3 lecture2.mp4 …
"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from media_files.services import audio_file_upload
from media_files.templatetags.media_tags import hms
from projects.models import Project


class Command(BaseCommand):
    help = "Upload local audio/video files into a project (validated like the upload page)."

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True, help="Project id (UUID).")
        parser.add_argument(
            "--user",
            default="",
            help="Email of the user recorded as uploader (default: the system user).",
        )
        parser.add_argument("files", nargs="+", help="Paths of the files to import.")

    def handle(self, *args, project, user, files, **options):
        try:
            target = Project.objects.select_related("project_type").get(pk=project)
        except (Project.DoesNotExist, ValidationError) as exc:
            raise CommandError(f"No project with id “{project}”.") from exc
        if user:
            try:
                uploader = User.objects.get(email__iexact=user)
            except User.DoesNotExist as exc:
                raise CommandError(f"No user with email “{user}”.") from exc
        else:
            uploader = User.objects.system_user()

        failed = 0
        for raw in files:
            path = Path(raw)
            try:
                audio_file = self._import_one(path, target, uploader)
            except ValidationError as exc:
                failed += 1
                self.stdout.write(f"FAILED {path}: {' '.join(exc.messages)}")
            else:
                self.stdout.write(
                    f"OK     {path} → {audio_file.pk} "
                    f"({audio_file.file_type}, {hms(audio_file.duration_seconds)}, "
                    f"{audio_file.file_size_bytes} bytes)"
                )
        if failed:
            raise CommandError(f"{failed} of {len(files)} file(s) could not be imported.")
        self.stdout.write(f"Imported {len(files)} file(s) into “{target.name}”.")

    def _import_one(self, path: Path, project: Project, uploader: User):
        if not path.is_file():
            raise ValidationError(f"“{path}” does not exist or is not a file.")
        with path.open("rb") as fh:
            return audio_file_upload(
                project=project, uploaded_file=File(fh, name=path.name), user=uploader
            )
