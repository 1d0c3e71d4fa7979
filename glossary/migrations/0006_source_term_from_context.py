"""Fill `source_term` from the old convention: a target-language entry whose context read
`en: <term>` (or exactly an English entry's term) named the English term it renders.

An `en: …` context was only the link, so it is cleared; a bare context that happens to be
an English term is kept (it may also be a subject field).
"""

from django.db import migrations


def english_names(rows):
    """{casefolded original or corrected: corrected} of the English entries."""
    names: dict[str, str] = {}
    for original, corrected in rows:
        names.setdefault(original.casefold(), corrected)
        names.setdefault(corrected.casefold(), corrected)
    return names


def link_from_context(context, names):
    """(source_term, context to keep) for an entry's old context, or None when it links
    nothing."""
    if not context:
        return None
    text = " ".join(context.split())
    explicit = text[:3].casefold() == "en:"
    name = text[3:].strip() if explicit else text
    if not name:
        return None
    if name.casefold() in names:
        return names[name.casefold()], (None if explicit else context)
    if explicit:
        return name, None
    return None


def forwards(apps, schema_editor):
    Entry = apps.get_model("glossary", "DictionaryEntry")
    names = english_names(
        Entry.objects.filter(language_code="en")
        .order_by("created_at", "pk")
        .values_list("term_original", "term_corrected")
    )
    changed = []
    candidates = (
        Entry.objects.exclude(language_code="en")
        .filter(source_term__isnull=True)
        .exclude(context__isnull=True)
        .exclude(context="")
        .only("pk", "context", "source_term")
    )
    for entry in candidates.iterator():
        link = link_from_context(entry.context, names)
        if link is not None:
            entry.source_term, entry.context = link
            changed.append(entry)
    Entry.objects.bulk_update(changed, ["source_term", "context"], batch_size=1000)


def backwards(apps, schema_editor):
    Entry = apps.get_model("glossary", "DictionaryEntry")
    restored = []
    for entry in Entry.objects.exclude(source_term__isnull=True).only(
        "pk", "context", "source_term"
    ):
        if not entry.context:
            entry.context = f"en: {entry.source_term}"
            restored.append(entry)
    Entry.objects.bulk_update(restored, ["context"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("glossary", "0005_dictionary_source_term"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
