"""A local server speaking ElevenLabs' text-to-speech API (POST /v1/text-to-speech/{voice_id})."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlparse

from integrations.tests.http_fake import Fault, LocalHTTPFake, read_body, send

# A frame header is enough for anyone sniffing the type; the test only compares bytes.
FAKE_MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00"


def audio_for(text: str) -> bytes:
    return FAKE_MP3 + text.encode()


class FakeElevenLabs(LocalHTTPFake):
    """Records each request; answers scripted Faults first, then synthesizes."""

    @property
    def url(self) -> str:
        return self.root_url

    def handle(self, request, method):
        url = urlparse(request.path)
        body = json.loads(read_body(request))
        fault = self.record(
            {
                "path": url.path,
                "query": parse_qs(url.query),
                "api_key": request.headers.get("xi-api-key"),
                "body": body,
            }
        )
        if fault is not None:
            self.send_fault(request, fault, "application/json")
        elif not url.path.startswith("/v1/text-to-speech/"):
            send(request, 404, b'{"detail": "Not Found"}', {"Content-Type": "application/json"})
        else:
            send(request, 200, audio_for(body["text"]), {"Content-Type": "audio/mpeg"})


def error(status: int, message: str, headers: dict[str, str] | None = None) -> Fault:
    body = json.dumps({"detail": {"status": "error", "message": message}}).encode()
    return Fault(status, body, headers or {})
