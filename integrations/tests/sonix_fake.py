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

import email.parser
import email.policy
import json
import urllib.parse
from typing import Any

from integrations.tests.http_fake import Fault, LocalHTTPFake, read_body, send

API_KEY = "test-sonix-key"


class SonixServer(LocalHTTPFake):
    """Sonix on 127.0.0.1; `requests` holds (method, path), `script` Faults sent first."""

    protocol_version = "HTTP/1.1"
    poll_interval = 0.05

    def __init__(self, per_page: int = 100):
        super().__init__()
        self.media: dict[str, dict[str, Any]] = {}
        self.transcripts: dict[str, dict[str, Any]] = {}
        self.uploads: list[dict[str, Any]] = []
        self.per_page = per_page

    @property
    def base_url(self) -> str:
        return self.root_url + "/v1"

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
        self.script.append(Fault(status, raw, dict(headers or {}), sleep))

    def count(self, method: str, path_prefix: str) -> int:
        return sum(1 for m, p in self.requests if m == method and p.startswith(path_prefix))

    def handle(self, request, method):
        parsed = urllib.parse.urlsplit(request.path)
        body = read_body(request)
        fault = self.record((method, parsed.path))
        if fault is not None:
            # Sent as scripted: no Content-Type unless the test gave one.
            return self.send_fault(request, fault)
        if request.headers.get("Authorization") != f"Bearer {API_KEY}":
            return self._json(request, 401, {"error": "Invalid API Key"})
        parts = [p for p in parsed.path.split("/") if p]
        if parts[:2] != ["v1", "media"]:
            return self._json(request, 404, {"error": "Not found"})
        if method == "GET" and len(parts) == 2:
            return self._list(request, urllib.parse.parse_qs(parsed.query))
        if method == "POST" and len(parts) == 2:
            return self._upload(request, body)
        media_id = urllib.parse.unquote(parts[2]) if len(parts) > 2 else ""
        if media_id not in self.media:
            return self._json(request, 404, {"error": "Media not found"})
        if method == "GET" and len(parts) == 3:
            return self._json(request, 200, self.media[media_id])
        if method == "GET" and parts[3:] == ["transcript.json"]:
            return self._json(request, 200, self.transcripts[media_id])
        return self._json(request, 404, {"error": "Not found"})

    def _list(self, request, query):
        page = max(1, int(query.get("page", ["1"])[0]))
        items = sorted(self.media.values(), key=lambda m: -m["created_at"])
        per = self.per_page
        total_pages = max(1, -(-len(items) // per))
        chunk = items[(page - 1) * per : page * per]
        self._json(request, 200, {"media": chunk, "page": page, "total_pages": total_pages})

    def _upload(self, request, body: bytes):
        content_type = request.headers.get("Content-Type", "")
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
            return self._json(request, 400, {"error": "file or file_url is required"})
        media_id = f"up{len(self.uploads) + 1}"
        with self.lock:
            self.uploads.append(fields)
        media = self.add_media(media_id, fields.get("name") or "upload", status="preparing")
        self._json(request, 200, media)

    @staticmethod
    def _json(request, status: int, payload: Any) -> None:
        send(request, status, json.dumps(payload).encode(), {"Content-Type": "application/json"})


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
