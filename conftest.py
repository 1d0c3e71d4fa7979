"""Fixtures shared by every app's tests."""

import pytest


@pytest.fixture
def system_user(db):
    from accounts.models import User

    return User.objects.system_user()


@pytest.fixture
def editor(db):
    from accounts.models import User

    return User.objects.create_user(
        email="editor@example.com", password="editor-pass-123", full_name="Erin Editor"
    )


@pytest.fixture
def other_editor(db):
    from accounts.models import User

    return User.objects.create_user(
        email="second@example.com", password="second-pass-123", full_name="Sam Second"
    )


@pytest.fixture
def staff_admin(db):
    from accounts.models import User

    return User.objects.create_superuser(
        email="boss@example.com", password="boss-pass-123", full_name="Ada Admin"
    )


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def admin_client_(client, staff_admin):
    client.force_login(staff_admin)
    return client


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
