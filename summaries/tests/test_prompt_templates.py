import pytest
from django.core.exceptions import ValidationError

from summaries import services
from summaries.models import PromptTemplate

pytestmark = pytest.mark.django_db


@pytest.fixture
def email_template():
    return PromptTemplate.objects.get(template_name="email_summary")


def test_update_adds_a_version_and_keeps_the_old_content(email_template, editor):
    old = email_template.template_content
    services.prompt_template_update(
        template=email_template,
        content="Two sentences only.\n\n{transcription_text}",
        changed_by=editor,
        change_notes="Shorter emails",
    )
    email_template.refresh_from_db()
    assert email_template.version_number == 2
    versions = {v.version_number: v for v in email_template.versions.all()}
    assert versions[1].template_content == old
    assert versions[2].template_content == "Two sentences only.\n\n{transcription_text}"
    assert versions[2].change_notes == "Shorter emails" and versions[2].changed_by == editor


def test_revert_creates_a_new_version_with_the_old_content(email_template, editor):
    original = email_template.template_content
    services.prompt_template_update(
        template=email_template, content="B {transcription_text}", changed_by=editor
    )
    services.prompt_template_revert(template=email_template, version_number=1, changed_by=editor)
    email_template.refresh_from_db()
    assert email_template.version_number == 3
    assert email_template.template_content == original
    assert email_template.versions.get(version_number=3).change_notes == "Reverted to version 1."


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("No placeholder here", "must contain {transcription_text}"),
        ("{transcription_text} and {speaker}", "Unknown placeholder(s): {speaker}"),
        ("{transcription_text} {", "unbalanced brace"),
        ("   ", "empty"),
    ],
)
def test_bad_templates_are_refused_and_change_nothing(email_template, editor, content, message):
    with pytest.raises(ValidationError) as exc:
        services.prompt_template_update(template=email_template, content=content, changed_by=editor)
    assert message in " ".join(exc.value.messages)
    email_template.refresh_from_db()
    assert email_template.version_number == 1 and email_template.versions.count() == 1


def test_admin_save_goes_through_the_service(admin_client_, email_template, staff_admin):
    url = f"/admin/summaries/prompttemplate/{email_template.pk}/change/"
    assert admin_client_.get(url).status_code == 200
    response = admin_client_.post(
        url,
        {
            "template_content": "Admin edit {transcription_text}",
            "change_notes": "via admin",
            "versions-TOTAL_FORMS": "1",
            "versions-INITIAL_FORMS": "1",
            "versions-MIN_NUM_FORMS": "0",
            "versions-MAX_NUM_FORMS": "1000",
            "versions-0-id": str(email_template.versions.get().pk),
            "versions-0-template": str(email_template.pk),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    email_template.refresh_from_db()
    assert email_template.version_number == 2
    latest = email_template.versions.get(version_number=2)
    assert latest.changed_by == staff_admin and latest.change_notes == "via admin"


def test_admin_refuses_a_template_without_the_placeholder(admin_client_, email_template):
    url = f"/admin/summaries/prompttemplate/{email_template.pk}/change/"
    response = admin_client_.post(
        url,
        {
            "template_content": "Nothing to fill",
            "versions-TOTAL_FORMS": "0",
            "versions-INITIAL_FORMS": "0",
            "versions-MIN_NUM_FORMS": "0",
            "versions-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 200
    assert "must contain {transcription_text}" in response.content.decode()
    email_template.refresh_from_db()
    assert email_template.version_number == 1


def test_settings_page_needs_the_permission(editor_client, email_template):
    assert editor_client.get("/summaries/settings/").status_code == 403


def test_settings_page_edits_through_the_service(admin_client_, email_template):
    response = admin_client_.post(
        f"/summaries/settings/templates/{email_template.pk}/",
        {
            "template_content": "Settings {transcription_text}",
            "change_notes": "n",
            "based_on_version": "1",
        },
    )
    assert response.status_code == 302
    email_template.refresh_from_db()
    assert email_template.version_number == 2


def test_settings_page_refuses_a_stale_save(admin_client_, email_template, editor):
    services.prompt_template_update(
        template=email_template, content="Other {transcription_text}", changed_by=editor
    )
    response = admin_client_.post(
        f"/summaries/settings/templates/{email_template.pk}/",
        {"template_content": "Mine {transcription_text}", "based_on_version": "1"},
    )
    assert response.status_code == 200
    assert "Someone saved version 2" in response.content.decode()
    email_template.refresh_from_db()
    assert email_template.template_content == "Other {transcription_text}"
