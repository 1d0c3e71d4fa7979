"""The one rule from a vendor's fault to the job runner's error, and its parts."""

import time
from email.utils import formatdate

import pytest

from integrations.base import error_detail, status_error
from integrations.errors import PermanentError, TransientError, parse_retry_after


@pytest.mark.parametrize("status", [408, 409, 425, 429, 500, 502, 503, 504, 529])
def test_statuses_worth_retrying_are_transient(status):
    error = status_error(status, vendor="Acme", detail="busy", headers={"Retry-After": "4"})
    assert isinstance(error, TransientError)
    assert error.retry_after == 4
    assert str(error).startswith("Acme ") and f"(HTTP {status}): busy." in str(error)


@pytest.mark.parametrize("status", [400, 402, 404, 413, 422])
def test_other_client_errors_are_permanent(status):
    error = status_error(status, vendor="Acme", detail="No such voice.")
    assert type(error) is PermanentError
    assert str(error) == f"Acme rejected the request (HTTP {status}): No such voice."


def test_a_refused_key_names_the_setting_to_check():
    error = status_error(401, vendor="Acme", detail="bad key", key_setting="ACME_API_KEY")
    assert str(error) == "Acme refused the API key (HTTP 401): bad key. Check ACME_API_KEY."


def test_a_vendor_hint_follows_the_message():
    error = status_error(402, vendor="Acme", hint="Update billing.")
    assert str(error) == "Acme rejected the request (HTTP 402). Update billing."


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b'{"error": {"message": "Slow down", "type": "rate_limit_error"}}', "Slow down"),
        (b'{"error": "Invalid API Key"}', "Invalid API Key"),
        (b'{"detail": {"status": "quota_exceeded", "message": "Quota"}}', "Quota"),
        (
            b'{"detail": [{"msg": "field required"}, {"msg": "too long"}]}',
            "field required; too long",
        ),
        (b'{"detail": "Not Found"}', "Not Found"),
        (b'{"message": "Try later"}', "Try later"),
        (b"<html>Bad gateway</html>", ""),
        (b"", ""),
        (b"[1, 2]", ""),
    ],
)
def test_the_vendors_message_is_found_in_each_documented_shape(body, detail):
    assert error_detail(body) == detail


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "3"}, 3.0),
        ({"Retry-After": "3"}, 3.0),
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after": "soon"}, None),
        ({}, None),
    ],
)
def test_retry_after_forms(headers, expected):
    assert parse_retry_after(headers) == expected


def test_retry_after_as_an_http_date():
    later = formatdate(time.time() + 30, usegmt=True)
    assert 25 <= parse_retry_after({"retry-after": later}) <= 31


def test_sdk_clients_share_one_tls_context_instead_of_reading_the_ca_bundle_each(monkeypatch):
    import httpcore2

    from integrations.llm_anthropic import AnthropicChatEngine
    from integrations.llm_openai import OpenAIChatEngine
    from integrations.transcription.openai_engine import OpenAITranscriptionEngine

    built = []
    monkeypatch.setattr(
        httpcore2, "default_ssl_context", lambda **kwargs: built.append(kwargs) or None
    )
    for _ in range(3):
        AnthropicChatEngine(api_key="k", base_url="https://api.example.test")
        OpenAIChatEngine(api_key="k", base_url="https://api.example.test/v1")
        OpenAITranscriptionEngine(api_key="k", base_url="https://api.example.test/v1")
    assert built == []
