import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.models import Activity
from core.stale import StaleEdit, edit_token
from glossary import registry
from glossary.models import DictionaryEntry
from glossary.selectors import glossary_find, glossary_terms
from glossary.services import (
    entry_create,
    entry_set_archived,
    entry_update,
    glossary_apply,
    glossary_record_usage,
)
from glossary.tests.factories import DictionaryEntryFactory, seed_entries
from languages.models import Language

pytestmark = pytest.mark.django_db

SENTENCE = (
    "The implane and the IMPLANE failed; endodontik care, periodontol health, "
    "veneers, a Ceramic crown and ortho-dontic braces."
)


def usage(term: str, language_code: str = "en") -> int:
    return DictionaryEntry.objects.get(term_original=term, language_code=language_code).usage_count


# --- apply / find / terms -----------------------------------------------------------------


def test_apply_corrects_the_seed_terms_and_records_each_application(editor):
    seed_entries(editor)
    new_text, corrections = glossary_apply(text=SENTENCE, language_code="en")
    assert new_text == (
        "The implant and the IMPLANT failed; endodontic care, periodontal health, "
        "veneers, a Ceramic crown and orthodontic braces."
    )
    assert corrections[0] == {
        "term_original": "implane",
        "term_corrected": "implant",
        "position": [4, 11],
        "language_code": "en",
    }
    assert [c["term_original"] for c in corrections] == [
        "implane",
        "implane",
        "endodontik",
        "periodontol",
        "veneers",
        "ceramic crown",
        "ortho-dontic",
    ]
    for c in corrections:
        start, end = c["position"]
        assert SENTENCE[start:end].casefold() == c["term_original"]
    assert usage("implane") == 2
    assert usage("veneers") == 1  # canonical entries are counted too
    assert usage("ceramic crown") == 1


def test_usage_grows_by_applications_and_is_an_atomic_update(editor, django_assert_num_queries):
    seed_entries(editor)
    glossary_apply(text=SENTENCE, language_code="en")  # builds the matcher
    with django_assert_num_queries(3):  # savepoint, one UPDATE, release
        glossary_apply(text=SENTENCE, language_code="en")
    assert usage("implane") == 4
    # F(): a count written meanwhile by someone else is not lost.
    DictionaryEntry.objects.filter(term_original="implane").update(usage_count=100)
    glossary_apply(text="implane", language_code="en")
    assert usage("implane") == 101


def test_apply_without_recording_and_find_change_nothing(editor, django_assert_num_queries):
    seed_entries(editor)
    _, corrections = glossary_apply(text=SENTENCE, language_code="en", record_usage=False)
    assert len(corrections) == 7
    with django_assert_num_queries(0):
        matches = glossary_find(text=SENTENCE, language_code="en")
    assert [(m.text, m.replacement) for m in matches][:2] == [
        ("implane", "implant"),
        ("IMPLANE", "IMPLANT"),
    ]
    assert not DictionaryEntry.objects.filter(usage_count__gt=0).exists()


def test_record_usage_counts_corrections_reported_earlier(editor):
    seed_entries(editor)
    entry_create(user=editor, term_original="faceta", term_corrected="carilla", language_code="es")
    _, english = glossary_apply(text=SENTENCE, language_code="en", record_usage=False)
    _, spanish = glossary_apply(text="faceta y FACETA", language_code="es", record_usage=False)
    assert glossary_record_usage(corrections=english + spanish) == 7
    assert usage("implane") == 2
    assert usage("faceta", "es") == 2
    assert glossary_record_usage(corrections=[]) == 0


def test_languages_are_separate_and_archived_entries_are_not_applied(editor):
    seed_entries(editor)
    es = entry_create(
        user=editor, term_original="implane", term_corrected="implante", language_code="es"
    )
    assert glossary_apply(text="implane", language_code="es")[0] == "implante"
    assert glossary_apply(text="implane", language_code="en")[0] == "implant"
    entry_set_archived(entry=es, archived=True, user=editor)
    assert glossary_apply(text="implane", language_code="es") == ("implane", [])
    entry_set_archived(entry=es, archived=False, user=editor)
    assert glossary_apply(text="implane", language_code="es")[0] == "implante"


