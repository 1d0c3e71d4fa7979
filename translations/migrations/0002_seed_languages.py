from django.db import migrations

# (code, name, direction, word_boundaries)
LANGUAGES = [
    ("en", "English", "ltr", True),
    ("es", "Spanish", "ltr", True),
    ("pt", "Portuguese", "ltr", True),
    ("fr", "French", "ltr", True),
    ("de", "German", "ltr", True),
    ("it", "Italian", "ltr", True),
    ("zh", "Chinese", "ltr", False),
    ("hi", "Hindi", "ltr", True),
    ("ar", "Arabic", "rtl", True),
]


def seed(apps, schema_editor):
    try:
        Language = apps.get_model("translations", "Language")
    except LookupError:
        # The test suite re-seeds with today's apps, where the model is in `languages`.
        Language = apps.get_model("languages", "Language")
    for code, name, direction, word_boundaries in LANGUAGES:
        Language.objects.get_or_create(
            code=code,
            defaults={"name": name, "direction": direction, "word_boundaries": word_boundaries},
        )


class Migration(migrations.Migration):
    dependencies = [("translations", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
