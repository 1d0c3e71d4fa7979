"""What produced a text, in words: engine names and version labels explained."""

import pytest

from documents.labels import engine_label, version_label_explained


@pytest.mark.parametrize(
    ("engine", "model", "expected"),
    [
        ("local", "pocketsphinx-en-us", "PocketSphinx, offline"),
        ("local", "tiny.en", "Whisper tiny.en, offline (faster-whisper)"),
        ("openai", "whisper-1", "OpenAI whisper-1"),
        ("openai", "", "OpenAI whisper-1"),
        ("sonix", "sonix", "Sonix"),
        ("", "", ""),
        (None, None, ""),
    ],
)
def test_engine_label_names_what_really_ran(engine, model, expected):
    assert engine_label(engine, model) == expected


def test_the_label_recorded_when_the_transcript_was_made_wins():
    assert engine_label("local", "x", "Whisper small.en, offline (faster-whisper)") == (
        "Whisper small.en, offline (faster-whisper)"
    )


@pytest.mark.parametrize(
    ("label", "kwargs", "expected"),
    [
        ("T-1", {}, "T-1: the machine transcript, before any human edit."),
        (
            "T-1",
            {"engine": "PocketSphinx"},
            "T-1: the machine transcript by PocketSphinx, before any human edit.",
        ),
        (
            "H-3",
            {},
            "H-3: the 3rd human version of the English transcript, saved by an editor from "
            "the machine transcript T-1.",
        ),
        ("H-11", {}, "H-11: the 11th human version"),
        (
            "H-3-ar",
            {},
            "H-3-ar: the Arabic translation of English H-3, edited by a person.",
        ),
        (
            "T-1-es",
            {},
            "T-1-es: the machine translation into Spanish, not edited by a person.",
        ),
        (
            "T-2-es",
            {"language": "Español", "engine": "Claude"},
            "T-2-es: the machine translation into Español by Claude (the 2nd machine run for "
            "Español), not edited by a person.",
        ),
        (
            "T-1-es",
            {"human": True},
            "T-1-es: the Spanish translation of the unedited machine transcript T-1, edited by "
            "a person.",
        ),
        ("draft", {}, "draft"),
        ("", {}, ""),
    ],
)
def test_version_labels_are_explained(label, kwargs, expected):
    assert version_label_explained(label, **kwargs).startswith(expected)
