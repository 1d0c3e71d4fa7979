from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from languages.models import Language
from translations.memory import tmx_read, tmx_write
from translations.models import TranslationMemory
from translations.services_review import tm_import


class Command(BaseCommand):
    help = "Export the translation memory as TMX 1.4b, or import a TMX file into it."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["export", "import"])
        parser.add_argument("path", type=Path, help="TMX file to write or read")
        parser.add_argument("--language", help="export: only this target language")
        parser.add_argument("--user", help="import: the email of the user it is recorded for")

    def handle(self, *args, action: str, path: Path, language, user, **options):
        if action == "export":
            entries = TranslationMemory.objects.order_by("target_language", "source_key")
            if language:
                entries = entries.filter(target_language=language)
            path.write_bytes(tmx_write(entries.iterator(chunk_size=5_000)))
            self.stderr.write(f"Wrote {entries.count()} entries to {path}.")
            return
        actor = User.objects.filter(email=user).first() if user else User.objects.system_user()
        if actor is None:
            raise CommandError(f"No user {user}.")
        try:
            units = tmx_read(path.read_bytes())
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        targets = set(Language.objects.targets().values_list("code", flat=True))
        written = tm_import(units=units, user=actor, target_languages=targets)
        self.stderr.write(f"Imported {written} entries from {path}.")
