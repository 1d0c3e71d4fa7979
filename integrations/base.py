"""One way to talk to a vendor: what a fault means, and the HTTP request that meets it.

Every adapter, whatever its transport, turns faults into the job runner's terms through
the one rule here (`status_error`, `timeout_error`, `connection_error`):

    408, 409, 425, 429, 5xx      TransientError, carrying the vendor's Retry-After
    401, 403                     PermanentError: the key was refused, and which setting holds it
    any other 4xx                PermanentError with the vendor's own message
    timeout, connection broken   TransientError

The raw-HTTP adapters (Sonix, ElevenLabs) subclass `HTTPVendor`, which owns the request,
the timeout and this mapping; the SDK adapters (openai, anthropic) hand the SDK's
exceptions to `sdk_error`, which applies the same rule. A vendor class keeps only its
request and its reply, as `weblate/machinery/base.py` arranges machine translation.

Retries: a vendor call makes one attempt, and a TransientError goes back to whoever
retries (the job runner, with backoff honouring `retry_after`; the transcription
pipeline per piece). The chat SDKs' own retries (`VENDOR_MAX_RETRIES`) are the one
exception: a translation batch is cheap to resend and expensive to restart.
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import json
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any, ClassVar

from integrations.errors import PermanentError, TransientError, VendorReplyError, parse_retry_after

# Worth asking again later: the server gave up waiting for the request (408), it collided
# with another (409), came too early (425) or too often (429); and every 5xx. The same
# statuses the openai and anthropic SDKs retry by themselves.
TRANSIENT_STATUSES = frozenset({408, 409, 425, 429})
AUTH_STATUSES = frozenset({401, 403})
DETAIL_CHARS = 300
ERROR_BODY_BYTES = 64 * 1024
USER_AGENT = "Max/1.0"


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The verified TLS context every vendor SDK client shares.

    Each SDK client would otherwise build its own, reading the system's CA bundle: about 35 ms
    of CPU for every adapter, and an adapter is made for every job and every engine check.
    A context is safe to share between threads and connections.
    """
    return ssl.create_default_context()


def sdk_http_client(sdk: ModuleType) -> Any:
    """An HTTP client for one SDK client (`openai`, `anthropic`): the SDK's defaults and the
    shared TLS context, closed with the SDK client that owns it, as the SDK's own is."""

    class Owned(sdk.DefaultHttpxClient):  # type: ignore[name-defined]
        def __del__(self) -> None:
            # During garbage collection, as the SDK's own client does.
            if not self.is_closed:
                with contextlib.suppress(Exception):
                    self.close()

    return Owned(verify=tls_context())


def vendor_timeout(timeout: float | None = None) -> float:
    """Seconds one vendor request may take: `timeout`, else VENDOR_TIMEOUT_SECONDS."""
    if timeout is not None:
        return timeout
    from django.conf import settings

    return settings.VENDOR_TIMEOUT_SECONDS


def chat_sdk_retries(max_retries: int | None = None) -> int:
    """How often a chat SDK resends a failed request itself: `max_retries`, else
    VENDOR_MAX_RETRIES (see the module's note on retries)."""
    if max_retries is not None:
        return max_retries
    from django.conf import settings

    return settings.VENDOR_MAX_RETRIES


def is_transient_status(status: int) -> bool:
    return status in TRANSIENT_STATUSES or status >= 500


def status_error(
    status: int,
    *,
    vendor: str,
    detail: str = "",
    headers: Mapping[str, str] | None = None,
    key_setting: str = "",
    hint: str = "",
) -> TransientError | PermanentError:
    """The one table from an HTTP error status to the error the job runner acts on.

    `detail` is the vendor's own message; `hint` says what an editor can do about this
    status at this vendor (Sonix's 402 is a billing problem), `key_setting` names the
    setting to check when the key is refused.
    """
    said = f": {detail.strip().rstrip('.')}" if detail and detail.strip() else ""
    hint = f" {hint}" if hint else ""
    if is_transient_status(status):
        retry_after = parse_retry_after(headers)
        if status == 429:
            what = "is rate limiting Max"
        elif status >= 500:
            what = "had a server error"
        else:
            what = "had a temporary fault"
        return TransientError(f"{vendor} {what} (HTTP {status}){said}.{hint}", retry_after)
    if status in AUTH_STATUSES:
        check = f" Check {key_setting}." if key_setting else ""
        return PermanentError(f"{vendor} refused the API key (HTTP {status}){said}.{check}{hint}")
    return PermanentError(f"{vendor} rejected the request (HTTP {status}){said}.{hint}")


def timeout_error(vendor: str, seconds: float | None = None) -> TransientError:
    after = f" (after {seconds:g} s)" if seconds else ""
    return TransientError(f"{vendor} did not answer in time{after}.")


def connection_error(vendor: str, reason: object) -> TransientError:
    return TransientError(f"Could not reach {vendor} ({reason}).")


