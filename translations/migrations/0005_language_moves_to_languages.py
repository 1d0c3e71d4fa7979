"""The `languages` table now belongs to the `languages` app (see its 0001); nothing in the
database changes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("translations", "0004_language_updated_at"),
        ("languages", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Language")],
            database_operations=[],
        ),
    ]