def test_chinese_entries_match_inside_a_run_of_characters(editor):
    assert Language.objects.get(code="zh").word_boundaries is False
    entry_create(user=editor, term_original="种值体", term_corrected="种植体", language_code="zh")
    new_text, corrections = glossary_apply(text="这是种值体。", language_code="zh")
    assert new_text == "这是种植体。"
    assert corrections[0]["position"] == [2, 5]


def test_terms_lists_active_entries_most_used_first(editor):
    seed_entries(editor)
    DictionaryEntry.objects.filter(term_original="endodontik").update(usage_count=9)
    DictionaryEntry.objects.filter(term_original="veneers").update(archived=True)
    terms = glossary_terms(language_code="en")
    assert terms[0] == ("endodontik", "endodontic")
    assert ("veneers", "veneers") not in terms
    assert ("implane", "implant") in terms and len(terms) == 5
    assert glossary_terms(language_code="es") == []


# --- writes and their validation ----------------------------------------------------------


def test_create_records_who_and_cleans_whitespace(editor):
    entry = entry_create(
        user=editor, term_original="  ceramic   crown ", term_corrected="ceramic crown", context=" "
    )
    assert entry.term_original == "ceramic crown"
    assert entry.context is None and entry.created_by == editor
    activity = Activity.objects.get(target_id=entry.pk)
    assert activity.action == "dictionary.create" and activity.actor == editor


@pytest.mark.parametrize(
    ("original", "corrected", "message"),
    [
        ("", "implant", "The original term is empty."),
        ("   ", "implant", "The original term is empty."),
        ("implane", "", "The correct term is empty."),
        ("?!", "implant", "has no letter or digit"),
        ("-- ...", "implant", "has no letter or digit"),
        ("impl\x00ane", "implant", "control"),
    ],
)
def test_terms_that_cannot_match_are_refused(editor, original, corrected, message):
    with pytest.raises(ValidationError) as caught:
        entry_create(user=editor, term_original=original, term_corrected=corrected)
    assert message in str(caught.value)
    assert not DictionaryEntry.objects.exists()


def test_unknown_language_is_refused(editor):
    with pytest.raises(ValidationError) as caught:
        entry_create(user=editor, term_original="a", term_corrected="b", language_code="xx")
    assert "Unknown language code “xx”" in caught.value.message_dict["language_code"][0]


@pytest.mark.parametrize("again", ["implane", "Implane", "IMPLANE"])
def test_duplicates_are_refused_ignoring_case(editor, again):
    entry_create(user=editor, term_original="implane", term_corrected="implant")
    with pytest.raises(ValidationError) as caught:
        entry_create(user=editor, term_original=again, term_corrected="implant2")
    message = caught.value.message_dict["term_original"][0]
    assert "already in the en dictionary" in message
    assert DictionaryEntry.objects.count() == 1
    # Other languages are separate dictionaries.
    entry_create(user=editor, term_original=again, term_corrected="implante", language_code="es")


def test_duplicates_by_full_case_folding_are_refused(editor):
    entry_create(user=editor, term_original="Straße", term_corrected="street", language_code="de")
    with pytest.raises(ValidationError, match="ignores case"):
        entry_create(user=editor, term_original="STRASSE", term_corrected="x", language_code="de")


def test_an_archived_duplicate_says_to_restore_it(editor):
    entry = entry_create(user=editor, term_original="implane", term_corrected="implant")
    entry_set_archived(entry=entry, archived=True, user=editor)
    with pytest.raises(ValidationError, match="archived: restore it"):
        entry_create(user=editor, term_original="Implane", term_corrected="implant")


def test_update_changes_the_matcher_and_records_before(editor):
    entry = entry_create(user=editor, term_original="implane", term_corrected="implant")
    assert glossary_apply(text="implane", language_code="en")[0] == "implant"
    entry = entry_update(
        entry=entry,
        user=editor,
        term_original="implane",
        term_corrected="dental implant",
        language_code="en",
        context="surgical",
    )
    assert glossary_apply(text="implane", language_code="en")[0] == "dental implant"
    activity = Activity.objects.get(target_id=entry.pk, action="dictionary.update")
    assert activity.details["before"]["term_corrected"] == "implant"


