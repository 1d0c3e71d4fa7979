from django.db import migrations

PROJECT_TYPES = [
    ("Lecture", "lecture"),
    ("Webinar", "webinar"),
    ("ISA", "isa"),
    ("Fire-Virtual", "fire-virtual"),
    ("Podcast", "podcast"),
    ("C-Suite Presentation", "c-suite"),
    ("Other", "other"),
]


def seed(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    ProjectType = apps.get_model("projects", "ProjectType")
    system = User.objects.get(email="system@max.invalid")
    for name, slug in PROJECT_TYPES:
        ProjectType.objects.get_or_create(slug=slug, defaults={"name": name, "created_by": system})


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial"), ("accounts", "0002_system_user")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
