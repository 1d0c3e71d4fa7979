"""The plumbing every fake vendor server shares: a ThreadingHTTPServer on 127.0.0.1 at a
free port, served from a daemon thread, with a lock, a request log and a script of
queued answers (faults such as a 429 with Retry-After, a 500, a slow or malformed reply).

A fake subclasses `LocalHTTPFake` and implements `handle(request, method)`; what it
records and how it speaks is its vendor's business. Use it as a context manager, or
call `start()` / `stop()` from a fixture.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


@dataclass
class Fault:
    """A canned answer for one request; status None lets that request through."""

    status: int | None = 200
    body: bytes = b"{}"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def read_body(request: BaseHTTPRequestHandler) -> bytes:
    length = int(request.headers.get("Content-Length") or 0)
    return request.rfile.read(length) if length else b""


def send(
    request: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str]
) -> None:
    """Answer exactly these headers and bytes (Content-Length added)."""
    # The client may have timed out and gone (the timeout tests).
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        request.send_response(status)
        for key, value in headers.items():
            request.send_header(key, value)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)


class LocalHTTPFake:
    protocol_version = "HTTP/1.0"
    poll_interval = 0.02

    def __init__(self) -> None:
        self.requests: list[Any] = []
        self.script: list[Any] = []
        self.lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self.handler_class())
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever,
            kwargs={"poll_interval": self.poll_interval},
            daemon=True,
        )

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = fake.protocol_version

            def log_message(self, *args):  # keep test output quiet
                pass

            def do_GET(self):
                fake.handle(self, "GET")

            def do_POST(self):
                fake.handle(self, "POST")

        return Handler

    def handle(self, request: BaseHTTPRequestHandler, method: str) -> None:
        raise NotImplementedError

    @property
    def root_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> Self:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def record(self, seen: Any) -> Any:
        """Log one request and take the next scripted answer (None when the script is empty)."""
        with self.lock:
            self.requests.append(seen)
            return self.script.pop(0) if self.script else None

    @contextlib.contextmanager
    def busy(self) -> Iterator[None]:
        """Count the requests being worked on at once (`max_in_flight`)."""
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            yield
        finally:
            with self.lock:
                self.in_flight -= 1

    def send_fault(
        self, request: BaseHTTPRequestHandler, fault: Fault, content_type: str | None = None
    ) -> None:
        if fault.delay:
            time.sleep(fault.delay)
        headers = dict(fault.headers)
        if content_type:
            headers.setdefault("Content-Type", content_type)
        send(request, fault.status or 200, fault.body, headers)
