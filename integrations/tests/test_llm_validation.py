"""How strictly a translation reply is judged to be in the target language."""

import pytest

from integrations.errors import parse_retry_after
from integrations.llm import echo_problem, script_problem


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("zh", "我们今天讨论种植体。"),
        ("zh", "使用 CBCT 扫描 Invisalign SmartTrack 材料"),  # Latin names inside Chinese
        ("zh", "Invisalign SmartTrack"),  # a name alone stays a name
        ("hi", "आज हम इम्प्लांट के बारे में बात करेंगे।"),
        ("ar", "اليوم نتحدث عن زراعة الأسنان."),
        ("es", "Hoy hablamos de carillas de cerámica."),
        ("de", "Invisalign SmartTrack und CBCT in der Praxis"),
        ("fr", "3D, CBCT"),
    ],
)
def test_plausible_translations_pass(language, text):
    assert script_problem(text=text, target_language=language) is None


@pytest.mark.parametrize(
    ("language", "text", "problem"),
    [
        ("zh", "Today we talk about implants.", "not in Chinese"),
        ("hi", "Today we talk about implants.", "not in Hindi"),
        ("ar", "Today we talk about implants.", "not in Arabic"),
        ("ar", "आज हम इम्प्लांट के बारे में बात करेंगे।", "not in Arabic"),
        ("es", "我们今天讨论种植体和牙冠修复。", "not in Spanish"),
    ],
)
def test_clearly_wrong_languages_are_refused(language, text, problem):
    assert problem in script_problem(text=text, target_language=language)


def test_an_untranslated_batch_is_refused_but_a_single_name_is_not():
    sources = {1: "Today we talk about implants.", 2: "The crown is made of zirconia today."}
    assert "untranslated" in echo_problem(texts=sources, sources=sources, target_language="es")
    names = {1: "Invisalign SmartTrack", 2: "Dr. Soto"}
    assert echo_problem(texts=names, sources=names, target_language="es") is None
    partly = {**sources, 2: "La corona es de zirconio hoy."}
    assert echo_problem(texts=partly, sources=sources, target_language="es") is None


def test_retry_after_reads_seconds_milliseconds_and_dates():
    assert parse_retry_after({"retry-after": "12"}) == 12
    assert parse_retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert parse_retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0
    assert parse_retry_after({}) is None