def error_detail(body: Any) -> str:
    """The vendor's message from an error body, in any of the documented shapes:
    `{"error": {"message"}}` (OpenAI, Anthropic), `{"error": "…"}` (Sonix),
    `{"detail": "…" | {"message"} | [{"msg"}]}` (ElevenLabs), `{"message": "…"}`."""
    if isinstance(body, bytes | str):
        try:
            body = json.loads(body or b"null")
        except (ValueError, UnicodeDecodeError):
            return ""
    if not isinstance(body, dict):
        return ""
    found: Any = None
    for key in ("error", "detail", "message"):
        value = body.get(key)
        if isinstance(value, dict):
            value = value.get("message") or value.get("status")
        elif isinstance(value, list):  # validation errors: [{"msg": …, "loc": …}]
            value = "; ".join(str(v.get("msg", v)) for v in value if isinstance(v, dict))
        if value:
            found = value
            break
    return str(found)[:DETAIL_CHARS] if found else ""


def sdk_error(
    exc: Exception,
    *,
    sdk: ModuleType,
    vendor: str,
    key_setting: str = "",
    hints: Mapping[int, str] | None = None,
) -> Exception | None:
    """An openai/anthropic SDK exception (both SDKs share the class names) through the
    same rule as raw HTTP; None when `exc` is not the SDK's."""
    if isinstance(exc, sdk.APITimeoutError):
        return timeout_error(vendor)
    if isinstance(exc, sdk.APIConnectionError):
        return connection_error(vendor, exc.__cause__ or exc)
    if isinstance(exc, sdk.APIStatusError):
        detail = error_detail(exc.body) or str(getattr(exc, "message", "") or "")[:DETAIL_CHARS]
        return status_error(
            exc.status_code,
            vendor=vendor,
            detail=detail,
            headers=exc.response.headers if exc.response is not None else None,
            key_setting=key_setting,
            hint=(hints or {}).get(exc.status_code, ""),
        )
    if isinstance(exc, sdk.APIResponseValidationError | sdk.APIError):
        return VendorReplyError(f"{vendor} sent a reply Max cannot read ({exc}).")
    return None


@dataclass(frozen=True)
class VendorReply:
    status: int
    headers: Mapping[str, str]
    body: bytes


class HTTPVendor:
    """A vendor reached over plain HTTP: one request, one timeout, one error rule.

    A subclass sets `label` (how editors read the vendor's name), `key_setting`, and
    `status_hints` for statuses the vendor gives a meaning of its own; it builds its
    request and reads its reply, nothing else.
    """

    label: ClassVar[str] = "The vendor"
    key_setting: ClassVar[str] = ""
    status_hints: ClassVar[Mapping[int, str]] = {}
    timeout: float

    def __init__(self, *, timeout: float | None = None):
        self.timeout = vendor_timeout(timeout)

    def auth_headers(self) -> dict[str, str]:
        return {}

    def send(
        self,
        method: str,
        url: str,
        *,
        query: Mapping[str, Any] | None = None,
        body: bytes | Iterable[bytes] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> VendorReply:
        """One request; any answer but a 2xx, a timeout or a broken connection raises."""
        if query:
            url += "?" + urllib.parse.urlencode(query)
        request = urllib.request.Request(
            url,
            data=body,
            method=method,
            headers={"User-Agent": USER_AGENT, **self.auth_headers(), **(headers or {})},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return VendorReply(response.status, response.headers, response.read())
        except urllib.error.HTTPError as exc:
            with exc:
                # An email Message, not a Mapping; the last of repeated headers wins, as before.
                said = dict(exc.headers.items()) if exc.headers is not None else {}
                raise self.status_error(exc.code, _read_error_body(exc), said) from exc
        except TimeoutError as exc:
            raise timeout_error(self.label, self.timeout) from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise timeout_error(self.label, self.timeout) from exc
            raise connection_error(self.label, exc.reason) from exc
        except (ConnectionError, http.client.HTTPException) as exc:
            raise connection_error(self.label, f"the connection broke: {exc!r}") from exc

    def send_json(
        self, method: str, url: str, *, headers: Mapping[str, str] | None = None, **kwargs: Any
    ) -> Any:
        """The reply's JSON; a body that is not JSON is a VendorReplyError."""
        headers = {"Accept": "application/json", **(headers or {})}
        reply = self.send(method, url, headers=headers, **kwargs)
        try:
            return json.loads(reply.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise VendorReplyError(
                f"{self.label} answered with something that is not JSON."
            ) from exc

    def status_error(
        self, status: int, body: bytes, headers: Mapping[str, str]
    ) -> TransientError | PermanentError:
        return status_error(
            status,
            vendor=self.label,
            detail=self.error_detail(body),
            headers=headers,
            key_setting=self.key_setting,
            hint=self.status_hints.get(status, ""),
        )

    def error_detail(self, body: bytes) -> str:
        return error_detail(body)


def _read_error_body(exc: urllib.error.HTTPError) -> bytes:
    try:
        return exc.read(ERROR_BODY_BYTES) or b""
    except (OSError, http.client.HTTPException):
        return b""
