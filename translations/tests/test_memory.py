"""The translation memory: exact and fuzzy matches, TMX both ways."""

import pytest

from translations.memory import document_matches, exact_matches, normalise, tmx_read, tmx_write
from translations.models import TranslationMemory
from translations.services_review import tm_import, tm_store

pytestmark = pytest.mark.django_db


def test_exact_matches_ignore_whitespace_and_case_and_a_review_replaces_the_entry(editor):
    tm_store(
        pairs=[("Thank you,  Dr. Soto.", "Gracias, Dr. Soto.")], target_language="es", user=editor
    )
    tm_store(
        pairs=[("thank you, dr. soto.", "Muchas gracias, Dr. Soto.")],
        target_language="es",
        user=editor,
    )
    assert TranslationMemory.objects.count() == 1
    found = exact_matches(["THANK YOU, Dr.   Soto.", "Something else.", ""], target_language="es")
    assert list(found) == [0] and found[0].target_text == "Muchas gracias, Dr. Soto."
    assert exact_matches(["Thank you, Dr. Soto."], target_language="de") == {}
    assert normalise(" A  b\tC ") == "a b c"


def test_fuzzy_matches_at_75_percent_or_more(editor):
    tm_store(
        pairs=[
            (
                "Place the ceramic veneers on the upper incisors.",
                "Coloque las carillas de cerámica.",
            ),
            ("The implant needs six weeks to heal.", "El implante necesita seis semanas."),
            ("Completely unrelated sentence about billing.", "Facturación."),
        ],
        target_language="es",
        user=editor,
    )
    texts = [
        "Place the ceramic veneers on the lower incisors.",  # close: offered
        "The implant needs eight weeks before loading the crown.",  # under 75 %: not offered
        "Place the ceramic veneers on the upper incisors.",  # exact
    ]
    found = document_matches(texts, target_language="es")
    assert [m.target_text for m in found[0]] == ["Coloque las carillas de cerámica."]
    assert 75 <= found[0][0].score < 100
    assert 1 not in found
    assert found[2][0].score == 100
    # A new entry is seen at once (the index notices the memory changed).
    tm_store(
        pairs=[("The implant needs eight weeks.", "Ocho semanas.")],
        target_language="es",
        user=editor,
    )
    assert document_matches(["The implant needs eight weeks!"], target_language="es")[0]


def test_tmx_round_trip(editor):
    tm_store(
        pairs=[("Tooth 36 <distal>", "Diente 36 <distal> & más"), ("Hello.", "Hola.")],
        target_language="es",
        user=editor,
    )
    tm_store(pairs=[("Hello.", "你好。")], target_language="zh", user=editor)
    body = tmx_write(TranslationMemory.objects.order_by("target_language", "source_key"))
    assert b'<tmx version="1.4">' in body and b'srclang="en"' in body
    units = tmx_read(body)
    assert {(u.target_language, u.source_text, u.target_text) for u in units} == {
        ("es", "Tooth 36 <distal>", "Diente 36 <distal> & más"),
        ("es", "Hello.", "Hola."),
        ("zh", "Hello.", "你好。"),
    }
    TranslationMemory.objects.all().delete()
    assert tm_import(units=units, user=editor, target_languages={"es"}) == 2
    assert set(TranslationMemory.objects.values_list("target_text", flat=True)) == {
        "Diente 36 <distal> & más",
        "Hola.",
    }


def test_tmx_refuses_what_is_not_tmx():
    with pytest.raises(ValueError, match="Not a TMX"):
        tmx_read(b"<html></html>")
    with pytest.raises(ValueError, match="document type"):
        tmx_read(b'<?xml version="1.0"?><!DOCTYPE tmx [<!ENTITY a "b">]><tmx/>')
    with pytest.raises(ValueError, match="Not a TMX"):
        tmx_read(b"not xml")


