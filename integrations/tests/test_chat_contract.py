"""The contract every ChatEngine adapter keeps, run against the real SDKs and local servers.

Each vendor test server speaks that vendor's documented wire format (Anthropic Messages
API with tool_use blocks; OpenAI chat completions with tool_calls), so these tests
exercise the SDK's request building, response parsing and error classes for real. The
faults every vendor shares are `VendorContract`'s; the offline stand-in, which talks to
no one, keeps the part of the contract that is about answers.
"""

import json

import pytest

from integrations.errors import PermanentError, TransientError, VendorReplyError
from integrations.llm import TRANSLATION_TOOL, get_chat_engine
from integrations.llm_offline import OFFLINE_LABEL, OfflineChatEngine
from integrations.tests.contract import Harness, VendorContract
from integrations.tests.llm_fakes import (
    FAKES,
    Reply,
    auto_translate,
    error,
    make_engine,
    prompt_segments,
    raw,
    refusal,
    text,
    tool,
)

VENDORS = ["anthropic", "openai"]
CHAT_KEY_SETTINGS = {"anthropic": "ANTHROPIC_API_KEY", "openai": "OPENAI_API_KEY"}

SEGMENTS = [
    {"id": 0, "text": "Good morning, everyone."},
    {"id": 1, "text": "Today we talk about ceramic crowns and veneers."},
    {"id": 2, "text": "The implant needs six weeks to integrate."},
    {"id": 3, "text": "Questions at the end, please."},
]
GLOSSARY = [("veneers", "veneers"), ("faceta", "carilla")]


@pytest.fixture(params=VENDORS)
def vendor(request):
    server = FAKES[request.param]().start()
    yield request.param, server
    server.stop()


def translate(engine, segments=SEGMENTS, language="es", glossary=GLOSSARY):
    return engine.translate_segments(
        segments=segments, source_language="en", target_language=language, glossary=glossary
    )


def good(segments=SEGMENTS, language="es"):
    return tool(
        {
            "translations": [
                {"id": s["id"], "text": auto_translate(s["text"], language)} for s in segments
            ]
        }
    )


# --- complete / complete_json -----------------------------------------------------------


def test_complete_returns_the_models_text(vendor):
    name, server = vendor
    server.script = [text("  Dear colleague, here is the summary.  ")]
    engine = make_engine(name, server)
    assert engine.complete(system="Be brief.", prompt="Summarise this.") == (
        "Dear colleague, here is the summary."
    )
    body = server.requests[0]
    assert server.system_of(body) == "Be brief."
    assert server.prompt_of(body) == "Summarise this."
    assert body["model"] == engine.model
    assert (
        server.headers[0].get("x-api-key") == "test-key"
        or server.headers[0].get("authorization") == "Bearer test-key"
    )


def test_complete_json_forces_the_tool_and_returns_its_input(vendor):
    name, server = vendor
    schema = {"type": "object", "properties": {"points": {"type": "array"}}}
    server.script = [tool({"points": ["a", "b"]})]
    engine = make_engine(name, server)
    assert engine.complete_json(
        system="s", prompt="p", schema=schema, tool_name="submit_points"
    ) == {"points": ["a", "b"]}
    body = server.requests[0]
    if name == "anthropic":
        assert body["tool_choice"] == {"type": "tool", "name": "submit_points"}
        assert body["tools"][0]["input_schema"] == schema
    else:
        assert body["tool_choice"] == {"type": "function", "function": {"name": "submit_points"}}
        assert body["tools"][0]["function"]["parameters"] == schema


def test_empty_text_reply_is_a_vendor_reply_error(vendor):
    name, server = vendor
    server.script = [text("   ")]
    with pytest.raises(VendorReplyError, match="empty"):
        make_engine(name, server).complete(system="s", prompt="p")


def test_refusal_is_a_vendor_reply_error(vendor):
    name, server = vendor
    server.script = [refusal()]
    with pytest.raises(VendorReplyError, match="declined"):
        make_engine(name, server).complete(system="s", prompt="p")


