import pytest


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_teardown(item, nextitem):
    """Close the database connections a transactional test (or the root conftest's
    re-seeding after it) opened, once everything else in its teardown is done.

    Once Playwright's sync API has started (a session fixture), tests run in another
    contextvars context, and Django keeps its connections per context: a connection
    opened there is never closed by pytest-django, and dropping the test database at
    the end of the session fails ("being accessed by other users").
    """
    result = yield
    marker = item.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        from django.db import connections
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            connections.close_all()
    return result
