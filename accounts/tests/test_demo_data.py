"""`manage.py demo_data`, which `make run` calls before starting the app."""

import io

import pytest
from django.core.management import call_command

from accounts.models import User
from projects.models import Project

pytestmark = pytest.mark.django_db


def run() -> str:
    out = io.StringIO()
    call_command("demo_data", stdout=out)
    return out.getvalue()


def test_the_demo_login_works_and_a_second_run_changes_nothing(client, monkeypatch):
    monkeypatch.delenv("DEMO_ADMIN_EMAIL", raising=False)
    monkeypatch.delenv("DEMO_ADMIN_PASSWORD", raising=False)
    monkeypatch.delenv("PORT", raising=False)

    printed = run()
    run()

    assert "Sign in at http://127.0.0.1:8000/ as admin@example.com / max-demo-2026" in printed
    admin = User.objects.get(email="admin@example.com")
    assert admin.is_superuser
    assert Project.objects.filter(name="Endodontics 101 (demo)", created_by=admin).count() == 1
    assert client.login(username="admin@example.com", password="max-demo-2026")


def test_the_login_and_address_follow_the_environment(client, monkeypatch):
    monkeypatch.setenv("DEMO_ADMIN_EMAIL", "journey@example.com")
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "journey-pass-2026")
    monkeypatch.setenv("PORT", "8123")

    printed = run()

    assert "Sign in at http://127.0.0.1:8123/ as journey@example.com / journey-pass-2026" in printed
    assert client.login(username="journey@example.com", password="journey-pass-2026")
