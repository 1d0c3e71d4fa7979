"""The seed's "Get Feedback Summary" query, run as written."""

from django.db import connection

FEEDBACK_SUMMARY_SQL = """
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

# SQLite (the embedded default) has no INTERVAL; same meaning, its own date syntax.
FEEDBACK_SUMMARY_SQL_SQLITE = """
SELECT
  summary_type,
  COUNT(*) as total_generated,
  COUNT(CASE WHEN user_edited_text IS NOT NULL THEN 1 END) as edited,
  AVG(LENGTH(generated_text) - LENGTH(user_edited_text)) as avg_length_change
FROM generated_summaries
WHERE finalized_at IS NOT NULL
  AND created_at > datetime('now', '-30 days')
GROUP BY summary_type;
"""


def feedback_summary() -> list[dict]:
    sql = FEEDBACK_SUMMARY_SQL if connection.vendor == "postgresql" else FEEDBACK_SUMMARY_SQL_SQLITE
    with connection.cursor() as cursor:
        cursor.execute(sql)
        columns = [c[0] for c in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
