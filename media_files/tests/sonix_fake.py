"""A local HTTP server that answers like the Sonix REST API v1 (https://sonix.ai/docs/api).

    GET  /v1/media?page=N             {"media": [media…], "page": N, "total_pages": T}
    GET  /v1/media/<id>               media
    POST /v1/media (multipart)        media (status "preparing")
    GET  /v1/media/<id>/transcript.json
         {"name", "transcript": [{"speaker", "start_time", "end_time",
                                  "words": [{"text", "start_time", "end_time"}]}]}

A media object: {"id", "name", "language", "created_at" (unix time), "public_url",
"duration", "status"}. Errors answer {"error": message} with the documented status
codes (401 bad key, 404 unknown media, 429 with Retry-After, 5xx).
"""

from __future__ import annotations

import contextlib
import email.parser
import email.policy
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

API_KEY = "test-sonix-key"


@dataclass
class Scripted:
    """One canned answer, used before normal routing (to simulate faults)."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    sleep: float = 0.0


class FakeSonix:
    def __init__(self, per_page: int = 100):
        self.media: dict[str, dict[str, Any]] = {}
        self.transcripts: dict[str, dict[str, Any]] = {}
        self.uploads: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str]] = []
        self.script: list[Scripted] = []
        self.per_page = per_page
        self.lock = threading.Lock()
        self.base_url = ""

    def add_media(
        self,
        media_id: str,
        name: str,
        *,
        status: str = "completed",
        duration: float = 12.5,
        paragraphs: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        media = {
            "id": media_id,
            "name": name,
            "language": "en",
            "created_at": 1_700_000_000 + len(self.media),
            "public_url": f"https://my.sonix.ai/r/{media_id}",
            "duration": duration,
            "status": status,
        }
        self.media[media_id] = media
        self.transcripts[media_id] = {
            "name": name,
            "transcript": paragraphs if paragraphs is not None else sample_paragraphs(),
        }
        return media

    def fail_next(self, status: int, *, body: Any = None, headers=None, sleep: float = 0.0):
        raw = body if isinstance(body, bytes) else json.dumps(body or {"error": "boom"}).encode()
        self.script.append(Scripted(status, raw, dict(headers or {}), sleep))

    def count(self, method: str, path_prefix: str) -> int:
        return sum(1 for m, p in self.requests if m == method and p.startswith(path_prefix))


def sample_paragraphs() -> list[dict[str, Any]]:
    """Two speakers, Sonix-style word texts (leading spaces, separate punctuation)."""
    return [
        {
            "speaker": "Dr. Soto",
            "start_time": 0.0,
            "end_time": 4.2,
            "words": [
                {"text": "Welcome", "start_time": 0.0, "end_time": 0.5},
                {"text": " to", "start_time": 0.5, "end_time": 0.7},
                {"text": " endodontics", "start_time": 0.7, "end_time": 1.6},
                {"text": ",", "start_time": 1.6, "end_time": 1.6},
                {"text": " everyone", "start_time": 1.7, "end_time": 2.3},
                {"text": ".", "start_time": 2.3, "end_time": 2.3},
                {"text": " Let's", "start_time": 2.6, "end_time": 3.0},
                {"text": " begin", "start_time": 3.0, "end_time": 3.5},
                {"text": ".", "start_time": 3.5, "end_time": 3.5},
            ],
        },
        {
            "speaker": "Student",
            "start_time": 4.5,
            "end_time": 6.0,
            "words": [
                {"text": "Thank", "start_time": 4.5, "end_time": 4.9},
                {"text": " you", "start_time": 4.9, "end_time": 5.2},
                {"text": "!", "start_time": 5.2, "end_time": 5.2},
            ],
        },
    ]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fake: FakeSonix  # set on the subclass made per server

    def log_message(self, format, *args):  # keep test output quiet
        pass

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        parsed = urllib.parse.urlsplit(self.path)
        body = self._body()
        with self.fake.lock:
            self.fake.requests.append((method, parsed.path))
            scripted = self.fake.script.pop(0) if self.fake.script else None
        if scripted is not None:
            if scripted.sleep:
                time.sleep(scripted.sleep)
            return self._send(scripted.status, scripted.body, scripted.headers)
        if self.headers.get("Authorization") != f"Bearer {API_KEY}":
            return self._json(401, {"error": "Invalid API Key"})
        parts = [p for p in parsed.path.split("/") if p]
        if parts[:2] != ["v1", "media"]:
            return self._json(404, {"error": "Not found"})
        if method == "GET" and len(parts) == 2:
            return self._list(urllib.parse.parse_qs(parsed.query))
        if method == "POST" and len(parts) == 2:
            return self._upload(body)
        media_id = urllib.parse.unquote(parts[2]) if len(parts) > 2 else ""
        if media_id not in self.fake.media:
            return self._json(404, {"error": "Media not found"})
        if method == "GET" and len(parts) == 3:
            return self._json(200, self.fake.media[media_id])
        if method == "GET" and parts[3:] == ["transcript.json"]:
            return self._json(200, self.fake.transcripts[media_id])
        return self._json(404, {"error": "Not found"})

    def _list(self, query):
        page = max(1, int(query.get("page", ["1"])[0]))
        items = sorted(self.fake.media.values(), key=lambda m: -m["created_at"])
        per = self.fake.per_page
        total_pages = max(1, -(-len(items) // per))
        chunk = items[(page - 1) * per : page * per]
        self._json(200, {"media": chunk, "page": page, "total_pages": total_pages})

    def _upload(self, body: bytes):
        content_type = self.headers.get("Content-Type", "")
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body
        )
        fields: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if part.get_filename():
                fields[name] = {
                    "filename": part.get_filename(),
                    "bytes": part.get_payload(decode=True),
                }
            else:  # form fields are UTF-8, as browsers and Sonix (Rails) treat them
                fields[name] = part.get_payload(decode=True).decode("utf-8").strip()
        if "file" not in fields:
            return self._json(400, {"error": "file or file_url is required"})
        media_id = f"up{len(self.fake.uploads) + 1}"
        with self.fake.lock:
            self.fake.uploads.append(fields)
        media = self.fake.add_media(media_id, fields.get("name") or "upload", status="preparing")
        self._json(200, media)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _json(self, status: int, payload: Any) -> None:
        self._send(status, json.dumps(payload).encode(), {"Content-Type": "application/json"})

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)  # the client may have given up (a timeout test)


class SonixServer:
    """Runs FakeSonix on 127.0.0.1 on a free port, in a thread."""

    def __init__(self, fake: FakeSonix | None = None):
        self.fake = fake or FakeSonix()
        handler = type("Handler", (_Handler,), {"fake": self.fake})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        host, port = self.httpd.server_address[:2]
        self.fake.base_url = f"http://{host}:{port}/v1"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> FakeSonix:
        self.thread.start()
        return self.fake

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)
