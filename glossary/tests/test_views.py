"""The glossary pages and the admin, as an editor uses them."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from glossary.models import DictionaryEntry
from glossary.services import entry_create, entry_set_archived, glossary_apply
from glossary.tests.factories import DictionaryEntryFactory, seed_entries

pytestmark = pytest.mark.django_db

LIST = reverse("glossary:list")


def rows(response) -> list[str]:
    return [e.term_original for e in response.context["entries"]]


def test_pages_need_a_login(client):
    for url in (LIST, reverse("glossary:create"), reverse("glossary:import")):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


# --- list -------------------------------------------------------------------------------


def test_list_searches_filters_and_sorts(editor_client, editor):
    seed_entries(editor)
    entry_create(
        user=editor,
        term_original="faceta",
        term_corrected="carilla",
        language_code="es",
        context="prosthetics",
    )
    DictionaryEntry.objects.filter(term_original="periodontol").update(usage_count=7)
    DictionaryEntry.objects.filter(term_original="veneers").update(usage_count=3)

    assert rows(editor_client.get(LIST)) == [
        "ceramic crown",
        "endodontik",
        "faceta",
        "implane",
        "ortho-dontic",
        "periodontol",
        "veneers",
    ]
    assert rows(editor_client.get(LIST, {"q": "IMPLANT"})) == ["implane"]
    assert rows(editor_client.get(LIST, {"q": "crown"})) == ["ceramic crown"]
    assert rows(editor_client.get(LIST, {"language": "es"})) == ["faceta"]
    assert rows(editor_client.get(LIST, {"context": "prosth"})) == ["faceta", "veneers"]
    assert rows(editor_client.get(LIST, {"context": "prosthetics", "language": "en"})) == [
        "veneers"
    ]
    assert rows(editor_client.get(LIST, {"sort": "usage"}))[:3] == [
        "periodontol",
        "veneers",
        "ceramic crown",
    ]
    assert rows(editor_client.get(LIST, {"sort": "-name"}))[0] == "veneers"
    # Nonsense parameters fall back to the defaults instead of failing.
    response = editor_client.get(LIST, {"sort": "evil", "language": "xx", "status": "?"})
    assert response.status_code == 200 and len(rows(response)) == 7


def test_archived_entries_are_listed_apart_with_restore(editor_client, editor):
    entries = seed_entries(editor)
    entry_set_archived(entry=entries[1], archived=True, user=editor)
    assert "implane" not in rows(editor_client.get(LIST))
    response = editor_client.get(LIST, {"status": "archived"})
    assert rows(response) == ["implane"]
    assert reverse("glossary:restore", args=[entries[1].pk]) in response.content.decode()
    assert len(rows(editor_client.get(LIST, {"status": "all"}))) == 6


def test_list_is_paginated_with_a_fixed_number_of_queries(
    editor_client, system_user, django_assert_max_num_queries
):
    DictionaryEntryFactory.create_batch(60)
    with django_assert_max_num_queries(8):
        first = editor_client.get(LIST)
    assert len(rows(first)) == 50
    assert "Page 1 of 2" in first.content.decode()
    DictionaryEntryFactory.create_batch(60)
    with django_assert_max_num_queries(8):
        second = editor_client.get(LIST, {"page": 3})
    assert len(rows(second)) == 20


def test_user_text_is_escaped(editor_client, editor):
    entry_create(user=editor, term_original="<script>alert(1)</script>", term_corrected="x")
    body = editor_client.get(LIST).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


# --- create / edit / archive ----------------------------------------------------------------


def test_create_an_entry_and_it_applies_at_once(editor_client):
    response = editor_client.post(
        reverse("glossary:create"),
        {
            "term_original": "implane",
            "term_corrected": "implant",
            "language_code": "en",
            "context": "surgical",
        },
    )
    assert response.status_code == 302
    entry = DictionaryEntry.objects.get()
    assert (entry.term_corrected, entry.context) == ("implant", "surgical")
    assert glossary_apply(text="Implane", language_code="en")[0] == "Implant"


@pytest.mark.parametrize(
    ("original", "message"),
    [
        ("implane", "“implane” is already in the en dictionary"),
        ("Implane", "already in the en dictionary as “implane”"),
        ("...", "has no letter or digit"),
    ],
)
def test_create_form_shows_clear_errors(editor_client, editor, original, message):
    entry_create(user=editor, term_original="implane", term_corrected="implant")
    response = editor_client.post(
        reverse("glossary:create"),
        {"term_original": original, "term_corrected": "implant", "language_code": "en"},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert DictionaryEntry.objects.count() == 1


def test_create_form_refuses_control_characters_with_a_message(editor_client):
    response = editor_client.post(
        reverse("glossary:create"),
        {
            "term_original": "implane",
            "term_corrected": "implant",
            "language_code": "en",
            "context": "surg\x1bical",
        },
    )
    assert response.status_code == 400
    assert "The context contains an invisible control or invalid character (U+001B)" in (
        response.content.decode()
    )
    assert not DictionaryEntry.objects.exists()


def test_edit_an_entry(editor_client, editor):
    (entry,) = [e for e in seed_entries(editor) if e.term_original == "implane"]
    url = reverse("glossary:edit", args=[entry.pk])
    form = editor_client.get(url).context["form"]
    data = {**form.initial, "term_corrected": "dental implant", "next": f"{LIST}?q=impl"}
    response = editor_client.post(url, data)
    assert response.status_code == 302 and response["Location"] == f"{LIST}?q=impl"
    entry.refresh_from_db()
    assert entry.term_corrected == "dental implant"


def test_edit_after_someone_else_saved_is_refused(editor_client, editor, other_editor):
    entry = entry_create(user=editor, term_original="implane", term_corrected="implant")
    url = reverse("glossary:edit", args=[entry.pk])
    data = dict(editor_client.get(url).context["form"].initial)
    from glossary.services import entry_update

    entry_update(
        entry=entry,
        user=other_editor,
        term_original="implane",
        term_corrected="implant (dental)",
        language_code="en",
    )
    response = editor_client.post(url, {**data, "term_corrected": "mine"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else saved this glossary entry while you were editing it." in html
    assert "Correct term: “implant (dental)” (yours: “mine”)" in html
    assert 'value="mine"' in html  # the editor's text stays in the form
    entry.refresh_from_db()
    assert entry.term_corrected == "implant (dental)"
    # Saving again after seeing theirs replaces it, knowingly.
    response = editor_client.post(url, dict(response.context["form"].data))
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.term_corrected == "mine"


def test_archive_and_restore_are_post_buttons(editor_client, editor):
    entry = entry_create(user=editor, term_original="implane", term_corrected="implant")
    archive = reverse("glossary:archive", args=[entry.pk])
    assert editor_client.get(archive).status_code == 405
    response = editor_client.post(archive, {"next": f"{LIST}?q=x"})
    assert response["Location"] == f"{LIST}?q=x"
    entry.refresh_from_db()
    assert entry.archived
    assert glossary_apply(text="implane", language_code="en") == ("implane", [])
    # An outside "next" is ignored.
    response = editor_client.post(
        reverse("glossary:restore", args=[entry.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == LIST
    entry.refresh_from_db()
    assert not entry.archived


# --- import / export ----------------------------------------------------------------------


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_import_page_reports_what_it_did(editor_client, editor):
    entry_create(user=editor, term_original="veneers", term_corrected="veneers")
    csv = (
        b"term_original,term_corrected,language_code,context\n"
        b"implane,implant,en,\nveneers,veneers,en,\n"
    )
    response = editor_client.post(reverse("glossary:import"), {"file": upload("g.csv", csv)})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Added <strong>1</strong>" in body and "skipped <strong>1</strong>" in body
    assert "already in the dictionary, unchanged" in body
    assert DictionaryEntry.objects.count() == 2


def test_import_page_check_only(editor_client):
    csv = b"term_original,term_corrected\nimplane,implant\n"
    response = editor_client.post(
        reverse("glossary:import"), {"file": upload("g.csv", csv), "dry_run": "on"}
    )
    assert "Check passed" in response.content.decode()
    assert not DictionaryEntry.objects.exists()


def test_import_page_lists_problems_and_imports_nothing(editor_client):
    csv = b"term_original,term_corrected\nimplane,implant\n!!!,x\n"
    response = editor_client.post(reverse("glossary:import"), {"file": upload("g.csv", csv)})
    body = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was imported" in body and "line 3: The original term “!!!”" in body
    assert not DictionaryEntry.objects.exists()


def test_import_page_refuses_a_large_file_before_reading_it(editor_client, settings):
    settings.GLOSSARY_IMPORT_MAX_BYTES = 1000
    data = b"term_original,term_corrected\n" + b"implane,implant\n" * 200
    response = editor_client.post(reverse("glossary:import"), {"file": upload("big.csv", data)})
    assert "the largest glossary file Max imports is 0.0 MB" in response.content.decode()
    assert not DictionaryEntry.objects.exists()


def test_import_page_refuses_a_file_over_the_row_limit(editor_client, settings):
    settings.GLOSSARY_IMPORT_MAX_ROWS = 3
    data = b"term_original,term_corrected\n" + b"".join(b"t%d,t%d\n" % (n, n) for n in range(4))
    response = editor_client.post(reverse("glossary:import"), {"file": upload("g.csv", data)})
    assert response.status_code == 400
    assert "The file has 4 entries; Max imports at most 3 at a time." in response.content.decode()
    assert not DictionaryEntry.objects.exists()


def test_import_report_summarises_instead_of_echoing_every_row(editor_client):
    data = b"term_original,term_corrected\n" + b"".join(
        b"term%03d,term%03d\n" % (n, n) for n in range(150)
    )
    response = editor_client.post(reverse("glossary:import"), {"file": upload("g.csv", data)})
    body = response.content.decode()
    assert "Added <strong>150</strong>" in body
    assert "term099" in body and "term100" not in body
    assert "… and 50 more." in body
    assert DictionaryEntry.objects.count() == 150


def test_import_page_wrong_encoding(editor_client):
    data = "term_original,term_corrected\nprótesis,prótesis\n".encode("cp1252")
    response = editor_client.post(reverse("glossary:import"), {"file": upload("g.csv", data)})
    assert "not UTF-8 text" in response.content.decode()


def test_export_csv_and_tbx_follow_the_filters(editor_client, editor):
    seed_entries(editor)
    entry_create(user=editor, term_original="faceta", term_corrected="carilla", language_code="es")
    response = editor_client.get(reverse("glossary:export", args=["csv"]), {"language": "es"})
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines == [
        "term_original,term_corrected,language_code,context,usage_count,source_term",
        "faceta,carilla,es,,0,",
    ]
    response = editor_client.get(reverse("glossary:export", args=["tbx"]))
    body = response.content.decode()
    assert body.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert body.count("<termEntry") == 7
    assert editor_client.get("/glossary/export.pdf").status_code == 404


# --- admin --------------------------------------------------------------------------------


def test_admin_add_edit_and_archive_go_through_the_services(admin_client_, staff_admin):
    add = reverse("admin:glossary_dictionaryentry_add")
    response = admin_client_.post(
        add,
        {
            "term_original": "implane",
            "term_corrected": "implant",
            "language_code": "en",
            "context": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = DictionaryEntry.objects.get()
    assert entry.created_by == staff_admin
    assert glossary_apply(text="implane", language_code="en")[0] == "implant"

    change = reverse("admin:glossary_dictionaryentry_change", args=[entry.pk])
    response = admin_client_.post(
        change,
        {
            "term_original": "implane",
            "term_corrected": "dental implant",
            "language_code": "en",
            "context": "surgical",
        },
    )
    assert response.status_code == 302
    assert glossary_apply(text="implane", language_code="en")[0] == "dental implant"

    # Duplicates (ignoring case) and empty terms are form errors, not crashes.
    response = admin_client_.post(
        add, {"term_original": "IMPLANE", "term_corrected": "x", "language_code": "en"}
    )
    assert response.status_code == 200
    assert "already in the en dictionary" in response.content.decode()
    response = admin_client_.post(
        add, {"term_original": "--", "term_corrected": "x", "language_code": "en"}
    )
    assert "has no letter or digit" in response.content.decode()
    response = admin_client_.post(
        add,
        {
            "term_original": "crwn",
            "term_corrected": "crown",
            "language_code": "en",
            "context": "\x07",
        },
    )
    assert response.status_code == 200
    assert "control or invalid character (U+0007)" in response.content.decode()

    changelist = reverse("admin:glossary_dictionaryentry_changelist")
    admin_client_.post(
        changelist, {"action": "archive_selected", "_selected_action": [str(entry.pk)]}
    )
    entry.refresh_from_db()
    assert entry.archived
    assert glossary_apply(text="implane", language_code="en") == ("implane", [])
