"""A local server speaking ElevenLabs' text-to-speech API (POST /v1/text-to-speech/{voice_id})."""

from __future__ import annotations

import contextlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

# A frame header is enough for anyone sniffing the type; the test only compares bytes.
FAKE_MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00"


def audio_for(text: str) -> bytes:
    return FAKE_MP3 + text.encode()


class FakeElevenLabs:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        # Scripted answers (status, body, headers); empty: synthesize.
        self.script: list[tuple[int, bytes, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                url = urlparse(self.path)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append(
                    {
                        "path": url.path,
                        "query": parse_qs(url.query),
                        "api_key": self.headers.get("xi-api-key"),
                        "body": body,
                    }
                )
                if server.script:
                    status, payload, headers = server.script.pop(0)
                elif not url.path.startswith("/v1/text-to-speech/"):
                    status, payload, headers = 404, b'{"detail": "Not Found"}', {}
                else:
                    status, payload = 200, audio_for(body["text"])
                    headers = {"Content-Type": "audio/mpeg"}
                headers.setdefault("Content-Type", "application/json")
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(payload)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeElevenLabs:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def error(status: int, message: str, headers: dict[str, str] | None = None):
    body = json.dumps({"detail": {"status": "error", "message": message}}).encode()
    return status, body, headers or {}