def test_reply_without_the_tool_call_is_a_vendor_reply_error(vendor):
    name, server = vendor
    server.script = [text("Sure! Here you go: no JSON at all")]
    with pytest.raises(VendorReplyError):
        make_engine(name, server).complete_json(
            system="s", prompt="p", schema={"type": "object"}, tool_name="t"
        )


# --- error mapping -----------------------------------------------------------------------


class ChatHarness(Harness):
    def __init__(self, name: str, server):
        self.name, self.server = name, server
        self.key_setting = CHAT_KEY_SETTINGS[name]

    def call(self, **options):
        server = self.server
        if "base_url" in options:  # make_engine reads the URL from the server it is given
            server = type("Elsewhere", (), {"url": options.pop("base_url")})()
        return make_engine(self.name, server, **options).complete(system="s", prompt="p")

    def check_good(self, result):
        assert result == "A reply from the fake model."

    def answer_error(self, status, message, headers):
        self.server.script = [error(status, message, headers=headers)]

    def answer_slowly(self, seconds):
        self.server.script = [Reply("text", "Too late.", delay=seconds)]

    def answer_malformed(self):
        self.server.script = [raw(b"<html>gateway says hi</html>", content_type="text/html")]

    def url_at(self, root):
        return root + "/v1" if self.name == "openai" else root


class TestChatContract(VendorContract):
    @pytest.fixture(params=VENDORS)
    def harness(self, request):
        server = FAKES[request.param]().start()
        yield ChatHarness(request.param, server)
        server.stop()


def test_the_sdk_retries_a_429_itself_honouring_retry_after(vendor):
    name, server = vendor
    server.script = [error(429, "Slow down", headers={"retry-after-ms": "20"}), text("ok")]
    assert make_engine(name, server, max_retries=2).complete(system="s", prompt="p") == "ok"
    assert len(server.requests) == 2


def test_missing_key_says_which_setting(settings):
    settings.ANTHROPIC_API_KEY = ""
    with pytest.raises(PermanentError, match="ANTHROPIC_API_KEY"):
        get_chat_engine("anthropic")
    settings.OPENAI_API_KEY = ""
    settings.OPENAI_BASE_URL = None
    with pytest.raises(PermanentError, match="OPENAI_API_KEY"):
        get_chat_engine("openai")


# --- translate_segments ----------------------------------------------------------------


def test_translation_returns_every_id_and_carries_the_glossary(vendor):
    name, server = vendor
    result = translate(make_engine(name, server))
    assert result == {s["id"]: auto_translate(s["text"], "es") for s in SEGMENTS}
    assert len(server.requests) == 1
    prompt = server.prompt_of(server.requests[0])
    assert prompt_segments(prompt) == SEGMENTS
    assert "- veneers" in prompt and "- faceta → carilla" in prompt
    assert "Spanish" in server.system_of(server.requests[0])
    tools = json.dumps(server.requests[0]["tools"])
    assert TRANSLATION_TOOL in tools


def test_a_reply_missing_a_segment_is_asked_again(vendor):
    name, server = vendor
    missing = {"translations": [{"id": 0, "text": "Buenos días."}]}
    server.script = [tool(missing), good()]
    assert len(translate(make_engine(name, server))) == 4
    assert len(server.requests) == 2


def test_a_batch_that_fails_twice_is_split_in_halves(vendor):
    name, server = vendor
    bad = tool({"translations": []})
    server.script = [bad, bad, good(SEGMENTS[:2]), good(SEGMENTS[2:])]
    result = translate(make_engine(name, server))
    assert sorted(result) == [0, 1, 2, 3]
    halves = [[s["id"] for s in prompt_segments(server.prompt_of(r))] for r in server.requests[2:]]
    assert halves == [[0, 1], [2, 3]]


