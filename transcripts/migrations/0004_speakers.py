"""The `speakers` table; every existing transcript gets its default speaker S1, named after
its project's default speaker (project metadata `speaker`, else SPEAKER_NAME)."""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import core.db


def default_speakers(apps, schema_editor):
    Transcription = apps.get_model("transcripts", "Transcription")
    Speaker = apps.get_model("transcripts", "Speaker")
    default = getattr(settings, "SPEAKER_NAME", "Dr. Soto")
    rows = []
    for transcription in Transcription.objects.select_related("audio_file__project").iterator():
        metadata = transcription.audio_file.project.metadata or {}
        name = metadata.get("speaker") if isinstance(metadata.get("speaker"), str) else None
        names = (transcription.json_with_timestamps or {}).get("speakers") or {}
        labels = sorted({"S1", *(k for k in names if isinstance(k, str))})
        for label in labels:
            rows.append(
                Speaker(
                    id=uuid.uuid4(),
                    transcription_id=transcription.pk,
                    label=label,
                    name=names.get(label) or (name or default if label == "S1" else label),
                )
            )
    Speaker.objects.bulk_create(rows, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("transcripts", "0003_timings_lz4_compression"),
        ("projects", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="Speaker",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("label", models.TextField()),
                ("name", models.TextField()),
                ("created_at", core.db.created_at()),
                ("updated_at", core.db.updated_at()),
                ("archived", core.db.archived()),
                (
                    "transcription",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="speakers",
                        to="transcripts.transcription",
                    ),
                ),
            ],
            options={
                "db_table": "speakers",
                "ordering": ["transcription", "label"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("transcription", "label"),
                        name="speakers_transcription_id_label_key",
                    )
                ],
            },
        ),
        migrations.RunPython(default_speakers, migrations.RunPython.noop),
    ]
