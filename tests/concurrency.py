"""Run the same request from several threads at the same moment, as two editors pressing a
button at once would: for the tests that prove a write happens once."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection


def at_once(action: Callable[[Any], Any], arguments: Iterable[Any]) -> list[Any]:
    """`action(argument)` for every argument, each in its own thread, released together.

    Returns the results (in completion order); re-raises the first error any thread met.
    Each thread closes its own database connection, which would otherwise outlive it.
    """
    arguments = list(arguments)
    barrier = threading.Barrier(len(arguments))
    errors: list[BaseException] = []
    results: list[Any] = []

    def work(argument):
        try:
            barrier.wait(timeout=10)
            results.append(action(argument))
        except BaseException as exc:  # surfaced in the test's thread below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(argument,)) for argument in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    if errors:
        raise errors[0]
    assert len(results) == len(arguments), "a thread did not finish in time"
    return results
