"""QA checks, one by one, with the cases where languages rightly differ."""

import pytest

from translations import qa


@pytest.mark.parametrize(
    ("source", "target", "language"),
    [
        ("The implant is 2.5 mm wide, tooth 36, 30 % of cases.", "2,5 mm, diente 36, 30 %.", "es"),
        ("2.5 mm and 30 %", "٢٫٥ مم و ٣٠٪", "ar"),  # Arabic-Indic digits and signs
        ("Tooth 36 at 2.5 mm.", "牙齿 36，2.5 毫米。", "zh"),  # a unit in words
        ("1,000 patients", "1.000 pacientes", "es"),
        ("1,000 patients", "1 000 patients", "fr"),
        ("Two teeth, then 3 more.", "Dos dientes, luego tres más.", "es"),  # small ones as words
        ("Wait 1.5 seconds.", "Warten Sie 1,5 Sekunden.", "de"),
    ],
)
def test_numbers_written_differently_pass(source, target, language):
    assert qa.check_numbers(source, target, language_code=language) == []


def test_numbers_and_units_that_differ_are_errors():
    issues = qa.check_numbers("tooth 36, 2.5 mm", "diente 37, 2,5 cm", language_code="es")
    messages = [i.message for i in issues]
    assert messages == [
        "Missing from the translation: 36",
        "Unit differs for: 2.5 mm",
        "Not in the English: 37",
    ]
    assert qa.check_numbers("30 % of cases", "30 casos", language_code="es")[0].message == (
        "Unit differs for: 30 %"
    )


def test_untranslated_placeholder_and_empty():
    assert qa.check_untranslated("Good morning everyone here.", "good morning, everyone here")
    assert qa.check_untranslated("OK.", "OK.") == []  # short ones may be the same
    assert qa.check_untranslated(
        "Hello there all.", "[draft es] Hello", placeholder_label="[draft es]"
    )
    assert qa.check_untranslated("Hello.", " ")[0].message == "Empty translation"


def test_budget_is_a_warning():
    (issue,) = qa.check_budget("x" * 30, budget=20)
    assert issue.severity == qa.WARNING and qa.check_budget("x" * 20, budget=20) == []


@pytest.mark.parametrize(
    ("source", "target", "bad"),
    [
        ('He said "yes" (loudly).', "Er sagte „ja“ (laut).", False),  # German quotes
        ('He said "yes".', "Il a dit « oui ».", False),
        ("(see figure 2)", "（见图2）", False),
        ("A quote that goes on", "Une citation « qui continue", True),
        ("(see figure 2)", "(voir figure 2", True),
        ('"Half a quote', "« Une demi-citation", False),  # the English cuts it too
    ],
)
def test_brackets_and_quotes(source, target, bad):
    assert bool(qa.check_brackets(source, target)) is bad


def test_glossary_terms_missing_whole_words_only():
    finder = qa.TermFinder(
        [
            qa.TermPair(("veneers", "venners"), "veneers", "carillas"),
            qa.TermPair((), "crown", "corona"),
        ]
    )
    issues = qa.check_glossary("Place the venners.", "Coloque las facetas.", finder=finder)
    assert [i.message for i in issues] == ["“veneers” should read “carillas”"]
    assert qa.check_glossary("Place the veneers.", "Coloque las carillas.", finder=finder) == []
    assert qa.check_glossary("The crowning moment.", "El momento.", finder=finder) == []
    zh = qa.TermFinder([qa.TermPair((), "crown", "牙冠")])
    assert qa.check_glossary("The crown.", "这个牙冠。", finder=zh, word_boundaries=False) == []


def test_document_issues_and_summary():
    segments = [
        {"id": 0, "start": 0.0, "end": 1.0, "text": "Diente 37 (arriba"},
        {"id": 1, "start": 1.0, "end": 2.0, "text": "Hola."},
        {"id": 2, "start": 2.0, "end": 2.5, "text": "Una frase demasiado larga para el tiempo."},
        {"id": 3, "start": 3.0, "end": 9.0, "text": "good morning, everyone here"},
    ]
    english = {
        0: "Tooth 36 (upper)",
        1: "Hello.",
        2: "A short one.",
        3: "Good morning everyone here.",
    }
    issues = qa.document_issues(english, segments, language_code="es", chars_per_second=17)
    assert sorted(issues) == [0, 2, 3]
    summary = qa.summary(issues.values())
    assert (summary["errors"], summary["warnings"]) == (2, 1)
    assert {c["check"]: c["count"] for c in summary["checks"]} == {
        "numbers": 1,
        "untranslated": 1,
        "budget": 1,
        "brackets": 1,
    }


def test_document_pass_finds_what_the_segment_checks_find():
    # The document pass (one automaton pass over the English, cheap gates before each
    # check) reports exactly what segment_issues reports segment by segment.
    finder = qa.TermFinder(
        [
            qa.TermPair(("veneers",), "veneers", "carillas"),
            qa.TermPair(("straße",), "straße", "calle"),
            qa.TermPair(("root canal",), "root canal", "endodoncia"),
        ]
    )
    english = {
        0: "Place the veneers (2.5 mm).",
        1: "Die Straße is 36 m long.",
        2: "A root canal\ntakes 30 % longer.",
        3: "The root\ncanal again.",
        4: '"Quoted (text)" here, tooth 36.',
        5: "Good morning everyone here.",
        6: "veneers",
        7: "Tooth ٣٦ at 2,500 mm.",
        8: "Nothing to check in this one at all.",
    }
    targets = [
        "Coloque las facetas (2,5 mm).",
        "La calle mide 37 m.",
        "Una endodoncia tarda un 30 % más.",
        "La raíz otra vez.",
        "«Citado (texto) aquí, diente 36.",
        "good morning, everyone here",
        "carillas",
        "Diente 36 a 2.500 cm.",
        "Nada que revisar.",
    ]
    segments = [
        {"id": i, "start": i * 2.0, "end": i * 2.0 + 1.5, "text": t} for i, t in enumerate(targets)
    ]
    found = qa.document_issues(
        english, segments, language_code="es", finder=finder, chars_per_second=17
    )
    expected = {}
    for i, seg in enumerate(segments):
        issues = qa.segment_issues(
            english[i],
            seg["text"],
            language_code="es",
            finder=finder,
            budget=int(1.5 * 17),
        )
        if issues:
            expected[i] = issues
    assert found == expected
    assert qa.check_glossary(english[2], targets[2], finder=finder) == []
    assert found[0][0].message == "“veneers” should read “carillas”"
    assert "numbers" in {i.check for i in found[1]} and 3 not in found
    assert finder.in_document(english) == {
        k: pairs for k, text in english.items() if (pairs := finder.in_text(text))
    }
