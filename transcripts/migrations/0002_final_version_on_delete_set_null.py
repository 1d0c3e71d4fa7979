from django.db import migrations

# The seed declares transcriptions.final_version_id ... ON DELETE SET NULL at the database
# level; Django 5.2 only emulates on_delete in Python, so add the rule on PostgreSQL.
FIND_FK = """
SELECT c.conname FROM pg_constraint c
JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
WHERE c.conrelid = 'transcriptions'::regclass AND c.contype = 'f'
  AND a.attname = 'final_version_id'
"""


def set_null_on_delete(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(FIND_FK)
        for (name,) in cursor.fetchall():
            cursor.execute(f'ALTER TABLE transcriptions DROP CONSTRAINT "{name}"')
            cursor.execute(
                f'ALTER TABLE transcriptions ADD CONSTRAINT "{name}" '
                "FOREIGN KEY (final_version_id) REFERENCES transcription_versions(id) "
                "ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED"
            )


class Migration(migrations.Migration):
    dependencies = [("transcripts", "0001_initial")]
    operations = [migrations.RunPython(set_null_on_delete, migrations.RunPython.noop)]
