from django.db import migrations

from documents.deltas import delta_apply, delta_between

# Versions that are no longer the newest keep a reverse delta instead of their whole text and
# timed JSON (DESIGN.md "Version storage"). Both version tables, one document at a time;
# every version keeps its text (the seed's queries read it).
MODELS = [
    ("transcripts", "TranscriptionVersion", "transcription_id"),
    ("translations", "TranslationVersion", "translation_id"),
]


def to_deltas(apps, schema_editor):
    for app, name, parent in MODELS:
        model = apps.get_model(app, name)
        parents = model.objects.values_list(parent, flat=True).distinct()
        for parent_id in parents:
            rows = model.objects.filter(**{parent: parent_id}).order_by("-version_number")
            newer = None
            for row in rows.iterator(chunk_size=4):
                if row.json_delta is not None:  # already a delta: the chain below is whole
                    break
                lines = row.edited_text.split("\n")
                if newer is not None:
                    delta = delta_between(lines, row.json_with_timestamps, *newer)
                    model.objects.filter(pk=row.pk).update(
                        json_delta=delta, json_with_timestamps=None
                    )
                newer = (lines, row.json_with_timestamps)


def to_whole(apps, schema_editor):
    for app, name, parent in MODELS:
        model = apps.get_model(app, name)
        parents = model.objects.values_list(parent, flat=True).distinct()
        for parent_id in parents:
            rows = model.objects.filter(**{parent: parent_id}).order_by("-version_number")
            newer = None
            for row in rows.iterator(chunk_size=4):
                if row.json_delta is None:
                    newer = (row.edited_text.split("\n"), row.json_with_timestamps)
                    continue
                assert newer is not None
                lines, data = delta_apply(newer[0], newer[1], row.json_delta)
                model.objects.filter(pk=row.pk).update(json_delta=None, json_with_timestamps=data)
                newer = (lines, data)


class Migration(migrations.Migration):
    dependencies = [
        ("transcripts", "0006_version_json_delta"),
        ("translations", "0008_version_json_delta"),
    ]
    operations = [migrations.RunPython(to_deltas, to_whole)]
