"""Writes for summaries, one module per concern: templates, generation (with drafts, the
model calls), editing, feedback. Import from the concern's module; nothing is re-exported."""
