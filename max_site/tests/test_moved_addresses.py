"""Pages that moved keep their old addresses as permanent redirects."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/transcripts/search/?q=root+canal", "/search/?q=root+canal"),
        ("/media/sonix/?project=7", "/transcripts/sonix/?project=7"),
    ],
)
def test_an_old_address_leads_to_the_page_with_its_query(editor_client, old, new):
    response = editor_client.get(old)
    assert response.status_code == 301
    assert response["Location"] == new
    assert editor_client.get(new).status_code == 200