def test_update_to_another_language_moves_the_entry(editor):
    entry = entry_create(user=editor, term_original="implane", term_corrected="implant")
    glossary_apply(text="implane", language_code="en")
    entry_update(
        entry=entry,
        user=editor,
        term_original="implane",
        term_corrected="implante",
        language_code="es",
    )
    assert glossary_apply(text="implane", language_code="en") == ("implane", [])
    assert glossary_apply(text="implane", language_code="es")[0] == "implante"


def test_update_refuses_a_case_variant_of_another_entry_but_not_itself(editor):
    entry_create(user=editor, term_original="implane", term_corrected="implant")
    other = entry_create(user=editor, term_original="implnt", term_corrected="implant")
    with pytest.raises(ValidationError, match="already in the en dictionary"):
        entry_update(
            entry=other,
            user=editor,
            term_original="IMPLANE",
            term_corrected="implant",
            language_code="en",
        )
    # Changing only the case of its own original is fine.
    renamed = entry_update(
        entry=other,
        user=editor,
        term_original="Implnt",
        term_corrected="implant",
        language_code="en",
    )
    assert renamed.term_original == "Implnt"


def test_update_based_on_an_old_version_is_refused(editor):
    entry = entry_create(user=editor, term_original="implane", term_corrected="implant")
    seen = edit_token(entry)
    entry_update(
        entry=entry, user=editor, term_original="implane", term_corrected="x", language_code="en"
    )
    with pytest.raises(StaleEdit, match="Someone else saved this glossary entry"):
        entry_update(
            entry=entry,
            user=editor,
            term_original="implane",
            term_corrected="y",
            language_code="en",
            based_on=seen,
        )
    assert DictionaryEntry.objects.get().term_corrected == "x"


def test_restore_is_refused_when_an_active_case_variant_exists(editor):
    entry_create(user=editor, term_original="straße", term_corrected="street", language_code="de")
    # Only a row written around the services can get here (SQL lower() keeps ß apart).
    old = DictionaryEntryFactory(term_original="STRASSE", language_code="de", archived=True)
    with pytest.raises(ValidationError, match="cannot be restored"):
        entry_set_archived(entry=old, archived=False, user=editor)
    old.refresh_from_db()
    assert old.archived


def test_archive_and_restore_are_audited(editor):
    entry = entry_create(user=editor, term_original="implane", term_corrected="implant")
    entry_set_archived(entry=entry, archived=True, user=editor)
    entry_set_archived(entry=entry, archived=False, user=editor)
    actions = list(
        Activity.objects.filter(target_id=entry.pk)
        .order_by("created_at")
        .values_list("action", flat=True)
    )
    assert actions == ["dictionary.create", "dictionaryentry.archive", "dictionaryentry.restore"]


# --- the built matcher: reuse and invalidation ---------------------------------------------


def test_the_matcher_is_built_once_and_reused_until_a_write(editor, django_assert_num_queries):
    seed_entries(editor)
    first = registry.matcher_for("en")
    with django_assert_num_queries(0):
        assert registry.matcher_for("en") is first
    entry_create(user=editor, term_original="crwn", term_corrected="crown")
    rebuilt = registry.matcher_for("en")
    assert rebuilt is not first and len(rebuilt) == 7
    # A write in another language leaves this one alone.
    entry_create(user=editor, term_original="faceta", term_corrected="carilla", language_code="es")
    assert registry.matcher_for("en") is rebuilt


