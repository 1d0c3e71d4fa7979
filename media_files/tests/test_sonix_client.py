"""integrations/sonix.py against a local server that answers like the Sonix API v1.

(Kept beside the import tests, which share the fake Sonix server.)
"""

import email.utils
import time
import unicodedata

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from integrations.errors import PermanentError, TransientError, VendorReplyError
from integrations.sonix import SonixClient, SonixNotFound, sonix_json_to_seed
from integrations.tests.sonix_fake import API_KEY, sample_paragraphs


@pytest.fixture
def client(sonix):
    return SonixClient()


def test_lists_media_with_sonix_pagination(sonix, client):
    sonix.per_page = 2
    for n in range(3):
        sonix.add_media(f"m{n}", f"Lecture {n}", status="completed")
    first = client.list_media_page(1)
    assert [m["name"] for m in first.media] == ["Lecture 2", "Lecture 1"]
    assert (first.page, first.total_pages) == (1, 2)
    assert [m["id"] for m in client.list_media(page=2)] == ["m0"]


def test_get_media_reports_status(sonix, client):
    sonix.add_media("abc", "Webinar", status="transcribing", duration=61.5)
    media = client.get_media("abc")
    assert media["status"] == "transcribing"
    assert media["duration"] == 61.5


def test_upload_sends_the_file_as_multipart_and_returns_the_media_id(sonix, client, make_media):
    path = make_media("mp3")
    media_id = client.upload_media(path, "Dr Soto — lecture 5", language="en")
    assert media_id == "up1"
    (upload,) = sonix.uploads
    assert upload["name"] == "Dr Soto — lecture 5"
    assert upload["language"] == "en"
    assert upload["file"]["filename"] == path.name
    assert upload["file"]["bytes"] == path.read_bytes()
    assert client.get_media(media_id)["status"] == "preparing"


def test_transcript_json_is_fetched(sonix, client):
    sonix.add_media("abc", "Lecture")
    assert client.get_transcript_json("abc")["transcript"] == sample_paragraphs()


def test_the_bearer_key_is_sent(settings, sonix):
    sonix.add_media("abc", "Lecture")
    with pytest.raises(PermanentError, match=r"Sonix refused the API key.*Check SONIX_API_KEY"):
        SonixClient(api_key="wrong-key").get_media("abc")
    assert SonixClient(api_key=API_KEY).get_media("abc")["id"] == "abc"


def test_without_a_key_the_client_says_what_to_set(settings):
    settings.SONIX_API_KEY = ""
    with pytest.raises(PermanentError, match="set SONIX_API_KEY"):
        SonixClient()


def test_429_honours_an_http_date_retry_after(sonix, client):
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    sonix.fail_next(429, headers={"Retry-After": when})
    with pytest.raises(TransientError) as excinfo:
        client.list_media()
    assert 25 <= excinfo.value.retry_after <= 31


def test_unknown_media_is_not_found(sonix, client):
    with pytest.raises(SonixNotFound, match="not found"):
        client.get_media("nope")


def test_media_ids_cannot_walk_the_api_path(sonix, client):
    sonix.add_media("abc", "Lecture")
    with pytest.raises(SonixNotFound):
        client.get_media("../media/abc")
    assert ("GET", "/v1/media/..%2Fmedia%2Fabc") in sonix.requests


def test_payment_problem_is_explained(sonix, client):
    sonix.fail_next(402, body={"error": "Payment Error"})
    with pytest.raises(PermanentError, match="payment problem"):
        client.list_media()


def test_a_reply_that_is_not_json_is_a_vendor_reply_error(sonix, client):
    sonix.fail_next(200, body=b"<html>maintenance</html>", headers={"Content-Type": "text/html"})
    with pytest.raises(VendorReplyError, match="not JSON"):
        client.list_media()


def test_a_reply_in_the_wrong_shape_is_a_vendor_reply_error(sonix, client):
    sonix.fail_next(200, body={"items": []})
    with pytest.raises(VendorReplyError, match="not in the documented shape"):
        client.list_media()
    sonix.fail_next(200, body={"name": "x"})
    with pytest.raises(VendorReplyError, match="no word list"):
        client.get_transcript_json("abc")


# -- Sonix transcript → the seed's shape ---------------------------------------------


def test_converts_words_segments_and_metadata():
    seed = sonix_json_to_seed({"name": "L", "transcript": sample_paragraphs()}, duration=606.0)
    assert seed["metadata"] == {"source": "sonix", "duration": 606.0}
    # Sonix's speakers, with the names editors gave them there, are the transcript's.
    assert seed["speakers"] == {"S1": "Dr. Soto", "S2": "Student"}
    first, second = seed["segments"]
    assert second["speaker"] == "S2"
    assert first == {
        "id": 0,
        "speaker": "S1",
        "start": 0.0,
        "end": 3.5,
        "text": "Welcome to endodontics, everyone. Let's begin.",
        "words": [
            {"word": "Welcome", "start": 0.0, "end": 0.5},
            {"word": "to", "start": 0.5, "end": 0.7},
            {"word": "endodontics,", "start": 0.7, "end": 1.6},
            {"word": "everyone.", "start": 1.7, "end": 2.3},
            {"word": "Let's", "start": 2.6, "end": 3.0},
            {"word": "begin.", "start": 3.0, "end": 3.5},
        ],
    }
    # A new speaker always starts a new segment.
    assert second["id"] == 1
    assert second["text"] == "Thank you!"
    assert (second["start"], second["end"]) == (4.5, 5.2)


