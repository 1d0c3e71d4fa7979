"""The dictionary's case-folded original (`term_key`), indexed: finding an entry's
duplicates becomes one index lookup instead of reading the whole language."""

from django.db import migrations, models


def fill_term_keys(apps, schema_editor):
    DictionaryEntry = apps.get_model("glossary", "DictionaryEntry")
    batch = []
    for entry in DictionaryEntry.objects.only("pk", "term_original").iterator(chunk_size=2000):
        # str.casefold is glossary.matcher.fold; a migration keeps its own copy of the rule.
        entry.term_key = entry.term_original.casefold()
        batch.append(entry)
        if len(batch) == 2000:
            DictionaryEntry.objects.bulk_update(batch, ["term_key"])
            batch = []
    DictionaryEntry.objects.bulk_update(batch, ["term_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("glossary", "0002_original_case_insensitive_unique"),
    ]

    operations = [
        migrations.AddField(
            model_name="dictionaryentry",
            name="term_key",
            field=models.TextField(db_default="", default="", editable=False),
        ),
        migrations.RunPython(fill_term_keys, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="dictionaryentry",
            index=models.Index(fields=["language_code", "term_key"], name="idx_dictionary_key"),
        ),
    ]