def test_an_edit_is_layered_over_the_built_matcher_not_rebuilt(editor, django_assert_num_queries):
    seed_entries(editor)
    built = registry.matcher_for("en")
    crown = entry_create(user=editor, term_original="crwn", term_corrected="crown")
    implane = DictionaryEntry.objects.get(term_original="implane")
    entry_set_archived(entry=implane, archived=True, user=editor)
    # One query for the changed entries, however many entries the language has.
    with django_assert_num_queries(1):
        current = registry.matcher_for("en")
    assert current._base is built and len(current) == 6
    assert glossary_apply(text="crwn implane", language_code="en")[0] == "crown implane"
    entry_update(
        entry=crown,
        user=editor,
        term_original="crwon",
        term_corrected="crown",
        language_code="en",
    )
    assert glossary_apply(text="crwn crwon", language_code="en")[0] == "crwn crown"
    assert registry.matcher_for("en")._base is built


def test_too_many_changes_or_a_lost_record_rebuild_the_matcher(editor, monkeypatch):
    from django.core.cache import cache

    seed_entries(editor)
    built = registry.matcher_for("en")
    entry_create(user=editor, term_original="crwn", term_corrected="crown")
    cache.delete_many([f"glossary:matcher-change:en:{n}" for n in range(1, 100)])
    rebuilt = registry.matcher_for("en")
    assert rebuilt._base is rebuilt and rebuilt is not built
    monkeypatch.setattr(registry, "MAX_LAYERED_CHANGES", 1)
    entry_create(user=editor, term_original="brdge", term_corrected="bridge")
    entry_create(user=editor, term_original="pulpp", term_corrected="pulp")
    again = registry.matcher_for("en")
    assert again._base is again and len(again) == 9


def test_duplicates_are_found_by_the_indexed_key_not_by_reading_every_entry(editor):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    DictionaryEntryFactory.create_batch(50)
    entry_create(user=editor, term_original="Straße", term_corrected="street", language_code="de")
    with CaptureQueriesContext(connection) as queries, pytest.raises(ValidationError) as refused:
        entry_create(user=editor, term_original="STRASSE", term_corrected="x", language_code="de")
    assert "already in the de dictionary as “Straße”" in str(refused.value)
    lookups = [q["sql"] for q in queries if 'FROM "dictionary"' in q["sql"]]
    assert lookups and all("term_key" in sql for sql in lookups)


def test_saves_outside_the_services_also_invalidate(editor):
    seed_entries(editor)
    first = registry.matcher_for("en")
    DictionaryEntryFactory(term_original="crwn", term_corrected="crown")
    assert registry.matcher_for("en") is not first
    assert glossary_apply(text="crwn", language_code="en")[0] == "crown"
    # The language's word-boundary rule is part of the matcher too.
    english = Language.objects.get(code="en")
    english.word_boundaries = False
    english.save()
    assert glossary_apply(text="xcrwnx", language_code="en")[0] == "xcrownx"


def test_a_lost_cache_entry_forces_a_rebuild(editor):
    from django.core.cache import cache

    seed_entries(editor)
    first = registry.matcher_for("en")
    cache.clear()
    assert registry.matcher_for("en") is not first


SUBPROCESS = textwrap.dedent(
    """
    import django, sys
    django.setup()
    from accounts.models import User
    from glossary.services import entry_create
    user = User.objects.get(email=sys.argv[1])
    entry_create(user=user, term_original="crwn", term_corrected="crown")
    print("written")
    """
)