def test_tmx_command_and_pages_export_and_import(editor, editor_client, tmp_path):
    from django.core.management import call_command
    from django.urls import reverse

    tm_store(pairs=[("Hello.", "Hola.")], target_language="es", user=editor)
    call_command("translation_memory", "export", str(tmp_path / "m.tmx"), "--language", "es")
    TranslationMemory.objects.all().delete()
    call_command("translation_memory", "import", str(tmp_path / "m.tmx"))
    assert TranslationMemory.objects.get().target_text == "Hola."
    response = editor_client.get(reverse("translations:memory_export") + "?language=es")
    assert b"<seg>Hola.</seg>" in response.content
    with open(tmp_path / "m.tmx", "rb") as handle:
        body = handle.read().replace(b"Hola.", b"Hola a todos.")
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = editor_client.post(
        reverse("translations:memory_import"),
        {"tmx": SimpleUploadedFile("m.tmx", body), "next": "/"},
        follow=True,
    )
    assert "Imported 1 translation memory entries." in page.content.decode()
    assert TranslationMemory.objects.get().target_text == "Hola a todos."
    bad = editor_client.post(
        reverse("translations:memory_import"),
        {"tmx": SimpleUploadedFile("m.tmx", b"<html/>"), "next": "/"},
        follow=True,
    )
    assert "Not a TMX file" in bad.content.decode()


def test_tmx_import_refuses_hostile_and_garbage_files_and_changes_nothing(editor, editor_client):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    def unit(en, es):
        return (
            f'<tu><tuv xml:lang="en"><seg>{en}</seg></tuv>'
            f'<tuv xml:lang="es"><seg>{es}</seg></tuv></tu>'
        )

    def tmx(body, head='<?xml version="1.0" encoding="UTF-8"?>'):
        return f'{head}<tmx version="1.4"><header srclang="en"/><body>{body}</body></tmx>'

    laughs = "".join(
        f'<!ENTITY l{i} "{"".join(f"&l{i - 1};" for _ in range(10))}">' for i in range(1, 9)
    )
    files = {
        # Entities, hidden from the byte check by UTF-16: expat's amplification limit.
        "laughs": tmx(
            unit("&l8;", "x"),
            '<?xml version="1.0" encoding="UTF-16"?>'
            f'<!DOCTYPE tmx [<!ENTITY l0 "aaaaaaaaaa">{laughs}]>',
        ).encode("utf-16"),
        "xxe": tmx(
            unit("&x;", "x"),
            '<?xml version="1.0" encoding="UTF-16"?>'
            '<!DOCTYPE tmx [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
        ).encode("utf-16"),
        "latin1": tmx(unit("Café.", "Café."), '<?xml version="1.0"?>').encode("latin-1"),
        "nul": tmx(unit("Hello.", "Hola.")).encode().replace(b"Hola", b"Ho\x00la"),
        "png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
    }
    for name, body in files.items():
        page = editor_client.post(
            reverse("translations:memory_import"),
            {"tmx": SimpleUploadedFile(f"{name}.tmx", body), "next": "/"},
            follow=True,
        ).content.decode()
        assert "Not a TMX file" in page, name
    latin = editor_client.post(
        reverse("translations:memory_import"),
        {"tmx": SimpleUploadedFile("l.tmx", files["latin1"]), "next": "/"},
        follow=True,
    ).content.decode()
    assert "it is not UTF-8 and declares no other encoding" in latin
    assert not TranslationMemory.objects.exists()
    # A unit of 10,000 characters is no segment: skipped and said so; the rest imported.
    body = tmx(unit("Hello.", "Hola.") + unit("word " * 2_000, "palabra " * 2_000)).encode()
    page = editor_client.post(
        reverse("translations:memory_import"),
        {"tmx": SimpleUploadedFile("m.tmx", body), "next": "/"},
        follow=True,
    ).content.decode()
    assert "Skipped 1 unit longer than 5,000 characters" in page
    assert list(TranslationMemory.objects.values_list("target_text", flat=True)) == ["Hola."]
