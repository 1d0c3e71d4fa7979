import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("glossary", "0003_dictionary_term_key"),
        ("transcripts", "0004_speakers"),
    ]

    operations = [
        migrations.AddField(
            model_name="dictionaryentry",
            name="speaker",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="dictionary_entries",
                to="transcripts.speaker",
            ),
        ),
    ]
