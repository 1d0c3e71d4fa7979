"""Sign-in limits (django-axes): per account and client address, proxy-aware, expiring,
exact under parallel attempts, and covering the password-change form too."""

import datetime
import threading

import pytest
from axes.models import AccessAttempt
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
RIGHT = "editor-pass-123"


def attempt(client: Client, email: str, password: str, **headers):
    return client.post(LOGIN, {"username": email, "password": password}, **headers)


def fail_ten_times(client: Client, email: str, **headers):
    for _ in range(10):
        response = attempt(client, email, "wrong", **headers)
        assert response.status_code in (200, 429)


def test_ten_wrong_passwords_lock_that_account_at_that_address_only(editor, other_editor):
    here = Client(REMOTE_ADDR="192.0.2.10")
    for _ in range(9):
        attempt(here, editor.email, "wrong")
    assert attempt(here, editor.email, RIGHT).status_code == 302  # the tenth try still counts
    here.logout()

    fail_ten_times(here, editor.email)
    locked = attempt(here, editor.email, RIGHT)
    assert locked.status_code == 429
    assert "Too many wrong passwords" in locked.content.decode()
    # The same account, typed differently, is the same account.
    assert attempt(here, " Editor@Example.COM", RIGHT).status_code == 429

    # Everyone else at that address, and the owner elsewhere, sign in as usual.
    assert attempt(Client(REMOTE_ADDR="192.0.2.10"), other_editor.email, "second-pass-123")[
        "Location"
    ].startswith("/projects/")
    assert attempt(Client(REMOTE_ADDR="198.51.100.20"), editor.email, RIGHT).status_code == 302


def test_behind_the_proxy_each_client_is_told_apart_by_the_forwarded_address(
    settings, editor, other_editor
):
    settings.BEHIND_TLS_PROXY = True
    proxy = {"REMOTE_ADDR": "10.0.0.2"}  # every request arrives from the proxy
    attacker = Client(**proxy)
    # The proxy appends the address it saw; what the client sent before it proves nothing.
    fail_ten_times(attacker, editor.email, HTTP_X_FORWARDED_FOR="203.0.113.9")
    spoofed = attempt(attacker, editor.email, RIGHT, HTTP_X_FORWARDED_FOR="8.8.8.8, 203.0.113.9")
    assert spoofed.status_code == 429

    office = Client(**proxy)
    ok = attempt(office, editor.email, RIGHT, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert ok.status_code == 302
    other = attempt(Client(**proxy), other_editor.email, "second-pass-123")
    assert other.status_code == 302


def test_without_the_proxy_setting_a_forwarded_header_is_ignored(settings, editor):
    settings.BEHIND_TLS_PROXY = False
    client = Client(REMOTE_ADDR="192.0.2.44")
    fail_ten_times(client, editor.email, HTTP_X_FORWARDED_FOR="203.0.113.1")
    # A client talking to Django directly cannot step out of its lockout with a header.
    again = attempt(client, editor.email, RIGHT, HTTP_X_FORWARDED_FOR="203.0.113.2")
    assert again.status_code == 429


def test_a_lockout_ends_after_the_cool_off(settings, editor):
    client = Client(REMOTE_ADDR="192.0.2.50")
    fail_ten_times(client, editor.email)
    assert attempt(client, editor.email, RIGHT).status_code == 429
    # Sixteen minutes later (the cool-off is 15): the counted failures have expired.
    AccessAttempt.objects.update(
        attempt_time=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=16)
    )
    assert attempt(client, editor.email, RIGHT).status_code == 302


def test_the_lockout_page_says_how_long_to_wait(editor):
    client = Client(REMOTE_ADDR="192.0.2.51")
    fail_ten_times(client, editor.email)
    page = attempt(client, editor.email, RIGHT).content.decode()
    assert "Try again in 15 minutes" in page


def test_the_password_change_form_counts_wrong_old_passwords(editor):
    client = Client(REMOTE_ADDR="192.0.2.60")
    client.force_login(editor)
    url = reverse("accounts:password_change")
    new = {"new_password1": "N3w-pass-phrase", "new_password2": "N3w-pass-phrase"}
    for _ in range(9):
        wrong = client.post(url, {"old_password": "guess", **new})
        assert wrong.status_code == 200
        assert "Your old password was entered incorrectly" in wrong.content.decode()
    tenth = client.post(url, {"old_password": "guess", **new})
    assert tenth.status_code == 429  # the tenth wrong password locks
    blocked = client.post(
        url,
        {
            "old_password": RIGHT,
            "new_password1": "N3w-pass-phrase",
            "new_password2": "N3w-pass-phrase",
        },
    )
    assert blocked.status_code == 429
    editor.refresh_from_db()
    assert editor.check_password(RIGHT)  # unchanged


def test_the_password_change_form_works_with_the_right_old_password(editor):
    client = Client(REMOTE_ADDR="192.0.2.61")
    client.force_login(editor)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": RIGHT,
            "new_password1": "N3w-pass-phrase",
            "new_password2": "N3w-pass-phrase",
        },
    )
    assert response.status_code == 302
    editor.refresh_from_db()
    assert editor.check_password("N3w-pass-phrase")


def test_the_admin_password_change_is_the_limited_one(admin_client_):
    response = admin_client_.get(reverse("admin:password_change"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_change")


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_passwords_get_ten_guesses_not_more(editor, monkeypatch):
    """Twenty attempts at once: each password check is slow (as a real hash is), so without
    a lock all twenty would pass the "locked?" check before the first failure is counted."""
    checked = []
    original = User.check_password

    def slow_check(self, raw_password):
        checked.append(raw_password)
        threading.Event().wait(0.15)
        return original(self, raw_password)

    monkeypatch.setattr(User, "check_password", slow_check)
    start = threading.Barrier(20)
    statuses = []

    def guess(number: int):
        try:
            client = Client(REMOTE_ADDR="192.0.2.70")
            start.wait()
            statuses.append(attempt(client, editor.email, f"guess-{number}").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # Nine wrong answers, the tenth wrong one locks, the other ten are refused unchecked.
    assert sorted(statuses) == [200] * 9 + [429] * 11
    assert len(checked) == 10
