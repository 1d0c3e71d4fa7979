"""A local server speaking the Anthropic Messages API (POST /v1/messages), for end-to-end
tests of summaries through the real `anthropic` SDK and our adapter.

Shapes follow the documented API: a message object with `content` blocks (`text` or
`tool_use`), `stop_reason` (`end_turn`, `tool_use`, `refusal`, …) and `usage`; errors are
`{"type": "error", "error": {"type", "message"}}` with the HTTP status.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answer = tuple[int, dict[str, Any]]


def message(content: list[dict[str, Any]], stop_reason: str, model: str) -> dict[str, Any]:
    return {
        "id": f"msg_{uuid.uuid4().hex[:24]}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 10},
    }


def text_answer(text: str, *, model: str = "claude-test", stop_reason: str = "end_turn") -> Answer:
    return 200, message([{"type": "text", "text": text}], stop_reason, model)


def tool_answer(name: str, value: dict[str, Any], *, model: str = "claude-test") -> Answer:
    block = {
        "type": "tool_use",
        "id": f"toolu_{uuid.uuid4().hex[:20]}",
        "name": name,
        "input": value,
    }
    return 200, message([block], "tool_use", model)


def refusal_answer(*, model: str = "claude-test") -> Answer:
    return 200, message([], "refusal", model)


def error_answer(status: int, kind: str, text: str) -> Answer:
    return status, {"type": "error", "error": {"type": kind, "message": text}}


class FakeAnthropicServer:
    """Answers each request with `respond(body)`; records every request body."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.respond: Callable[[dict[str, Any]], Answer] = lambda body: text_answer("Hello.")
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                # SDK versions send the key as x-api-key or as a bearer token.
                key = self.headers.get("x-api-key") or self.headers.get("authorization")
                if self.path.rstrip("/") != "/v1/messages" or not key:
                    status, payload = error_answer(404, "not_found_error", "Unknown path or key")
                else:
                    server.requests.append(body)
                    status, payload = server.respond(body)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeAnthropicServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def prompt_of(body: dict[str, Any]) -> str:
    content = body["messages"][-1]["content"]
    if isinstance(content, list):
        return "".join(block.get("text", "") for block in content)
    return content


def system_of(body: dict[str, Any]) -> str:
    system = body.get("system", "")
    if isinstance(system, list):
        return "".join(block.get("text", "") for block in system)
    return system
