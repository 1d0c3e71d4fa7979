"""Local HTTP servers that speak the Anthropic Messages API and OpenAI chat completions.

The real SDKs are pointed at them through `base_url`. Replies are scripted per test
(`server.script`); with an empty script the server translates on its own (`auto`):
it reads the segments the prompt carries and answers every id in the target language,
so a whole translate job can run against it.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from integrations.llm import SEGMENTS_MARKER
from integrations.tests.http_fake import LocalHTTPFake, read_body, send

# Auto translations: a marker in the target script, so the script check passes.
AUTO_PREFIX = {"zh": "中文", "hi": "हिंदी", "ar": "بالعربية", "ja": "日本語"}


def auto_translate(text: str, language: str) -> str:
    return f"{AUTO_PREFIX.get(language, language.upper())}: {text}"


@dataclass
class Reply:
    """One scripted answer: a tool call, text, an HTTP error, a refusal, raw bytes or a hang."""

    kind: str
    value: Any = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def tool(value: dict[str, Any]) -> Reply:
    return Reply("tool", value)


def text(value: str) -> Reply:
    return Reply("text", value)


def error(status: int, message: str = "error", headers: dict[str, str] | None = None) -> Reply:
    return Reply("error", message, status=status, headers=headers or {})


def refusal() -> Reply:
    return Reply("refusal")


def raw(body: bytes, status: int = 200, content_type: str = "application/json") -> Reply:
    return Reply("raw", body, status=status, headers={"Content-Type": content_type})


def hang(seconds: float) -> Reply:
    return Reply("tool", {"translations": []}, delay=seconds)


def translations_for(segments: list[dict[str, Any]], language: str) -> dict[str, Any]:
    return {
        "translations": [
            {"id": s["id"], "text": auto_translate(s["text"], language)} for s in segments
        ]
    }


def prompt_segments(prompt: str) -> list[dict[str, Any]]:
    """The segments a translation prompt carries (the JSON after SEGMENTS_MARKER)."""
    return json.loads(prompt.split(SEGMENTS_MARKER, 1)[1].strip())


def prompt_language(prompt: str) -> str:
    match = re.search(r"\(([a-z]{2,3}(?:-[A-Za-z0-9]+)?)\)\. Return", prompt)
    return match.group(1) if match else "xx"


class FakeChatServer(LocalHTTPFake):
    vendor = "base"
    path = ""  # the one endpoint the vendor documents

    def __init__(self) -> None:
        super().__init__()
        self.headers: list[dict[str, str]] = []
        # Called with (segments, language) in auto mode; tests swap it for bad translators.
        self.translator = translations_for
        # Called with the body when the script is empty; None: answer on its own (auto).
        self.respond: Callable[[dict[str, Any]], Reply] | None = None
        # Seconds an automatic reply takes.
        self.latency = 0.0

    @property
    def url(self) -> str:
        return self.root_url

    def handle(self, request, method):
        body = json.loads(read_body(request) or b"{}")
        headers = {k.lower(): v for k, v in request.headers.items()}
        if request.path.rstrip("/") != self.path:
            reply = error(404, f"Unknown path {request.path}")
        elif not self.has_key(headers):
            reply = error(401, "No API key")
        else:
            with self.lock:
                self.requests.append(body)
                self.headers.append(headers)
                reply = self.script.pop(0) if self.script else None
            if reply is None and self.respond is not None:
                reply = self.respond(body)
            if reply is None:
                reply = self.auto_reply(body)
                reply.delay = reply.delay or self.latency
        with self.busy():
            if reply.delay:
                time.sleep(reply.delay)
        send(request, *self.render(reply, body))

    def auto_reply(self, body: dict[str, Any]) -> Reply:
        prompt = self.prompt_of(body)
        if SEGMENTS_MARKER in prompt:
            return tool(self.translator(prompt_segments(prompt), prompt_language(prompt)))
        return text("A reply from the fake model.")

    def render(self, reply: Reply, body: dict[str, Any]) -> tuple[int, bytes, dict[str, str]]:
        if reply.kind == "raw":
            return reply.status, reply.value, reply.headers
        if reply.kind == "error":
            headers = {"Content-Type": "application/json", **reply.headers}
            return reply.status, json.dumps(self.error_body(reply)).encode(), headers
        payload = self.success_body(reply, body)
        return 200, json.dumps(payload).encode(), {"Content-Type": "application/json"}

    # Vendor specifics.
    def has_key(self, headers: dict[str, str]) -> bool:
        raise NotImplementedError

    def prompt_of(self, body: dict[str, Any]) -> str:
        raise NotImplementedError

    def system_of(self, body: dict[str, Any]) -> str:
        raise NotImplementedError

    def error_body(self, reply: Reply) -> dict[str, Any]:
        raise NotImplementedError

    def success_body(self, reply: Reply, body: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError


class FakeAnthropic(FakeChatServer):
    """POST /v1/messages, as documented for the Claude Messages API."""

    vendor = "anthropic"
    path = "/v1/messages"

    def has_key(self, headers):
        # SDK versions send the key as x-api-key or as a bearer token.
        return bool(headers.get("x-api-key") or headers.get("authorization"))

    def prompt_of(self, body):
        content = body["messages"][-1]["content"]
        if isinstance(content, list):
            return "".join(block.get("text", "") for block in content)
        return content

    def system_of(self, body):
        system = body.get("system", "")
        if isinstance(system, list):
            return "".join(block.get("text", "") for block in system)
        return system

    def error_body(self, reply):
        kinds = {
            400: "invalid_request_error",
            401: "authentication_error",
            403: "permission_error",
            404: "not_found_error",
            429: "rate_limit_error",
            500: "api_error",
            529: "overloaded_error",
        }
        return {
            "type": "error",
            "error": {"type": kinds.get(reply.status, "api_error"), "message": reply.value},
        }

    def success_body(self, reply, body):
        message = {
            "id": f"msg_{uuid.uuid4().hex[:24]}",
            "type": "message",
            "role": "assistant",
            "model": body.get("model", "claude-test"),
            "stop_sequence": None,
            "usage": {"input_tokens": 12, "output_tokens": 34},
        }
        if reply.kind == "tool":
            tool_name = (body.get("tool_choice") or {}).get("name") or body["tools"][0]["name"]
            message["content"] = [
                {
                    "type": "tool_use",
                    "id": f"toolu_{uuid.uuid4().hex[:24]}",
                    "name": tool_name,
                    "input": reply.value,
                }
            ]
            message["stop_reason"] = "tool_use"
        elif reply.kind == "refusal":
            message["content"] = []
            message["stop_reason"] = "refusal"
        else:
            message["content"] = [{"type": "text", "text": reply.value}]
            message["stop_reason"] = "end_turn"
        return message


class FakeOpenAI(FakeChatServer):
    """POST /v1/chat/completions, as documented for OpenAI chat completions."""

    vendor = "openai"
    path = "/v1/chat/completions"

    def has_key(self, headers):
        return headers.get("authorization", "").startswith("Bearer ")

    @property
    def url(self) -> str:
        return super().url + "/v1"

    def prompt_of(self, body):
        return next(m["content"] for m in reversed(body["messages"]) if m["role"] == "user")

    def system_of(self, body):
        return next((m["content"] for m in body["messages"] if m["role"] == "system"), "")

    def error_body(self, reply):
        kinds = {429: "rate_limit_exceeded", 401: "invalid_api_key", 400: "invalid_request_error"}
        return {
            "error": {
                "message": reply.value,
                "type": kinds.get(reply.status, "server_error"),
                "param": None,
                "code": kinds.get(reply.status),
            }
        }

    def success_body(self, reply, body):
        message: dict[str, Any] = {"role": "assistant", "content": None, "refusal": None}
        finish = "stop"
        if reply.kind == "tool":
            function = (body.get("tool_choice") or {}).get("function", {}).get("name") or body[
                "tools"
            ][0]["function"]["name"]
            message["tool_calls"] = [
                {
                    "id": f"call_{uuid.uuid4().hex[:24]}",
                    "type": "function",
                    "function": {"name": function, "arguments": json.dumps(reply.value)},
                }
            ]
            finish = "tool_calls"
        elif reply.kind == "refusal":
            message["refusal"] = "I can't help with that."
        else:
            message["content"] = reply.value
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "gpt-test"),
            "choices": [
                {"index": 0, "message": message, "finish_reason": finish, "logprobs": None}
            ],
            "usage": {"prompt_tokens": 12, "completion_tokens": 34, "total_tokens": 46},
        }


FAKES = {"anthropic": FakeAnthropic, "openai": FakeOpenAI}


def make_engine(vendor: str, server: FakeChatServer, **kwargs):
    """The real adapter, pointed at `server`; no SDK-level retries unless asked."""
    from integrations.llm_anthropic import AnthropicChatEngine
    from integrations.llm_openai import OpenAIChatEngine

    cls = {"anthropic": AnthropicChatEngine, "openai": OpenAIChatEngine}[vendor]
    options = {
        "api_key": "test-key",
        "base_url": server.url,
        "model": f"{vendor}-test-model",
        "timeout": 5.0,
        "max_retries": 0,
    }
    options.update(kwargs)
    return cls(**options)
