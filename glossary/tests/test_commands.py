import pytest
from django.core.management import CommandError, call_command

from glossary.models import DictionaryEntry
from glossary.tests.factories import seed_entries

pytestmark = pytest.mark.django_db


def test_export_then_import_with_the_commands(editor, tmp_path, capsys):
    seed_entries(editor)
    target = tmp_path / "glossary.tbx"
    call_command("glossary_export", "--format", "tbx", "--output", str(target))
    assert target.read_text().count("<termEntry") == 6
    DictionaryEntry.objects.filter(term_original="implane").update(term_corrected="x")

    call_command("glossary_import", str(target), "--user", editor.email, "--dry-run")
    assert DictionaryEntry.objects.get(term_original="implane").term_corrected == "x"
    call_command("glossary_import", str(target), "--user", editor.email)
    assert DictionaryEntry.objects.get(term_original="implane").term_corrected == "implant"
    assert "updated 1" in capsys.readouterr().out


def test_import_command_fails_loudly_and_imports_nothing(tmp_path, system_user):
    bad = tmp_path / "bad.csv"
    bad.write_text("term_original,term_corrected\nimplane,implant\n,empty\n")
    with pytest.raises(CommandError, match="line 3: The original term is empty"):
        call_command("glossary_import", str(bad))
    assert not DictionaryEntry.objects.exists()


def test_export_csv_to_stdout_for_one_language(editor, capsys):
    seed_entries(editor)
    call_command("glossary_export", "--language", "es")
    assert capsys.readouterr().out.splitlines() == [
        "\ufeffterm_original,term_corrected,language_code,context,usage_count,source_term"
    ]
