"""Fixtures shared by every app's tests."""

import os

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

# Property tests share two cores with the rest of the suite (and, in CI, with whatever else the
# machine runs): input generation that is merely slow under load is not a failure, and a
# per-example deadline only measures the machine. HYPOTHESIS_PROFILE=thorough runs more examples.
hypothesis_settings.register_profile(
    "default-suite",
    # Enough to find the edge cases these properties have found so far, within the suite's
    # three minutes; `thorough` is for a change to the code under property test.
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
hypothesis_settings.register_profile(
    "thorough", parent=hypothesis_settings.get_profile("default-suite"), max_examples=1000
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default-suite"))


@pytest.fixture
def system_user(db):
    from accounts.models import User

    return User.objects.system_user()


@pytest.fixture
def editor(db):
    from tests.factories import UserFactory

    return UserFactory(
        email="editor@example.com", password="editor-pass-123", full_name="Erin Editor"
    )


@pytest.fixture
def other_editor(db):
    from tests.factories import UserFactory

    return UserFactory(
        email="second@example.com", password="second-pass-123", full_name="Sam Second"
    )


@pytest.fixture
def staff_admin(db):
    from tests.factories import UserFactory

    return UserFactory(
        admin=True, email="boss@example.com", password="boss-pass-123", full_name="Ada Admin"
    )


@pytest.fixture
def project(editor):
    """A lecture project, "Endo week" (apps that need other metadata override it)."""
    from tests.factories import ProjectFactory

    return ProjectFactory(created_by=editor)


@pytest.fixture
def transcription(editor):
    """A machine transcript (T-1) of four timed segments, in a project of its own."""
    from tests.factories import TranscriptionFactory

    return TranscriptionFactory(created_by=editor)


def signed_in(client, user):
    """`client` with `user`'s session, as `force_login` leaves it, without the sign-in signals
    (the sign-in guard's bookkeeping and last_login: five queries and a session rotation that
    the hundreds of tests using these fixtures do not look at; tests of signing in sign in)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    session = client.session
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    return client


@pytest.fixture
def editor_client(client, editor):
    return signed_in(client, editor)


@pytest.fixture
def admin_client_(client, staff_admin):
    return signed_in(client, staff_admin)


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield


SEED_DATA_MIGRATIONS = [
    ("accounts.migrations.0002_system_user", "create_system_user"),
    ("projects.migrations.0002_seed_project_types", "seed"),
    ("translations.migrations.0002_seed_languages", "seed"),
    ("languages.migrations.0002_caption_profile", "set_profiles"),
    ("summaries.migrations.0002_seed_prompt_templates", "seed"),
]


@pytest.fixture(scope="session", autouse=True)
def _flush_by_delete():
    """Empty the tables after a transactional test with DELETE rather than TRUNCATE.

    PostgreSQL's TRUNCATE gives every table a new file, about 0.3 s for this schema after each
    of the suite's browser and worker tests, where the tables hold a handful of rows that DELETE
    removes in milliseconds. Foreign keys and triggers are switched off for the one
    transaction the flush runs in (the tests connect as a superuser). Content types and
    permissions are kept, so the flush's post_migrate, which would only look for them again
    (a hundred queries), is not sent.
    """
    from django.core.management.commands import flush
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush
    kept = {"django_content_type", "auth_permission"}

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences:
            return truncate(self, style, tables, reset_sequences=True, allow_cascade=allow_cascade)
        emptied = [self.quote_name(table) for table in tables if table not in kept]
        if not emptied:
            return []
        return [
            "SET LOCAL session_replication_role = replica;",
            # Every table at once, as TRUNCATE takes them: a write still finishing in a live
            # server thread is waited for, not deadlocked with row by row.
            f"LOCK TABLE {', '.join(emptied)} IN ACCESS EXCLUSIVE MODE;",
            *(f"DELETE FROM {table};" for table in emptied),
        ]

    emit_post_migrate_signal = flush.emit_post_migrate_signal
    DatabaseOperations.sql_flush = sql_flush
    flush.emit_post_migrate_signal = lambda *args, **kwargs: None
    yield
    DatabaseOperations.sql_flush = truncate
    flush.emit_post_migrate_signal = emit_post_migrate_signal


# Tests that share one running Max (tests/e2e/conftest.py `running_max`, minutes of start-up
# if each worker made its own).
SHARED_MAX_TESTS = "tests/e2e/"


def pytest_xdist_make_scheduler(config, log):
    """`--dist loadgroup`, with the end-to-end tests kept on one worker by their folder.

    pytest-xdist 3.8 groups `xdist_group` tests by a suffix it appends to each node id, which
    pytest 9 no longer reads: the groups fell apart and each worker started its own Max.
    """
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class FolderGroupScheduling(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            if nodeid.startswith(SHARED_MAX_TESTS):
                return SHARED_MAX_TESTS
            return super()._split_scope(nodeid)

    return FolderGroupScheduling(config, log)


def pytest_collection_modifyitems(config, items):
    """Modules with long tests first (browser, real workers and servers), short ones last.

    pytest-xdist hands out tests in this order as workers become free (`make test` passes
    --no-loadscope-reorder, which would put groups first): with the long ones at the end, one
    worker would still be in a ten-second browser test while the other had nothing left to do.
    The group that runs Max as `make run` does (three processes of its own) comes after the
    other browser tests, beside short tests rather than two browsers. A module moves as a
    whole, so its module-scoped fixtures (a Whisper model, a transcript) are still made once
    per worker.
    """

    def weight(item) -> int:
        if item.nodeid.startswith(SHARED_MAX_TESTS):
            return 1
        if item.get_closest_marker("browser") or item.get_closest_marker("slow"):
            return 0
        marker = item.get_closest_marker("django_db")
        return 2 if marker is not None and marker.kwargs.get("transaction") else 3

    module_weight: dict[str, int] = {}
    for item in items:
        module = item.nodeid.split("::", 1)[0]
        module_weight[module] = min(module_weight.get(module, 3), weight(item))
    items.sort(key=lambda item: module_weight[item.nodeid.split("::", 1)[0]])


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test ends by flushing every table, seed rows included; put them back.

    Runs after the test's fixtures are torn down (so after the flush). The data migrations
    are idempotent, so running them again restores exactly the seed.
    """
    result = yield
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    transactional = (
        (marker is not None and marker.kwargs.get("transaction"))
        or "transactional_db" in fixtures
        or "live_server" in fixtures
    )
    if transactional and nextitem is not None:  # at the end of the session the test DB is gone
        import importlib

        from django.apps import apps as global_apps
        from django.contrib.contenttypes.models import ContentType
        from pytest_django.plugin import blocking_manager_key

        # The flush re-created content types with new ids; forget the cached old ones.
        ContentType.objects.clear_cache()
        with item.config.stash[blocking_manager_key].unblock():
            for module, function in SEED_DATA_MIGRATIONS:
                getattr(importlib.import_module(module), function)(global_apps, None)
    return result


@pytest.fixture(scope="session", autouse=True)
def _close_stray_connections_before_dropping_the_test_database(django_db_setup, django_db_blocker):
    """Live-server threads can leave connections open; PostgreSQL refuses to drop a database
    that other sessions use, so end them before pytest-django tears the database down."""
    yield
    from django.db import connection

    if not str(connection.settings_dict.get("NAME", "")).startswith("test_"):
        return  # no test database was set up in this run
    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
        connection.close()


# --- browser tests (pytest-playwright on Debian's Chromium) ---------------------------------

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run
# beside one unless told it is safe (it is: the loop is idle while the test code runs).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Playwright cannot download browsers here; use the system Chromium."""
    from tests import chromium

    return {
        **browser_type_launch_args,
        "executable_path": chromium.executable(),
        "args": chromium.ARGS,
    }


@pytest.fixture(scope="session")
def base_url(live_server):
    # pytest-playwright's own fallback warns under pytest 9, which fails with -W error.
    return live_server.url


@pytest.fixture
def sonix(settings):
    """A local Sonix API; SONIX_API_KEY and SONIX_BASE_URL point at it."""
    from integrations.tests.sonix_fake import API_KEY, SonixServer

    with SonixServer() as fake:
        settings.SONIX_API_KEY = API_KEY
        settings.SONIX_BASE_URL = fake.base_url
        settings.VENDOR_TIMEOUT_SECONDS = 5
        yield fake


@pytest.fixture
def queued_not_run():
    """Jobs are queued on the broker, not run in the request (the test settings run them
    eagerly): for tests about starting work, or that watch a page while a job waits and then
    play the worker. The Celery app read its settings once, so its own flag is switched, not
    Django's."""
    from celery import current_app

    saved = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = False
    yield
    current_app.conf.task_always_eager = saved
