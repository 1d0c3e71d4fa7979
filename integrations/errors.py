"""Vendor faults mapped to what the job runner understands (retry or fail clearly)."""

import email.utils
import math
import time
from collections.abc import Mapping

from jobs.errors import PermanentError, TransientError

__all__ = ["PermanentError", "TransientError", "VendorReplyError", "parse_retry_after"]


class VendorReplyError(PermanentError):
    """The vendor answered, but not in the documented shape (malformed, missing fields)."""


def parse_retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds to wait from `Retry-After` (seconds or HTTP date) or `retry-after-ms`."""
    if not headers:
        return None
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
