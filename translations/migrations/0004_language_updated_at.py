"""`languages.updated_at`: the token the admin's edit form carries, so a stale save of a
language is refused instead of silently undoing someone else's change."""

from django.db import migrations, models

import core.db


class Migration(migrations.Migration):
    dependencies = [
        ("translations", "0003_versions_origin_voiceovers"),
    ]

    operations = [
        migrations.AddField(
            model_name="language",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, db_default=core.db.SqlNow()),
        ),
    ]
