from django.db import migrations, models

# The offline engine's label, as written before texts were marked (integrations/llm_offline.py).
OFFLINE_LABEL = "[Offline draft: no language model configured]"


def mark_existing_offline_drafts(apps, schema_editor):
    """Texts the offline engine wrote before this column existed are drafts too."""
    GeneratedSummary = apps.get_model("summaries", "GeneratedSummary")
    GeneratedSummary.objects.filter(generated_text__startswith=OFFLINE_LABEL).update(
        is_placeholder=True, engine="offline"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("summaries", "0002_seed_prompt_templates"),
    ]

    operations = [
        migrations.AddField(
            model_name="generatedsummary",
            name="engine",
            field=models.TextField(blank=True, db_default="", default=""),
        ),
        migrations.AddField(
            model_name="generatedsummary",
            name="is_placeholder",
            field=models.BooleanField(db_default=False, default=False),
        ),
        migrations.RunPython(mark_existing_offline_drafts, migrations.RunPython.noop),
    ]
