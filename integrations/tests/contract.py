"""The contract every vendor adapter keeps, whatever it does for Max.

One set of tests (`VendorContract`), run by each interface's contract module
(chat, transcription, voice) against every adapter of that interface, each time
against the local server that speaks the vendor's documented format. What a fault
means is the same for every vendor (`integrations.base`); a vendor that drifts from
it (ElevenLabs once failed a 408 for good) fails here.

An interface's module subclasses `VendorContract` as `Test…Contract` and gives it a
`harness` fixture, parametrised over its adapters, yielding a `Harness`.
"""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest

from integrations.errors import PermanentError, TransientError, VendorReplyError

TRANSIENT_STATUSES = [408, 429, 500, 503]
PERMANENT_STATUSES = [400, 401, 403, 404, 422]
VENDOR_MESSAGE = "Nothing to see here"


class Harness:
    """One adapter and its local vendor server, driven the same way for every vendor."""

    name = "base"
    key_setting = ""

    def call(self, **options: Any) -> Any:
        """One call through the interface, by an adapter pointed at the local server
        (`base_url`, `timeout` and the like override the adapter's options)."""
        raise NotImplementedError

    def check_good(self, result: Any) -> None:
        """`result` of `call()` is the fake's unscripted answer, correctly read."""
        raise NotImplementedError

    def answer_error(self, status: int, message: str, headers: dict[str, str]) -> None:
        """The next request is answered with `status` and the vendor's error body."""
        raise NotImplementedError

    def answer_slowly(self, seconds: float) -> None:
        raise NotImplementedError

    def answer_malformed(self) -> None:
        """The next request is answered 200 with a body not in the documented shape."""
        raise NotImplementedError

    def url_at(self, root: str) -> str:
        """The base URL the adapter is configured with when the vendor is at `root`."""
        return root


def closed_port_url() -> str:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


class VendorContract:
    """Collected through each interface's `Test…Contract` subclass."""

    def test_a_good_reply_is_read(self, harness: Harness):
        harness.check_good(harness.call())

    @pytest.mark.parametrize("status", TRANSIENT_STATUSES)
    def test_a_status_worth_retrying_is_transient_and_honours_retry_after(
        self, harness: Harness, status: int
    ):
        harness.answer_error(status, VENDOR_MESSAGE, {"Retry-After": "7"})
        with pytest.raises(TransientError) as caught:
            harness.call()
        assert caught.value.retry_after == 7
        assert f"HTTP {status}" in str(caught.value)
        assert VENDOR_MESSAGE in str(caught.value)

    def test_without_retry_after_the_job_runner_picks_the_wait(self, harness: Harness):
        harness.answer_error(503, VENDOR_MESSAGE, {})
        with pytest.raises(TransientError) as caught:
            harness.call()
        assert caught.value.retry_after is None

    @pytest.mark.parametrize("status", PERMANENT_STATUSES)
    def test_a_refused_request_is_permanent_with_the_vendors_message(
        self, harness: Harness, status: int
    ):
        harness.answer_error(status, VENDOR_MESSAGE, {"Retry-After": "7"})
        with pytest.raises(PermanentError) as caught:
            harness.call()
        assert not isinstance(caught.value, TransientError)
        assert f"HTTP {status}" in str(caught.value)
        assert VENDOR_MESSAGE in str(caught.value)
        if status in (401, 403):
            assert "refused the API key" in str(caught.value)
            assert f"Check {harness.key_setting}." in str(caught.value)

    def test_a_timeout_is_transient(self, harness: Harness):
        harness.answer_slowly(3.0)
        started = time.monotonic()
        with pytest.raises(TransientError, match="did not answer in time"):
            harness.call(timeout=0.5)
        assert time.monotonic() - started < 2.5

    def test_an_unreachable_vendor_is_transient(self, harness: Harness):
        with pytest.raises(TransientError, match="Could not reach"):
            harness.call(base_url=harness.url_at(closed_port_url()))

    def test_a_malformed_reply_is_a_vendor_reply_error(self, harness: Harness):
        harness.answer_malformed()
        with pytest.raises(VendorReplyError):
            harness.call()