# Committed data, so the other process sees it (the root conftest re-seeds afterwards).
@pytest.mark.django_db(transaction=True)
def test_a_write_in_another_process_rebuilds_this_process_matcher(editor):
    seed_entries(editor)
    assert glossary_apply(text="crwn implane", language_code="en")[0] == "crwn implant"
    built = registry.matcher_for("en")

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "max_site.test_settings",
        "DATABASE_URL": _database_url(),
    }
    result = subprocess.run(
        [sys.executable, "-c", SUBPROCESS, editor.email],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "written" in result.stdout

    assert registry.matcher_for("en") is not built
    assert glossary_apply(text="crwn implane", language_code="en")[0] == "crown implant"


def _database_url() -> str:
    s = connection.settings_dict
    user = s["USER"] or "postgres"
    password = f":{s['PASSWORD']}" if s["PASSWORD"] else ""
    return f"postgres://{user}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


# --- a new process reads the matcher's file instead of building it -------------------------


def _dictionary_reads(queries) -> list[str]:
    return [q["sql"] for q in queries if 'FROM "dictionary"' in q["sql"]]


# Committed data: only a build from committed entries is written for other processes.
@pytest.mark.django_db(transaction=True)
def test_a_new_process_reads_the_matcher_file_written_after_a_bulk_import(
    editor, settings, tmp_path
):
    from django.core.cache import cache
    from django.test.utils import CaptureQueriesContext

    from glossary.services import glossary_import_file

    settings.VAR_DIR = tmp_path
    rows = "".join(f"term{n}x,term{n},en\n" for n in range(600)).encode()
    report = glossary_import_file(
        user=editor, filename="big.csv", data=b"term_original,term_corrected,language_code\n" + rows
    )
    assert report.imported and len(report.added) == 600
    # The import (more entries than are recorded one by one) built the matcher after its
    # commit and wrote it down.
    assert list((tmp_path / "glossary").iterdir()) == [tmp_path / "glossary" / "matcher-en.bin"]

    registry._built.clear()  # what a process that has not used the glossary yet has
    with CaptureQueriesContext(connection) as queries:
        assert glossary_apply(text="Term7x and term599x", language_code="en")[0] == (
            "Term7 and term599"
        )
    # Only the usage count is written; no entry is read.
    assert all(sql.startswith("UPDATE") for sql in _dictionary_reads(queries))

    # Entries written since the file: read one by one and layered over it.
    entry_create(user=editor, term_original="crwn", term_corrected="crown")
    entry = DictionaryEntry.objects.get(term_original="term7x")
    entry_set_archived(entry=entry, archived=True, user=editor)
    registry._built.clear()
    with CaptureQueriesContext(connection) as queries:
        matcher = registry.matcher_for("en")
    assert len(_dictionary_reads(queries)) == 1 and len(matcher) == 600
    assert glossary_find(text="crwn term7x term8x", language_code="en")[0].replacement == "crown"
    assert [m.text for m in glossary_find(text="crwn term7x term8x", language_code="en")] == [
        "crwn",
        "term8x",
    ]

    # A file of another base (the cache was lost, so nothing says which changes it lacks)
    # is not trusted: the matcher is built from the entries and the file replaced.
    cache.clear()
    registry._built.clear()
    with CaptureQueriesContext(connection) as queries:
        rebuilt = registry.matcher_for("en")
    assert any("archived" in sql for sql in _dictionary_reads(queries))
    assert len(rebuilt) == 600 and rebuilt._base is rebuilt
    registry._built.clear()
    with CaptureQueriesContext(connection) as queries:
        assert len(registry.matcher_for("en")) == 600
    assert not _dictionary_reads(queries)


@pytest.mark.django_db(transaction=True)
def test_an_unreadable_matcher_file_is_rebuilt_not_an_error(editor, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    seed_entries(editor)
    registry._built.clear()
    registry.matcher_for("en")  # built outside a transaction: written
    path = tmp_path / "glossary" / "matcher-en.bin"
    label = path.read_bytes().split(b"\n", 1)[0]
    path.write_bytes(label + b"\ngarbage")
    registry._built.clear()
    assert glossary_apply(text="implane", language_code="en")[0] == "implant"
    assert path.read_bytes() != label + b"\ngarbage"


def test_a_build_inside_a_transaction_is_not_written_for_other_processes(
    editor, settings, tmp_path
):
    settings.VAR_DIR = tmp_path
    seed_entries(editor)
    registry._built.clear()
    registry.matcher_for("en")
    assert not (tmp_path / "glossary").exists()


def test_a_starting_worker_loads_every_language_with_entries(editor, django_assert_num_queries):
    seed_entries(editor)
    entry_create(user=editor, term_original="faceta", term_corrected="carilla", language_code="es")
    registry._built.clear()
    registry.matcher_warm()
    assert sorted(registry._built) == ["en", "es"]
    with django_assert_num_queries(0):
        assert glossary_find(text="faceta", language_code="es")[0].replacement == "carilla"
