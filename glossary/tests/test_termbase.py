"""The termbase: target-language entries name the English term they render."""

import importlib

import pytest
from django.core.exceptions import ValidationError

from glossary import services
from glossary.models import DictionaryEntry
from tests.factories import DictionaryEntryFactory
from translations.terms import glossary_for_language

pytestmark = pytest.mark.django_db

old_convention = importlib.import_module("glossary.migrations.0006_source_term_from_context")


def test_the_migration_turns_en_contexts_into_source_terms(editor):
    from django.apps import apps

    DictionaryEntryFactory(term_original="implane", term_corrected="implant", created_by=editor)
    explicit = DictionaryEntryFactory(
        term_original="facetas",
        term_corrected="carillas",
        language_code="es",
        context="en:  Implane",
        created_by=editor,
    )
    bare = DictionaryEntryFactory(
        term_original="implante",
        term_corrected="implante",
        language_code="it",
        context="implant",
        created_by=editor,
    )
    literal = DictionaryEntryFactory(
        term_original="muela",
        term_corrected="molar",
        language_code="es",
        context="en: molar",
        created_by=editor,
    )
    topic = DictionaryEntryFactory(
        term_original="encía",
        term_corrected="gingiva",
        language_code="es",
        context="periodontics",
        created_by=editor,
    )
    old_convention.forwards(apps, None)
    rows = {e.pk: (e.source_term, e.context) for e in DictionaryEntry.objects.all()}
    assert rows[explicit.pk] == ("implant", None)  # the English entry's corrected term
    assert rows[bare.pk] == ("implant", "implant")  # a bare context may be a topic too
    assert rows[literal.pk] == ("molar", None)
    assert rows[topic.pk] == (None, "periodontics")
    links = {(link.english, link.target_corrected) for link in glossary_for_language("es").links}
    assert links == {("implant", "carillas"), ("molar", "molar")}


def test_source_term_is_checked_and_kept_by_edits_that_leave_it_out(editor):
    entry = services.entry_create(
        user=editor,
        term_original="corona",
        term_corrected="corona cerámica",
        language_code="es",
        source_term="  ceramic   crown ",
    )
    assert entry.source_term == "ceramic crown"
    entry = services.entry_update(
        entry=entry,
        user=editor,
        term_original="corona",
        term_corrected="corona de cerámica",
        language_code="es",
    )
    assert entry.source_term == "ceramic crown"
    for bad, message in (("a\x00b", "control"), ("x" * 10_000, "at most 500"), ("!!", "letter")):
        with pytest.raises(ValidationError, match=message):
            services.entry_create(
                user=editor,
                term_original="z",
                term_corrected="z",
                language_code="es",
                source_term=bad,
            )
    with pytest.raises(ValidationError, match="English entry"):
        services.entry_create(user=editor, term_original="q", term_corrected="q", source_term="q")
