"""Every page names its icon, so browsers do not ask for a missing /favicon.ico."""

import pytest
from django.contrib.staticfiles import finders
from django.test import Client


@pytest.mark.django_db
def test_pages_name_an_icon_that_exists(editor_client):
    for response in (Client().get("/accounts/login/"), editor_client.get("/projects/")):
        assert response.status_code == 200
        assert b'rel="icon" type="image/svg+xml" href="/static/img/max.svg"' in response.content
    assert finders.find("img/max.svg")
