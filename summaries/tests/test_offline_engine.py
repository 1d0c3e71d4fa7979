"""The offline stand-in drafts from the content of the summaries' prompts, never from
their instructions (here, not in integrations: the prompts are the summaries app's)."""

import importlib

import pytest

from integrations.llm_offline import OFFLINE_LABEL, OfflineChatEngine
from summaries.texts import prompt_fill

SEED_TEMPLATES = importlib.import_module(
    "summaries.migrations.0002_seed_prompt_templates"
).TEMPLATES


@pytest.mark.parametrize("name", sorted(SEED_TEMPLATES))
def test_a_short_transcript_is_drafted_from_not_the_instructions(name):
    # A ten-second clip: shorter than each template's instructions.
    transcript = "hello everyone please open your books now"
    prompt = prompt_fill(SEED_TEMPLATES[name], transcript)

    draft = OfflineChatEngine().complete(system="", prompt=prompt)

    assert draft == f"{OFFLINE_LABEL} {transcript}"


def test_the_content_keeps_its_paragraphs_and_stops_after_three_sentences():
    prompt = prompt_fill(
        SEED_TEMPLATES["email_summary"],
        "Welcome, Dr. Soto. Today: root canals.\n\nFirst, isolate the tooth. Then irrigate.",
    )

    draft = OfflineChatEngine().complete(system="", prompt=prompt)

    assert (
        draft == f"{OFFLINE_LABEL} Welcome, Dr. Soto. Today: root canals. First, isolate the tooth."
    )


def test_without_a_content_label_the_longest_paragraph_is_used():
    prompt = "Part 2 of 3:\n\nThe implant is placed after the extraction heals. It takes weeks."

    draft = OfflineChatEngine().complete(system="", prompt=prompt)

    assert draft == (
        f"{OFFLINE_LABEL} The implant is placed after the extraction heals. It takes weeks."
    )
