"""The caption builder (DESIGN.md "Captions and timing budgets"): properties over generated
speech, one lecture sentence in each of the eight languages, and exports read back with
the subtitle libraries."""

from __future__ import annotations

import io
import itertools

import pytest
import srt
import webvtt
from hypothesis import given
from hypothesis import strategies as st

from documents.captions import (
    RLM,
    CaptionProfile,
    CaptionSegment,
    build_cues,
    tokenize,
)
from documents.exports import ExportSource, export_document

PROFILE = CaptionProfile()
WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzáéñ.,", min_size=1, max_size=14).filter(
    lambda w: w.strip(".,")
)


def _timed(words: list[str], durations: list[float], gaps: list[float], start: float = 0.0):
    timed, t = [], start
    for word, duration, gap in zip(words, durations, gaps, strict=False):
        timed.append({"word": word, "start": round(t, 3), "end": round(t + duration, 3)})
        t += duration + gap
    return timed


@st.composite
def readable_speech(draw):
    """Segments whose every word could be read on its own within the profile: each word
    lasts long enough for its characters (and a space) and for the shortest cue, no longer
    than a cue may, and is followed by at least the minimum gap."""
    segments, t = [], 0.0
    for index in range(draw(st.integers(1, 4))):
        words = draw(st.lists(WORD, min_size=1, max_size=30))
        durations = [
            draw(
                st.floats(
                    max(PROFILE.min_duration, (len(w) + 1) / PROFILE.chars_per_second) + 0.01,
                    2.5,
                )
            )
            for w in words
        ]
        gaps = [draw(st.floats(PROFILE.min_gap + 0.01, 0.6)) for _ in words]
        timed = _timed(words, durations, gaps, t)
        end = timed[-1]["end"]
        segments.append(
            CaptionSegment(
                index=index, id=index, start=t, end=end, text=" ".join(words), words=timed
            )
        )
        t = end + gaps[-1]
    return segments


@st.composite
def any_speech(draw):
    """Segments with any timing at all: overlapping, instant, far too fast, untimed words."""
    segments, t = [], 0.0
    for index in range(draw(st.integers(1, 4))):
        words = draw(st.lists(WORD, min_size=0, max_size=40))
        length = draw(st.floats(0, 20))
        timed = draw(st.booleans())
        segments.append(
            CaptionSegment(
                index=index,
                id=index,
                start=t,
                end=t + length,
                text=" ".join(words),
                words=_timed(words, [length / max(1, len(words))] * len(words), [0] * len(words), t)
                if timed
                else (),
            )
        )
        t += draw(st.floats(0, 25))
    return segments


def _check_order_and_times(segments, cues, profile):
    # No word lost, none added, none reordered.
    words = [t.text for seg in segments for t in tokenize(seg.text, spaced=profile.spaced)]
    assert [w for cue in cues for w in cue.words] == words
    for cue in cues:
        # The lines hold exactly the cue's words (Chinese keeps only the spaces it had).
        if profile.spaced:
            assert " ".join(cue.lines).split() == cue.words
        else:
            assert "".join(cue.lines).replace(" ", "") == "".join(cue.words)
    # Times are monotonic and the gap is kept.
    gap = round(profile.min_gap * 1000)
    for cue, following in itertools.pairwise(cues):
        assert cue.start_ms < cue.end_ms
        assert following.start_ms - cue.end_ms >= gap


@given(readable_speech())
def test_every_cue_is_within_the_profile_when_the_words_allow_it(segments):
    cues = build_cues(segments, PROFILE)
    _check_order_and_times(segments, cues, PROFILE)
    assert [(cue.text, cue.violations) for cue in cues if cue.violations] == []
    for cue in cues:
        assert len(cue.lines) <= 2 and all(len(line) <= 42 for line in cue.lines)
        assert cue.chars_per_second <= 17 + 1e-9
        assert 0.833 <= cue.duration <= 7


# Latin-script, Chinese (no spaces: every character a word, Latin words whole) and a
# three-line profile (lines chosen by dynamic programming).
ANY_PROFILE = st.sampled_from(
    [
        PROFILE,
        CaptionProfile(chars_per_line=16, chars_per_second=9, language_code="zh", spaced=False),
        CaptionProfile(chars_per_line=20, lines=3, min_gap=0.2, language_code="de"),
    ]
)


@given(any_speech(), ANY_PROFILE)
def test_whatever_the_timing_no_word_is_lost_and_times_move_forward(segments, profile):
    cues = build_cues(segments, profile)
    _check_order_and_times(segments, cues, profile)
    # What cannot be met is reported on the cue, never dropped.
    for cue in cues:
        if cue.chars_per_second > profile.chars_per_second + 1e-6:
            assert "reading_speed" in cue.violations
        if any(len(line) > profile.chars_per_line for line in cue.lines):
            assert "line_length" in cue.violations


