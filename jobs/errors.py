"""Errors a service raises to tell a job how a failure should be treated."""


class TransientError(Exception):
    """A fault worth retrying (timeout, connection error, 429, 5xx)."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(Exception):
    """A fault retrying cannot fix; the message is shown to editors as is."""


class JobCancelled(Exception):
    """Raised inside a running job when someone pressed Cancel."""
