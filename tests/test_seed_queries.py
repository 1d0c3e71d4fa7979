"""The four SQL statements under the seed's "Query Patterns" run unchanged on real rows."""

import json
from datetime import timedelta
from decimal import Decimal

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from glossary.models import DictionaryEntry
from media_files.models import AudioFile
from summaries.models import GeneratedSummary
from tests.factories import TranscriptionFactory
from transcripts.models import Transcription, TranscriptionVersion
from translations.models import Translation, TranslationVersion

pytestmark = pytest.mark.django_db

# Copied from the seed; `$1` is bound by psycopg's server-side parameter style below.
GET_LATEST_VERSION = """
SELECT 
  COALESCE(tv.edited_text, t.raw_text) as latest_text,
  COALESCE(tv.json_with_timestamps, t.json_with_timestamps) as timestamps,
  tv.version_number,
  tv.version_type
FROM transcriptions t
LEFT JOIN transcription_versions tv 
  ON t.id = tv.transcription_id
WHERE t.audio_file_id = $1
ORDER BY tv.version_number DESC NULLS LAST
LIMIT 1;
"""

GET_ALL_TRANSLATIONS = """
SELECT 
  tr.language_code,
  COALESCE(trv.edited_text, tr.translated_text) as latest_text,
  trv.version_number,
  tr.dictionary_corrections_applied
FROM translations tr
LEFT JOIN translation_versions trv
  ON tr.id = trv.translation_id
WHERE tr.transcription_id = $1
ORDER BY tr.language_code, trv.version_number DESC NULLS LAST;
"""

APPLY_DICTIONARY = """
SELECT term_original, term_corrected
FROM dictionary
WHERE language_code = 'en'
ORDER BY LENGTH(term_original) DESC; -- Longest terms first to avoid partial matches
"""

GET_FEEDBACK_SUMMARY = """
SELECT 
  summary_type,
  COUNT(*) as total_generated,
  COUNT(CASE WHEN user_edited_text IS NOT NULL THEN 1 END) as edited,
  AVG(LENGTH(generated_text) - LENGTH(user_edited_text)) as avg_length_change
FROM generated_summaries
WHERE finalized_at IS NOT NULL
  AND created_at > NOW() - INTERVAL '30 days'
GROUP BY summary_type;
"""


def run_raw(sql, *params):
    """Run seed SQL as written: psycopg's RawCursor sends `$1` placeholders to the server."""
    connection.ensure_connection()
    # The psycopg connection under Django's wrapper, inside the test's transaction.
    with psycopg.RawCursor(connection.connection) as cursor:
        cursor.execute(sql, params or None)
        return cursor.fetchall()


@pytest.fixture
def timed():
    return {
        "segments": [
            {
                "id": 0,
                "start": 0.0,
                "end": 1.0,
                "text": "Hello everyone",
                "words": [
                    {"word": "Hello", "start": 0.0, "end": 0.5},
                    {"word": "everyone", "start": 0.5, "end": 1.0},
                ],
            }
        ],
        "metadata": {"source": "whisper", "duration": 1.0},
    }


@pytest.fixture
def transcription(editor, timed):
    return TranscriptionFactory(
        audio_file__project__name="Endo",
        audio_file__file_name="a.mp3",
        audio_file__file_path="audio/lecture/x-a.mp3",
        audio_file__duration_seconds=Decimal("1.0"),
        raw_text="Hello everyone",
        json_with_timestamps=timed,
        created_by=editor,
        through_service=False,
    )


