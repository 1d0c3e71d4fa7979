"""Sign-in limits: django-axes, keyed on the account tried and the client's address.

Axes counts failed password checks per (account, address) and refuses that pair for
AXES_COOLOFF_TIME once there are AXES_FAILURE_LIMIT of them (settings.py). What is ours:

- which address is the client's: behind our TLS proxy (BEHIND_TLS_PROXY), the entry our proxy
  appended to X-Forwarded-For; otherwise the connection's own address, whatever headers say;
- which account was tried, normalised as sign-in matches it (case-insensitive email);
- one attempt at a time per account: the "is it locked?" check and the counting of a failure
  happen under a database lock, so twenty parallel requests cannot all pass the check before
  the first failure is counted;
- the page shown when refused.

Both password forms (sign-in and password change) check passwords through here.
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import math
from collections.abc import Iterator

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

USERNAME_MAX_CHARS = 255  # axes' AccessAttempt.username


def client_ip(request: HttpRequest) -> str | None:
    """The client's address (AXES_CLIENT_IP_CALLABLE)."""
    if settings.BEHIND_TLS_PROXY:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [hop for hop in hops if hop]
        # Our proxies each append one entry; anything further left came from the client.
        trusted = max(1, settings.TRUSTED_PROXY_COUNT)
        if len(hops) >= trusted:
            address = _ip_or_none(hops[-trusted])
            if address:
                return address
    return _ip_or_none(request.META.get("REMOTE_ADDR", ""))


def _ip_or_none(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def attempted_username(request: HttpRequest, credentials: dict | None) -> str | None:
    """The account tried, as sign-in matches it (AXES_USERNAME_CALLABLE): "Erin@X.com " and
    "erin@x.com" are one account, so they share one count."""
    if credentials:
        raw = credentials.get("username")
    else:
        raw = request.POST.get("username")
    name = str(raw or "").strip().lower()[:USERNAME_MAX_CHARS]
    return name or None


class LoginLimitBackend(AxesStandaloneBackend):
    """Axes' guard, first in AUTHENTICATION_BACKENDS: refuses a locked-out pair before any
    password is checked."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            # Our own code signing someone in without a web request (the test client's
            # login(), the shell): there is no client to limit.
            return None
        return super().authenticate(request, username, password, **kwargs)


@contextlib.contextmanager
def one_attempt_at_a_time(username: str | None) -> Iterator[None]:
    """Serialise password checks for one account until the outcome is stored.

    PostgreSQL: a transaction-scoped advisory lock on the account. SQLite runs every
    transaction as IMMEDIATE (settings.py), which already admits one writer at a time.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            digest = hashlib.blake2b(f"max-login:{username or ''}".encode(), digest_size=8)
            key = int.from_bytes(digest.digest(), "big", signed=True)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
        yield


def lockout_response(request: HttpRequest, original_response=None, credentials=None):
    """The page for a refused attempt (AXES_LOCKOUT_CALLABLE)."""
    cool_off = get_cool_off(request)
    minutes = math.ceil(cool_off.total_seconds() / 60) if cool_off else None
    response: HttpResponse = render(
        request,
        "registration/locked_out.html",
        {"minutes": minutes},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
    return response


class LimitedAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, checking the password under the per-account lock."""

    def clean(self):
        username = attempted_username(self.request, {"username": self.data.get("username")})
        refused = None
        with one_attempt_at_a_time(username):
            try:
                return super().clean()
            except forms.ValidationError as error:
                # Leave the block normally, so the counted failure is committed.
                refused = error
        raise refused


class LimitedPasswordChangeForm(PasswordChangeForm):
    """Django's password-change form, whose old-password check counts as a sign-in attempt:
    a stolen session cannot be used to guess the password without limit."""

    def __init__(self, user, *args, request: HttpRequest, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        email = self.user.get_username()
        with one_attempt_at_a_time(attempted_username(self.request, {"username": email})):
            checked = authenticate(self.request, username=email, password=old_password)
        if checked is None or checked.pk != self.user.pk:
            raise forms.ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        return old_password
