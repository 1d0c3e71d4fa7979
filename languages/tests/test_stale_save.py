"""A language's admin change form refuses a stale save, showing the newer values."""

import pytest
from django.urls import reverse

from core.stale import StaleEdit, edit_token
from languages import services
from languages.models import Language

pytestmark = pytest.mark.django_db

CAPTION_PROFILE = {
    "caption_chars_per_line": "42",
    "caption_lines": "2",
    "caption_chars_per_second": "17",
    "caption_min_duration": "0.833",
    "caption_max_duration": "7",
    "caption_min_gap": "0.083",
}


def test_a_stale_language_save_is_refused_showing_the_newer_values(
    admin_client_, staff_admin, editor
):
    spanish = Language.objects.get(code="es")
    url = reverse("admin:languages_language_change", args=[spanish.pk])
    shown = admin_client_.get(url).context["adminform"].form.initial["based_on"]
    assert f'name="based_on" value="{shown}"' in admin_client_.get(url).content.decode()

    services.language_update(language=spanish, user=editor, name="Español (España)")
    form = {
        "name": "Spanish (Spain)",
        "direction": "ltr",
        "word_boundaries": "on",
        "active": "on",
        **CAPTION_PROFILE,
        "based_on": shown,
    }
    response = admin_client_.post(url, form)
    assert response.status_code == 200  # the change form again, with the refusal
    html = response.content.decode()
    assert "Someone else saved this language while you were editing it." in html
    assert "Name: “Español (España)” (yours: “Spanish (Spain)”)" in html
    spanish.refresh_from_db()
    assert spanish.name == "Español (España)"

    # Saving again with the token the refusal handed back replaces it, knowingly.
    newer = response.context["adminform"].form.data["based_on"]
    response = admin_client_.post(url, {**form, "based_on": newer})
    assert response.status_code == 302
    spanish.refresh_from_db()
    assert spanish.name == "Spanish (Spain)"


def test_the_service_refuses_a_stale_token_under_the_lock(editor):
    french = Language.objects.get(code="fr")
    seen = edit_token(french)
    services.language_update(language=french, user=editor, name="Français")
    with pytest.raises(StaleEdit):
        services.language_update(language=french, user=editor, based_on=seen, active=False)
    french.refresh_from_db()
    assert french.active and french.name == "Français"


def test_the_caption_profile_is_edited_in_the_admin_and_checked(admin_client_, staff_admin):
    chinese = Language.objects.get(code="zh")
    # Seeded from the Netflix guide: 16 characters a line, 9 a second.
    assert (chinese.caption_chars_per_line, chinese.caption_chars_per_second) == (16, 9.0)
    url = reverse("admin:languages_language_change", args=[chinese.pk])
    shown = admin_client_.get(url).context["adminform"].form.initial["based_on"]
    form = {
        "name": chinese.name,
        "direction": "ltr",
        "active": "on",
        **CAPTION_PROFILE,
        "caption_chars_per_line": "18",
        "caption_max_duration": "0.5",
        "based_on": shown,
    }
    response = admin_client_.post(url, form)
    assert response.status_code == 200
    assert "The longest cue must be longer than the shortest." in response.content.decode()
    chinese.refresh_from_db()
    assert chinese.caption_chars_per_line == 16
    response = admin_client_.post(url, {**form, "caption_max_duration": "6"})
    assert response.status_code == 302
    chinese.refresh_from_db()
    assert (chinese.caption_chars_per_line, chinese.caption_max_duration) == (18, 6.0)
