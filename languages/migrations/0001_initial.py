"""`languages` moves here from `translations` (same table): glossary and translations both
name languages, and neither should import the other for it. The table already exists, so only
Django's idea of which app owns it changes, together with its content type (the activity log
and permissions point at that row)."""

import uuid

import django.utils.timezone
from django.db import migrations, models

import core.db


def move_content_type(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    if not content_type.objects.filter(app_label="languages", model="language").exists():
        content_type.objects.filter(app_label="translations", model="language").update(
            app_label="languages"
        )


def move_content_type_back(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    if not content_type.objects.filter(app_label="translations", model="language").exists():
        content_type.objects.filter(app_label="languages", model="language").update(
            app_label="translations"
        )


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("translations", "0004_language_updated_at"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Language",
                    fields=[
                        (
                            "id",
                            models.UUIDField(
                                default=uuid.uuid4,
                                editable=False,
                                primary_key=True,
                                serialize=False,
                            ),
                        ),
                        ("code", models.TextField(unique=True)),
                        ("name", models.TextField()),
                        (
                            "direction",
                            models.TextField(
                                choices=[("ltr", "Left to right"), ("rtl", "Right to left")],
                                db_default="ltr",
                                default="ltr",
                            ),
                        ),
                        ("word_boundaries", models.BooleanField(db_default=True, default=True)),
                        ("active", models.BooleanField(db_default=True, default=True)),
                        (
                            "created_at",
                            models.DateTimeField(
                                db_default=core.db.SqlNow(),
                                default=django.utils.timezone.now,
                                editable=False,
                            ),
                        ),
                        (
                            "updated_at",
                            models.DateTimeField(auto_now=True, db_default=core.db.SqlNow()),
                        ),
                    ],
                    options={
                        "db_table": "languages",
                        "ordering": ["code"],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("direction__in", ["ltr", "rtl"])),
                                name="languages_direction_check",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
