import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("glossary", "0004_dictionary_speaker"),
    ]

    operations = [
        migrations.AddField(
            model_name="dictionaryentry",
            name="source_term",
            field=models.TextField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="dictionaryentry",
            index=models.Index(
                django.db.models.functions.text.Lower("source_term"),
                models.F("language_code"),
                name="idx_dictionary_source_term",
            ),
        ),
    ]
