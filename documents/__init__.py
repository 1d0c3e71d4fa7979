"""Versioned timed documents: the engine behind the transcript editor and translation review.

Nothing here knows about transcripts or translations. A document is a base text (T-1) plus
numbered immutable versions; its text is one line per segment, and segments carry word timings
in the seed's JSON shape ({"segments": [{"id", "start", "end", "text", "words": [{"word",
"start", "end"}]}], "metadata": {...}}). An untimed document (a translation without JSON) is
just lines: each line is a segment without times.

How a kind of document plugs in:

1. Describe it once with `documents.document.VersionedDocument`: its version model, the
   foreign key from version to parent, how to read the base text and JSON, how to label a
   version (`H-3`, `H-2-es`), the project (for the audit trail), the language, and optional
   hooks (`version_fields`, `after_save`, `finalize_check`, `live_document`).
   `transcripts.document.TRANSCRIPT_DOCUMENT` and `translations.services.TRANSLATION_DOCUMENT`
   are the two there are.
2. Writes go through `documents.services` (`document_save_version`, `document_restore_version`,
   `document_finalize`, `document_replace_all`), called by the pages, the admin, commands and
   tests alike; reads through `documents.selectors` (`document_snapshot`, `document_history`,
   `document_diff`, `document_draft_state`).
3. Drafts (unsaved edits kept per document and user): `documents.drafts`.
4. Pages: subclass `documents.views.DocumentEditor` and mount its `urlpatterns()`; templates
   under `documents/templates/documents/editor/` take every URL from their context, and
   `documents/static/documents/js/editor.js` reads everything from data- attributes.

The pure functions (`text`, `realign`, `diffs`, `merge`, `find`) work on plain lists and dicts
and are what the property tests exercise.
"""
