"""Vendor faults mapped to what the job runner understands (retry or fail clearly)."""

from jobs.errors import PermanentError, TransientError

__all__ = ["PermanentError", "TransientError", "VendorReplyError"]


class VendorReplyError(PermanentError):
    """The vendor answered, but not in the documented shape (malformed, missing fields)."""
