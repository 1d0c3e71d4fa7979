"""The migrated PostgreSQL schema is the seed's: tables, columns, types, defaults, indexes."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

# table -> {column: (data_type, nullable, default_contains)}; default_contains None = no check
SEED_COLUMNS = {
    "users": {
        "id": ("uuid", False, None),
        "email": ("text", False, None),
        "full_name": ("text", True, None),
        "created_at": ("timestamp", True, "now()"),
        "updated_at": ("timestamp", True, "now()"),
    },
    "project_types": {
        "id": ("uuid", False, None),
        "name": ("text", False, None),
        "slug": ("text", False, None),
        "created_at": ("timestamp", True, "now()"),
        "created_by": ("uuid", True, None),
        "archived": ("boolean", True, "false"),
    },
    "projects": {
        "id": ("uuid", False, None),
        "name": ("text", False, None),
        "project_type_id": ("uuid", False, None),
        "metadata": ("jsonb", True, "'{}'"),
        "created_by": ("uuid", False, None),
        "created_at": ("timestamp", True, "now()"),
        "updated_at": ("timestamp", True, "now()"),
        "archived": ("boolean", True, "false"),
    },
    "audio_files": {
        "id": ("uuid", False, None),
        "project_id": ("uuid", False, None),
        "file_name": ("text", False, None),
        "file_path": ("text", False, None),
        "file_size_bytes": ("bigint", True, None),
        "duration_seconds": ("numeric", True, None),
        "uploaded_by": ("uuid", False, None),
        "created_at": ("timestamp", True, "now()"),
        "updated_at": ("timestamp", True, "now()"),
        "archived": ("boolean", True, "false"),
        "sonix_media_id": ("text", True, None),
        "file_type": ("text", True, "'audio'"),
        "sonix_status": ("text", True, None),
    },
    "transcriptions": {
        "id": ("uuid", False, None),
        "audio_file_id": ("uuid", False, None),
        "transcription_type": ("text", True, "'T-1'"),
        "language_code": ("text", True, "'en'"),
        "raw_text": ("text", False, None),
        "json_with_timestamps": ("jsonb", False, None),
        "created_by": ("uuid", False, None),
        "created_at": ("timestamp", True, "now()"),
        "updated_at": ("timestamp", True, "now()"),
        "source": ("text", True, "'whisper'"),
        "final_version_id": ("uuid", True, None),
        "archived": ("boolean", True, "false"),
    },
    "transcription_versions": {
        "id": ("uuid", False, None),
        "transcription_id": ("uuid", False, None),
        "version_number": ("integer", False, None),
        "version_type": ("text", False, None),
        "edited_text": ("text", False, None),
        "json_with_timestamps": ("jsonb", True, None),
        "diff_from_previous": ("text", True, None),
        "edited_by": ("uuid", False, None),
        "created_at": ("timestamp", True, "now()"),
    },
    "dictionary": {
        "id": ("uuid", False, None),
        "term_original": ("text", False, None),
        "term_corrected": ("text", False, None),
        "language_code": ("text", True, "'en'"),
        "context": ("text", True, None),
        "usage_count": ("integer", True, "0"),
        "created_by": ("uuid", False, None),
        "created_at": ("timestamp", True, "now()"),
        "updated_at": ("timestamp", True, "now()"),
        "archived": ("boolean", True, "false"),
    },
    "translations": {
        "id": ("uuid", False, None),
        "transcription_id": ("uuid", False, None),
        "language_code": ("text", False, None),
        "translated_text": ("text", False, None),
        "json_with_timestamps": ("jsonb", True, None),
        "dictionary_corrections_applied": ("jsonb", True, None),
        "created_at": ("timestamp", True, "now()"),
        "updated_at": ("timestamp", True, "now()"),
        "source_version_id": ("uuid", True, None),
        "final_version_id": ("uuid", True, None),
    },
    "translation_versions": {
        "id": ("uuid", False, None),
        "translation_id": ("uuid", False, None),
        "version_number": ("integer", False, None),
        "version_type": ("text", False, None),
        "edited_text": ("text", False, None),
        "json_with_timestamps": ("jsonb", True, None),
        "diff_from_previous": ("text", True, None),
        "edited_by": ("uuid", False, None),
        "created_at": ("timestamp", True, "now()"),
    },
    "generated_summaries": {
        "id": ("uuid", False, None),
        "transcription_id": ("uuid", False, None),
        "summary_type": ("text", False, None),
        "generated_text": ("text", False, None),
        "user_edited_text": ("text", True, None),
        "edited_by": ("uuid", True, None),
        "edited_at": ("timestamp", True, None),
        "generated_at": ("timestamp", True, "now()"),
        "finalized_at": ("timestamp", True, None),
        "created_at": ("timestamp", True, "now()"),
        "prompt_version_id": ("uuid", True, None),
    },
    "prompt_templates": {
        "id": ("uuid", False, None),
        "template_name": ("text", False, None),
        "template_content": ("text", False, None),
        "version_number": ("integer", True, "1"),
        "created_by": ("uuid", False, None),
        "created_at": ("timestamp", True, "now()"),
        "updated_at": ("timestamp", True, "now()"),
    },
    "prompt_versions": {
        "id": ("uuid", False, None),
        "template_id": ("uuid", False, None),
        "version_number": ("integer", False, None),
        "template_content": ("text", False, None),
        "changed_by": ("uuid", False, None),
        "change_notes": ("text", True, None),
        "created_at": ("timestamp", True, "now()"),
    },
    "feedback_log": {
        "id": ("uuid", False, None),
        "summary_id": ("uuid", False, None),
        "generated_text": ("text", False, None),
        "user_edited_text": ("text", False, None),
        "diff_analysis": ("text", True, None),
        "created_at": ("timestamp", True, "now()"),
    },
    "languages": {
        "id": ("uuid", False, None),
        "code": ("text", False, None),
        "name": ("text", False, None),
        "direction": ("text", True, "'ltr'"),
        "active": ("boolean", True, "true"),
    },
    "jobs": {
        "id": ("uuid", False, None),
        "kind": ("text", False, None),
        "status": ("text", False, None),
        "progress": ("smallint", False, None),
        "message": ("text", False, None),
        "error": ("text", False, None),
        "attempts": ("integer", False, None),
        "celery_task_id": ("text", False, None),
        "created_by_id": ("uuid", True, None),
        "started_at": ("timestamp", True, None),
        "finished_at": ("timestamp", True, None),
    },
}

# The seed's index names (unprefixed table names, DESIGN.md "Tables") with their columns.
SEED_INDEXES = {
    "idx_users_email": ("users", "(email)"),
    "idx_projects_project_type": ("projects", "(project_type_id)"),
    "idx_projects_created_by": ("projects", "(created_by)"),
    "idx_projects_created_at": ("projects", "(created_at DESC)"),
    "idx_audio_files_project": ("audio_files", "(project_id)"),
    "idx_audio_files_uploaded_by": ("audio_files", "(uploaded_by)"),
    "idx_audio_files_created_at": ("audio_files", "(created_at DESC)"),
    "idx_audio_files_sonix_media_id": ("audio_files", "(sonix_media_id) WHERE"),
    "idx_transcriptions_audio": ("transcriptions", "(audio_file_id)"),
    "idx_transcriptions_created_at": ("transcriptions", "(created_at DESC)"),
    "idx_transcriptions_source": ("transcriptions", "(source)"),
    "idx_transcriptions_final_version": ("transcriptions", "(final_version_id)"),
    "idx_trans_versions_transcription": ("transcription_versions", "(transcription_id)"),
    "idx_trans_versions_edited_by": ("transcription_versions", "(edited_by)"),
    "idx_dictionary_original": ("dictionary", "(term_original)"),
    "idx_dictionary_language": ("dictionary", "(language_code)"),
    "idx_dictionary_usage": ("dictionary", "(usage_count DESC)"),
    "idx_translations_transcription": ("translations", "(transcription_id)"),
    "idx_translations_language": ("translations", "(language_code)"),
    "idx_trans_lang_versions_translation": ("translation_versions", "(translation_id)"),
    "idx_summaries_transcription": ("generated_summaries", "(transcription_id)"),
    "idx_summaries_type": ("generated_summaries", "(summary_type)"),
    "idx_summaries_finalized": ("generated_summaries", "(finalized_at)"),
    "idx_feedback_summary": ("feedback_log", "(summary_id)"),
    "idx_feedback_created_at": ("feedback_log", "(created_at DESC)"),
    "idx_templates_name": ("prompt_templates", "(template_name)"),
    "idx_prompt_versions_template": ("prompt_versions", "(template_id)"),
}

SEED_UNIQUE = {
    "users": [("email",)],
    "project_types": [("name",), ("slug",)],
    "transcription_versions": [("transcription_id", "version_number")],
    "dictionary": [("term_original", "language_code")],
    "translations": [("transcription_id", "language_code")],
    "translation_versions": [("translation_id", "version_number")],
    "generated_summaries": [("transcription_id", "summary_type")],
    "prompt_templates": [("template_name",)],
    "prompt_versions": [("template_id", "version_number")],
}


def _fetch(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def test_every_seed_table_and_column_has_the_seed_type_nullability_and_default():
    assert connection.vendor == "postgresql"
    for table, columns in SEED_COLUMNS.items():
        rows = _fetch(
            "SELECT column_name, data_type, is_nullable, column_default "
            "FROM information_schema.columns WHERE table_schema = 'public' AND table_name = %s",
            [table],
        )
        actual = {
            name: (dtype, nullable == "YES", default) for name, dtype, nullable, default in rows
        }
        assert actual, f"table {table} is missing"
        for column, (dtype, _nullable, default) in columns.items():
            assert column in actual, f"{table}.{column} is missing"
            actual_type, _, actual_default = actual[column]
            assert actual_type.startswith(dtype), f"{table}.{column}: {actual_type} != {dtype}"
            if default is not None:
                assert actual_default and default.lower() in actual_default.lower(), (
                    f"{table}.{column} default {actual_default!r} lacks {default!r}"
                )
        # NOT NULL exactly where the seed says NOT NULL (primary keys and REFERENCES … NOT NULL)
        for column, (_, nullable, _) in columns.items():
            if not nullable:
                assert actual[column][1] is False, f"{table}.{column} should be NOT NULL"


def test_every_seed_index_exists_with_its_name_and_columns():
    rows = dict(
        _fetch(
            "SELECT indexname, tablename || ' ' || indexdef "
            "FROM pg_indexes WHERE schemaname = 'public'"
        )
    )
    for name, (table, columns) in SEED_INDEXES.items():
        assert name in rows, f"index {name} is missing"
        assert rows[name].startswith(table + " "), rows[name]
        assert columns in rows[name], f"{name}: {rows[name]}"


def test_unique_and_check_constraints_match_the_seed():
    for table, uniques in SEED_UNIQUE.items():
        rows = _fetch(
            """
            SELECT array_agg(a.attname ORDER BY k.ord)
            FROM pg_constraint c
            JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord) ON true
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
            WHERE c.conrelid = %s::regclass AND c.contype = 'u'
            GROUP BY c.oid
            """,
            [table],
        )
        actual = {tuple(r[0]) for r in rows}
        for unique in uniques:
            assert unique in actual, f"{table} lacks UNIQUE{unique}: {actual}"

    checks = dict(
        _fetch("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'c'")
    )
    file_type = checks["audio_files_file_type_check"]
    assert "'audio'" in file_type and "'video'" in file_type
    source = checks["transcriptions_source_check"]
    assert "'whisper'" in source and "'sonix'" in source


def test_foreign_keys_follow_the_seed():
    rows = _fetch(
        """
        SELECT tc.table_name, kcu.column_name, ccu.table_name, rc.delete_rule
        FROM information_schema.table_constraints tc
        JOIN information_schema.key_column_usage kcu ON tc.constraint_name = kcu.constraint_name
        JOIN information_schema.constraint_column_usage ccu
          ON tc.constraint_name = ccu.constraint_name
        JOIN information_schema.referential_constraints rc
          ON tc.constraint_name = rc.constraint_name
        WHERE tc.constraint_type = 'FOREIGN KEY'
        """
    )
    fks = {(t, c): (ref, rule) for t, c, ref, rule in rows}
    assert fks[("projects", "project_type_id")][0] == "project_types"
    assert fks[("audio_files", "project_id")][0] == "projects"
    assert fks[("audio_files", "uploaded_by")][0] == "users"
    assert fks[("transcriptions", "audio_file_id")][0] == "audio_files"
    assert fks[("transcriptions", "final_version_id")] == ("transcription_versions", "SET NULL")
    assert fks[("transcription_versions", "transcription_id")][0] == "transcriptions"
    assert fks[("translations", "transcription_id")][0] == "transcriptions"
    assert fks[("translation_versions", "translation_id")][0] == "translations"
    assert fks[("generated_summaries", "prompt_version_id")][0] == "prompt_versions"
    assert fks[("prompt_versions", "template_id")][0] == "prompt_templates"
    assert fks[("feedback_log", "summary_id")][0] == "generated_summaries"
    assert fks[("dictionary", "created_by")][0] == "users"


def test_word_timings_use_lz4_compression():
    rows = dict(
        _fetch(
            "SELECT c.relname, a.attcompression FROM pg_attribute a "
            "JOIN pg_class c ON c.oid = a.attrelid "
            "WHERE a.attname = 'json_with_timestamps' AND c.relname IN "
            "('transcriptions', 'transcription_versions', 'translations', 'translation_versions')"
        )
    )
    assert rows == dict.fromkeys(
        ["transcriptions", "transcription_versions", "translations", "translation_versions"], "l"
    )
