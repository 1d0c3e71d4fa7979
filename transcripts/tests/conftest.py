"""Fixtures of the transcripts tests."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import Client

from documents.services import document_finalize
from tests.factories import TranslationFactory
from transcripts.document import TRANSCRIPT_DOCUMENT


@pytest.fixture
def page_for(browser, live_server):
    """A page signed in as a user (the login form has its own tests). Contexts are closed
    after the test, so no keep-alive connection holds a database session open."""
    contexts = []

    def make(user, **context_options):
        context = browser.new_context(base_url=live_server.url, **context_options)
        contexts.append(context)
        client = Client()
        client.force_login(user)
        cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
        context.add_cookies(
            [{"name": cookie.key, "value": cookie.value, "url": live_server.url, "httpOnly": True}]
        )
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def spanish(editor, lecture):
    """A Spanish machine translation of the module's `lecture`, for the review page."""
    document_finalize(doc=TRANSCRIPT_DOCUMENT, parent=lecture, user=editor)
    lecture.refresh_from_db()
    return TranslationFactory(transcription=lecture, user=editor)