def test_get_latest_version_returns_t1_then_the_newest_human_version(transcription, editor):
    audio_id = transcription.audio_file_id
    rows = run_raw(GET_LATEST_VERSION, audio_id)
    assert rows[0][0] == "Hello everyone" and rows[0][2] is None

    for n, text in [(1, "Hello, everyone."), (2, "Hello, everyone!")]:
        TranscriptionVersion.objects.create(
            transcription=transcription,
            version_number=n,
            version_type=f"H-{n}",
            edited_text=text,
            edited_by=editor,
        )
    rows = run_raw(GET_LATEST_VERSION, audio_id)
    latest_text, timestamps, number, label = rows[0]
    assert (latest_text, number, label) == ("Hello, everyone!", 2, "H-2")
    # no json on the version: the seed's COALESCE falls back to T-1's timestamps
    timestamps = json.loads(timestamps) if isinstance(timestamps, str) else timestamps
    assert timestamps["segments"][0]["words"][0]["word"] == "Hello"


def test_get_all_translations_lists_each_language_newest_version_first(transcription, editor):
    es = Translation.objects.create(
        transcription=transcription,
        language_code="es",
        translated_text="Hola a todos",
        dictionary_corrections_applied=[
            {"term_original": "x", "term_corrected": "y", "position": [0, 1], "language_code": "es"}
        ],
    )
    Translation.objects.create(
        transcription=transcription, language_code="ar", translated_text="مرحبا بالجميع"
    )
    for n in (1, 2):
        TranslationVersion.objects.create(
            translation=es,
            version_number=n,
            version_type="T-1-es",
            edited_text=f"Hola a todos v{n}",
            edited_by=editor,
        )
    rows = run_raw(GET_ALL_TRANSLATIONS, transcription.pk)
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("ar", "مرحبا بالجميع", None),
        ("es", "Hola a todos v2", 2),
        ("es", "Hola a todos v1", 1),
    ]
    corrections = rows[1][3]
    corrections = json.loads(corrections) if isinstance(corrections, str) else corrections
    assert corrections[0]["term_corrected"] == "y"


def test_apply_dictionary_query_lists_longest_english_terms_first(editor):
    for original, corrected, lang in [
        ("implane", "implant", "en"),
        ("ceramic crown", "ceramic crown", "en"),
        ("endodontik", "endodontic", "en"),
        ("carilla", "carilla", "es"),
    ]:
        DictionaryEntry.objects.create(
            term_original=original, term_corrected=corrected, language_code=lang, created_by=editor
        )
    rows = run_raw(APPLY_DICTIONARY)
    assert rows == [
        ("ceramic crown", "ceramic crown"),
        ("endodontik", "endodontic"),
        ("implane", "implant"),
    ]


def test_feedback_summary_counts_finalized_summaries_of_the_last_30_days(transcription, editor):
    now = timezone.now()
    GeneratedSummary.objects.create(
        transcription=transcription,
        summary_type="email",
        generated_text="x" * 100,
        user_edited_text="x" * 80,
        finalized_at=now,
    )
    GeneratedSummary.objects.create(
        transcription=transcription,
        summary_type="linkedin",
        generated_text="y" * 50,
        finalized_at=now,
    )
    GeneratedSummary.objects.create(
        transcription=transcription, summary_type="blog", generated_text="not finalized"
    )
    old = transcription.audio_file.project  # a second transcription for an old summary
    audio = AudioFile.objects.create(
        project=old, file_name="b.mp3", file_path="audio/lecture/y-b.mp3", uploaded_by=editor
    )
    t2 = Transcription.objects.create(
        audio_file=audio, raw_text="x", json_with_timestamps={}, created_by=editor
    )
    GeneratedSummary.objects.create(
        transcription=t2,
        summary_type="email",
        generated_text="z" * 10,
        user_edited_text="z",
        finalized_at=now,
        created_at=now - timedelta(days=31),
    )
    rows = {r[0]: r[1:] for r in run_raw(GET_FEEDBACK_SUMMARY)}
    assert set(rows) == {"email", "linkedin"}
    assert rows["email"][0] == 1 and rows["email"][1] == 1
    assert rows["email"][2] == 20
    assert rows["linkedin"][:2] == (1, 0) and rows["linkedin"][2] is None
