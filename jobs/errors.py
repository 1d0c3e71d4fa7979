"""Errors about jobs themselves; vendor and service faults (TransientError,
PermanentError) live in `integrations.errors`."""


class JobCancelled(Exception):
    """Raised inside a running job when someone pressed Cancel."""
