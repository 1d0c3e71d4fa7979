"""Faults in the terms the job runner understands: retry later, or fail clearly.

They live here, in the lowest layer, because vendor clients raise them; the job runner
(`jobs`) and the apps' services import them from here, never the other way round.
"""

import email.utils
import math
import time
from collections.abc import Mapping

__all__ = ["PermanentError", "TransientError", "VendorReplyError", "parse_retry_after"]


class TransientError(Exception):
    """A fault worth retrying (timeout, connection error, 429, 5xx)."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(Exception):
    """A fault retrying cannot fix; the message is shown to editors as is."""


class VendorReplyError(PermanentError):
    """The vendor answered, but not in the documented shape (malformed, missing fields)."""


def parse_retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds to wait from `Retry-After` (seconds or HTTP date) or `retry-after-ms`."""
    if not headers:
        return None
    # HTTP header names are case-insensitive; a plain dict is not.
    headers = {key.lower(): value for key, value in headers.items()}
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    if math.isnan(seconds) or math.isinf(seconds):
        return None
    return max(0.0, seconds)
