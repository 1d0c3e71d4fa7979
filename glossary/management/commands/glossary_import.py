from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from glossary.services import glossary_import_file


class Command(BaseCommand):
    help = (
        "Import glossary entries from a CSV or TBX file (all or nothing), as the import page does."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--user", help="email of the user the entries are created by")
        parser.add_argument("--dry-run", action="store_true", help="check the file, import nothing")

    def handle(self, *args, path: Path, user: str | None, dry_run: bool, **options):
        if user:
            try:
                actor = User.objects.get(email__iexact=user)
            except User.DoesNotExist as exc:
                raise CommandError(f"No user with the email {user}.") from exc
        else:
            actor = User.objects.system_user()
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc
        report = glossary_import_file(user=actor, filename=path.name, data=data, dry_run=dry_run)
        for outcome in report.skipped:
            self.stdout.write(
                f"skipped {outcome.where}: {outcome.term_original} ({outcome.reason})"
            )
        if report.problems:
            raise CommandError(
                "Nothing was imported:\n" + "\n".join(f"  {p}" for p in report.problems)
            )
        verb = "Would add" if dry_run else "Added"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {len(report.added)}, updated {len(report.updated)}, "
                f"skipped {len(report.skipped)}."
            )
        )