def test_lines_break_at_phrases_and_never_after_an_article():
    text = "Place the implant in the healed socket, then check the primary stability."
    cues = build_cues([CaptionSegment(0, 0, 0.0, 6.0, text)], PROFILE)
    assert [cue.lines for cue in cues] == [
        ["Place the implant in the healed socket,", "then check the primary stability."]
    ]
    text = "We measure the width of the alveolar ridge before we choose the diameter"
    (cue,) = build_cues([CaptionSegment(0, 0, 0.0, 6.0, text)], PROFILE)
    assert not any(line.split()[-1] in {"the", "of", "a"} for line in cue.lines)


# One lecture sentence per language (a native speaker's rendering) and its caption profile.
LECTURE = {
    "en": "Today we look at the osseointegration of dental implants, and at what decides "
    "whether an implant in the posterior mandible lasts twenty years.",
    "es": "Hoy veremos la oseointegración de los implantes dentales y lo que decide si un "
    "implante en la mandíbula posterior dura veinte años.",
    "pt": "Hoje vemos a osseointegração dos implantes dentários e o que decide se um "
    "implante na mandíbula posterior dura vinte anos.",
    "fr": "Aujourd'hui, nous étudions l'ostéo-intégration des implants dentaires et ce qui "
    "décide si un implant dans la mandibule postérieure dure vingt ans.",
    "de": "Heute betrachten wir die Osseointegration von Zahnimplantaten und was darüber "
    "entscheidet, ob ein Implantat im hinteren Unterkiefer zwanzig Jahre hält.",
    "it": "Oggi vediamo l'osteointegrazione degli impianti dentali e che cosa decide se un "
    "impianto nella mandibola posteriore dura vent'anni.",
    "zh": "今天我们来看牙种植体的骨结合，以及决定下颌后牙区种植体能否使用二十年的因素。",
    "hi": "आज हम दंत प्रत्यारोपण के ऑसियोइंटीग्रेशन को देखेंगे, और यह कि पीछे के जबड़े में "
    "प्रत्यारोपण बीस साल चलेगा या नहीं।",
    "ar": "اليوم ننظر في الاندماج العظمي لزراعات الأسنان، وفيما يقرر ما إذا كانت الزرعة في "
    "الفك السفلي الخلفي ستدوم عشرين عامًا.",
}
PROFILES = {
    "zh": CaptionProfile(chars_per_line=16, chars_per_second=9, language_code="zh", spaced=False),
    "hi": CaptionProfile(chars_per_second=22, language_code="hi"),
    "ar": CaptionProfile(chars_per_second=20, language_code="ar", direction="rtl"),
}


@pytest.mark.parametrize("code", sorted(LECTURE))
def test_a_lecture_sentence_in_each_language_reads_within_its_profile(code):
    profile = PROFILES.get(code, CaptionProfile(language_code=code))
    text = LECTURE[code]
    # An untimed translation segment: 12 s, shared out over its words by characters.
    segment = CaptionSegment(0, 7, 3.0, 15.0, text)
    cues = build_cues([segment], profile)
    _check_order_and_times([segment], cues, profile)
    assert len(cues) >= 2
    # The last cue may stay up into the silence after the speech, for its shortest duration.
    assert cues[0].start == 3.0 and cues[-1].end <= 15.0 + profile.min_duration
    assert [cue.violations for cue in cues] == [[]] * len(cues), [c.lines for c in cues]
    for cue in cues:
        assert all(len(line) <= profile.chars_per_line for line in cue.lines)
        # No line ends on an article or preposition.
        for line in cue.lines[:-1]:
            assert line.split()[-1].casefold() not in {"the", "of", "de", "la", "der", "di"}


@pytest.mark.django_db
def test_exports_parse_back_with_the_libraries_in_every_language(settings):
    """SRT and WebVTT of a long segment in each language: srt and webvtt-py read every cue
    back with its lines (Arabic lines wrapped in right-to-left marks) and times."""
    for code, text in LECTURE.items():
        source = ExportSource(
            title="Lecture",
            label=f"T-1-{code}",
            text=text,
            json={"segments": [{"id": 0, "start": 1.0, "end": 13.0, "text": text}]},
            speaker="Dr. Soto",
            language_code=code,
        )
        cues = source.captions().cues
        subs = list(srt.parse(export_document(source, "srt")[0].decode()))
        vtt = webvtt.from_buffer(io.StringIO(export_document(source, "vtt")[0].decode()))
        assert len(subs) == len(vtt.captions) == len(cues) >= 2
        for cue, sub, caption in zip(cues, subs, vtt.captions, strict=True):
            lines = sub.content.split("\n")
            if code == "ar":
                assert all(line.startswith(RLM) and line.endswith(RLM) for line in lines)
                lines = [line.strip(RLM) for line in lines]
            assert lines == cue.lines
            assert sub.start.total_seconds() == cue.start
            assert sub.end.total_seconds() == cue.end
            assert caption.start_in_seconds == int(cue.start)
            assert caption.voice == "Dr. Soto"
            assert caption.text.replace(RLM, "").split("\n") == cue.lines
        limit = 16 if code == "zh" else 42
        assert max(len(line) for cue in cues for line in cue.lines) <= limit