def test_duration_defaults_to_the_last_word():
    seed = sonix_json_to_seed({"transcript": sample_paragraphs()})
    assert seed["metadata"]["duration"] == 5.2


def _paragraph(words):
    return {"speaker": "S", "start_time": words[0][1], "words": [
        {"text": (" " if i else "") + text, "start_time": start, "end_time": end}
        for i, (text, start, end) in enumerate(words)
    ]}  # fmt: skip


def test_long_paragraphs_are_cut_at_sentence_ends():
    words = []
    t = 0.0
    for sentence in range(20):  # 20 sentences of 8 words, 0.5 s each: 4 s per sentence
        for n in range(8):
            text = f"w{sentence}_{n}" + ("." if n == 7 else "")
            words.append((text, t, t + 0.5))
            t += 0.5
    segments = sonix_json_to_seed({"transcript": [_paragraph(words)]})["segments"]
    assert len(segments) > 5
    for segment in segments:
        assert segment["text"].endswith(".")
        assert segment["end"] - segment["start"] <= 30
    for segment in segments[:-1]:
        assert segment["end"] - segment["start"] >= 10


def test_an_unpunctuated_ramble_is_still_cut():
    words = [(f"w{n}", n * 0.5, n * 0.5 + 0.5) for n in range(200)]  # 100 s, no full stop
    segments = sonix_json_to_seed({"transcript": [_paragraph(words)]})["segments"]
    assert len(segments) >= 4
    assert all(s["end"] - s["start"] <= 30 for s in segments)


def test_missing_word_times_are_taken_from_the_previous_word():
    seed = sonix_json_to_seed(
        {
            "transcript": [
                {
                    "start_time": 2.0,
                    "words": [
                        {"text": "Hello", "start_time": 2.0, "end_time": 2.4},
                        {"text": " there"},
                    ],
                }
            ]
        }
    )
    assert seed["segments"][0]["words"][1] == {"word": "there", "start": 2.4, "end": 2.4}


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({}, "no “transcript” list"),
        ({"transcript": "text"}, "no “transcript” list"),
        ({"transcript": ["x"]}, "paragraph is not an object"),
        ({"transcript": [{"speaker": "S"}]}, "no word list"),
        ({"transcript": [{"words": [{"start_time": 1}]}]}, "word has no text"),
        ({"transcript": [{"words": [{"text": "a", "start_time": "soon"}]}]}, "not a number"),
        ({"transcript": [{"words": [{"text": "a", "start_time": -4}]}]}, "out of range"),
    ],
)
def test_malformed_transcripts_are_vendor_reply_errors(payload, message):
    with pytest.raises(VendorReplyError, match=message):
        sonix_json_to_seed(payload)


word = st.tuples(
    st.text(alphabet=st.characters(categories=["L", "N", "P"]), min_size=1, max_size=8),
    st.floats(min_value=0, max_value=2, allow_nan=False),
    st.floats(min_value=0, max_value=1, allow_nan=False),
)


@hsettings(deadline=None)
@given(st.lists(st.lists(word, min_size=1, max_size=60), min_size=1, max_size=5))
def test_conversion_keeps_every_word_in_order_with_sane_times(paragraphs):
    transcript = []
    t = 0.0
    for paragraph in paragraphs:
        words = []
        for text, gap, length in paragraph:
            words.append({"text": " " + text, "start_time": t + gap, "end_time": t + gap + length})
            t += gap + length
        transcript.append({"speaker": "S", "start_time": words[0]["start_time"], "words": words})
    seed = sonix_json_to_seed({"transcript": transcript})

    expected = unicodedata.normalize(
        "NFC", "".join(text for paragraph in paragraphs for text, _, _ in paragraph)
    )
    got_words = [w for s in seed["segments"] for w in s["words"]]
    assert "".join(w["word"] for w in got_words) == expected
    assert [s["id"] for s in seed["segments"]] == list(range(len(seed["segments"])))
    previous_start = 0.0
    for segment in seed["segments"]:
        assert segment["text"] == " ".join(w["word"] for w in segment["words"])
        assert segment["start"] == segment["words"][0]["start"]
        assert segment["end"] == segment["words"][-1]["end"]
        for w in segment["words"]:
            assert w["start"] <= w["end"]
            assert w["start"] >= previous_start
            previous_start = w["start"]
