from django.db import migrations

SYSTEM_USER_EMAIL = "system@max.invalid"


def create_system_user(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    # Idempotent: a database that already has the row is left as it is.
    User.objects.get_or_create(
        email=SYSTEM_USER_EMAIL,
        defaults={"full_name": "Max (system)", "password": "!", "is_active": False},
    )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(create_system_user, migrations.RunPython.noop)]
