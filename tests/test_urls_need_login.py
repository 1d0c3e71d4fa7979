"""Every URL except login needs a login: walk all URL patterns as an anonymous user."""

import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

PUBLIC = {"login"}


def iter_patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from iter_patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def concrete_path(route: str) -> str:
    """Turn `projects/<uuid:pk>/edit/` or an admin regex into a path with sample values."""
    import re

    path = route.lstrip("^").rstrip("$")
    # a named regex group: use its first alternative when it lists them, else a sample word
    path = re.sub(
        r"\(\?P<[^>]+>([^)]*)\)",
        lambda m: m.group(1).split("|")[0] if re.fullmatch(r"[\w|]+", m.group(1)) else "x",
        path,
    )
    # A fixed id: xdist workers must collect the same parametrised tests in the same order.
    path = re.sub(r"<uuid:[^>]+>", str(uuid.UUID(int=1, version=4)), path)
    path = re.sub(r"<int:[^>]+>", "1", path)
    path = re.sub(r"<(?:str:|slug:|path:)?[^>]+>", "x", path)
    path = path.replace("\\", "")
    return "/" + path


def test_every_url_redirects_anonymous_users_to_login(client):
    checked = 0
    for route, pattern in iter_patterns():
        if pattern.name in PUBLIC:
            continue
        path = concrete_path(route)
        for method in ("get", "post"):
            response = getattr(client, method)(path, follow=True)
            assert response.redirect_chain, (method, path, response.status_code)
            final = response.redirect_chain[-1][0]
            assert final.startswith("/accounts/login/"), (method, path, final)
            assert response.status_code == 200
        checked += 1
    assert checked > 20


def test_login_page_is_public(client):
    assert client.get("/accounts/login/").status_code == 200


def test_login_is_rate_limited(client, editor):
    """(The details — per account and address, expiry, proxies — are in test_sign_in_limits.)"""
    for _ in range(9):
        response = client.post("/accounts/login/", {"username": editor.email, "password": "no"})
        assert response.status_code == 200
    response = client.post("/accounts/login/", {"username": editor.email, "password": "no"})
    assert response.status_code == 429  # the tenth wrong password locks
    response = client.post(
        "/accounts/login/", {"username": editor.email, "password": "editor-pass-123"}
    )
    assert response.status_code == 429
    assert b"Too many wrong passwords" in response.content


def test_editor_signs_in_with_email_and_lands_on_projects(client, editor):
    response = client.post(
        "/accounts/login/",
        {"username": "Editor@Example.com", "password": "editor-pass-123"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/projects/"
    assert b"Projects" in response.content and b"Glossary" in response.content
    assert b'href="/admin/"' not in response.content  # Admin link is for staff only
