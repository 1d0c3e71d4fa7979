from django.db import migrations

# A 3-hour lecture's word timings are ~2 MB of JSON per version. PostgreSQL's default
# TOAST compression (pglz) made it the slowest part of a save; lz4 (PostgreSQL 14+)
# compresses about as well at a fraction of the CPU: bench.editor's save went from
# ~92 ms to ~70 ms. Other databases keep their defaults.
COLUMNS = [
    ("transcriptions", "json_with_timestamps"),
    ("transcription_versions", "json_with_timestamps"),
    ("translations", "json_with_timestamps"),
    ("translation_versions", "json_with_timestamps"),
]


def use_lz4(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql" or connection.pg_version < 140000:
        return
    with connection.cursor() as cursor:
        for table, column in COLUMNS:
            cursor.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" SET COMPRESSION lz4')


class Migration(migrations.Migration):
    dependencies = [
        ("transcripts", "0002_final_version_on_delete_set_null"),
        ("translations", "0003_versions_origin_voiceovers"),
    ]
    operations = [migrations.RunPython(use_lz4, migrations.RunPython.noop)]
