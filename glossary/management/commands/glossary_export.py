from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils import timezone

from glossary.exchange import write_csv, write_tbx
from glossary.models import DictionaryEntry


class Command(BaseCommand):
    help = "Export the glossary's active entries as CSV or TBX (to a file or standard output)."

    def add_arguments(self, parser):
        parser.add_argument("--format", dest="fmt", choices=["csv", "tbx"], default="csv")
        parser.add_argument("--language", help="only this language code")
        parser.add_argument("--output", type=Path, help="file to write (default: standard output)")

    def handle(self, *args, fmt: str, language: str | None, output: Path | None, **options):
        entries = DictionaryEntry.objects.filter(archived=False).order_by(
            "language_code", "term_original"
        )
        if language:
            entries = entries.filter(language_code=language)
        if fmt == "tbx":
            body = write_tbx(
                entries.iterator(), source_note=f"Max glossary export, {timezone.now():%Y-%m-%d}"
            )
        else:
            body = write_csv(entries.iterator())
        if output:
            output.write_text(body, encoding="utf-8")
            self.stderr.write(f"Wrote {entries.count()} entries to {output}.")
        else:
            self.stdout.write(body, ending="")