@pytest.mark.parametrize(
    ("reply", "problem"),
    [
        (
            {"translations": [*good().value["translations"], {"id": 9, "text": "x"}]},
            "not asked for",
        ),
        ({"translations": [{"id": 0, "text": "  "}]}, "empty"),
        ({"translations": [{"id": 0, "text": "a"}, {"id": 0, "text": "b"}]}, "twice"),
        ({"translations": [{"id": "zero", "text": "a"}]}, "valid id"),
        ({"result": "no list"}, "no list"),
    ],
)
def test_a_segment_that_never_comes_back_right_fails_naming_it(vendor, reply, problem):
    name, server = vendor
    one = [SEGMENTS[0]]
    server.script = [tool(reply), tool(reply)]
    with pytest.raises(VendorReplyError, match=problem) as caught:
        translate(make_engine(name, server), segments=one)
    assert "segment 0" in str(caught.value)
    assert len(server.requests) == 2


def test_a_reply_in_the_wrong_language_is_refused(vendor):
    name, server = vendor
    # The model answers Chinese requests in English: every attempt and every split fails.
    server.translator = lambda segments, language: {
        "translations": [{"id": s["id"], "text": s["text"]} for s in segments]
    }
    with pytest.raises(VendorReplyError, match="not in Chinese"):
        translate(make_engine(name, server), language="zh")
    # Two attempts for 0-3, two for 0-1, one for 0 ("Good morning, everyone." is too
    # short to judge), two for 1, which fails the job.
    assert len(server.requests) == 7


def test_right_script_replies_pass_for_hindi_and_arabic(vendor):
    name, server = vendor
    for language in ("hi", "ar", "zh"):
        result = translate(make_engine(name, server), language=language)
        assert result[1].startswith(auto_translate("", language).strip())


def test_numbers_and_names_are_not_over_policed_in_latin_languages(vendor):
    name, server = vendor
    segments = [{"id": 5, "text": "Invisalign SmartTrack"}, {"id": 6, "text": "CBCT, 3D"}]
    server.script = [
        tool(
            {
                "translations": [
                    {"id": 5, "text": "Invisalign SmartTrack"},
                    {"id": 6, "text": "CBCT, 3D"},
                ]
            }
        )
    ]
    assert translate(make_engine(name, server), segments=segments, language="de") == {
        5: "Invisalign SmartTrack",
        6: "CBCT, 3D",
    }


def test_transient_faults_are_not_swallowed_by_the_split(vendor):
    name, server = vendor
    server.script = [error(503, "down")]
    with pytest.raises(TransientError):
        translate(make_engine(name, server))
    assert len(server.requests) == 1


# --- every engine, offline included ------------------------------------------------------


@pytest.fixture(params=["offline", *VENDORS])
def any_engine(request):
    if request.param == "offline":
        yield OfflineChatEngine()
        return
    server = FAKES[request.param]().start()
    yield make_engine(request.param, server)
    server.stop()


def test_every_engine_completes_free_text(any_engine):
    prompt = "Summarise this.\n\nContent: The implant needs six weeks to integrate."
    reply = any_engine.complete(system="Be brief.", prompt=prompt)
    if any_engine.is_offline:
        assert reply == f"{OFFLINE_LABEL} The implant needs six weeks to integrate."
    else:
        assert reply == "A reply from the fake model."


def test_every_engine_answers_every_segment_id(any_engine):
    segments = [*SEGMENTS, {"id": 7, "text": "   "}]
    result = any_engine.translate_segments(
        segments=segments, source_language="en", target_language="fr", glossary=[]
    )
    assert sorted(result) == [0, 1, 2, 3, 7]
    assert all(result[s["id"]].strip() for s in SEGMENTS)
    assert result[7].strip() == ""


def test_offline_drafts_are_clearly_labelled():
    result = OfflineChatEngine().translate_segments(
        segments=SEGMENTS[:1], source_language="en", target_language="es", glossary=[]
    )
    assert result == {0: "[draft es] Good morning, everyone."}
