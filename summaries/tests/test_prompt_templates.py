import pytest
from django.core.exceptions import ValidationError

from core.stale import edit_token
from summaries.models import PromptTemplate
from summaries.services.templates import prompt_template_revert, prompt_template_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def email_template():
    return PromptTemplate.objects.get(template_name="email_summary")


def test_update_adds_a_version_and_keeps_the_old_content(email_template, editor):
    old = email_template.template_content
    prompt_template_update(
        template=email_template,
        content="Two sentences only.\n\n{transcription_text}",
        user=editor,
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
    prompt_template_update(template=email_template, content="B {transcription_text}", user=editor)
    prompt_template_revert(template=email_template, version_number=1, user=editor)
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
        prompt_template_update(template=email_template, content=content, user=editor)
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
            "based_on": edit_token(email_template),
        },
    )
    assert response.status_code == 302
    email_template.refresh_from_db()
    assert email_template.version_number == 2


def test_settings_page_refuses_a_stale_save(admin_client_, email_template, editor):
    url = f"/summaries/settings/templates/{email_template.pk}/"
    shown = admin_client_.get(url).context["form"].initial["based_on"]
    prompt_template_update(
        template=email_template, content="Other {transcription_text}", user=editor
    )
    response = admin_client_.post(
        url, {"template_content": "Mine {transcription_text}", "based_on": shown}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else saved this template while you were editing it." in html
    assert "Template: “Other {transcription_text}” (yours: “Mine {transcription_text}”)" in html
    assert "now v2" in html
    email_template.refresh_from_db()
    assert email_template.template_content == "Other {transcription_text}"
    # Saving again after seeing theirs is a deliberate choice: version 3 is the editor's.
    response = admin_client_.post(url, dict(response.context["form"].data))
    assert response.status_code == 302
    email_template.refresh_from_db()
    assert email_template.version_number == 3
    assert email_template.template_content == "Mine {transcription_text}"


# --- Audit, history, diffs and revert ------------------------------------------------------


def test_template_changes_are_recorded_in_the_activity_log(email_template, editor):
    from accounts.models import Activity

    prompt_template_update(
        template=email_template,
        content="A {transcription_text}",
        user=editor,
        change_notes="why",
    )
    prompt_template_revert(template=email_template, version_number=1, user=editor)
    update, revert = Activity.objects.filter(target_id=email_template.pk).order_by("created_at")
    assert update.action == "prompt_template.update" and update.actor == editor
    assert update.details == {
        "template_name": "email_summary",
        "version_number": 2,
        "change_notes": "why",
    }
    assert revert.action == "prompt_template.revert"
    assert revert.details["reverted_to"] == 1 and revert.details["version_number"] == 3


def test_an_unchanged_save_creates_no_version_and_no_activity(email_template, editor):
    from accounts.models import Activity

    prompt_template_update(
        template=email_template, content=email_template.template_content, user=editor
    )
    email_template.refresh_from_db()
    assert email_template.version_number == 1
    assert not Activity.objects.filter(action__startswith="prompt_template").exists()


def test_a_placeholder_with_a_format_spec_is_refused(email_template, editor):
    with pytest.raises(ValidationError, match="exactly"):
        prompt_template_update(
            template=email_template, content="{transcription_text:>10}", user=editor
        )


def test_reverting_to_a_missing_or_identical_version_is_refused(email_template, editor):
    with pytest.raises(ValidationError, match="has no version 7"):
        prompt_template_revert(template=email_template, version_number=7, user=editor)
    with pytest.raises(ValidationError, match="nothing to revert"):
        prompt_template_revert(template=email_template, version_number=1, user=editor)
    email_template.refresh_from_db()
    assert email_template.version_number == 1


def test_history_page_diffs_any_two_versions(
    admin_client_, email_template, editor, django_assert_max_num_queries
):
    for text in ("Version two {transcription_text}", "Version three words {transcription_text}"):
        prompt_template_update(
            template=email_template, content=text, user=editor, change_notes=text[:11]
        )
    url = f"/summaries/settings/templates/{email_template.pk}/history/"
    with django_assert_max_num_queries(6):
        html = admin_client_.get(url).content.decode()
    # By default: the previous version against the current one.
    assert "Changes from v2 to v3" in html
    assert "<del>two</del> <ins>three words</ins>" in html
    assert html.count("Revert to v") == 2
    html = admin_client_.get(url, {"a": 1, "b": 2}).content.decode()
    assert "Changes from v1 to v2" in html and "<ins>Version two</ins>" in html
    html = admin_client_.get(url, {"a": 1, "b": 9}).content.decode()
    assert "has versions 1–3" in html


def test_revert_from_the_history_page_creates_a_new_version(admin_client_, email_template, editor):
    original = email_template.template_content
    prompt_template_update(template=email_template, content="B {transcription_text}", user=editor)
    response = admin_client_.post(
        f"/summaries/settings/templates/{email_template.pk}/revert/",
        {"version_number": "1", "change_notes": "B made emails worse"},
        follow=True,
    )
    assert "now has version 1&#x27;s text, saved as version 3" in response.content.decode()
    email_template.refresh_from_db()
    assert email_template.version_number == 3 and email_template.template_content == original
    assert email_template.versions.get(version_number=3).change_notes == "B made emails worse"


def test_history_and_revert_need_the_permission(editor_client, email_template):
    base = f"/summaries/settings/templates/{email_template.pk}"
    assert editor_client.get(f"{base}/history/").status_code == 403
    assert editor_client.post(f"{base}/revert/", {"version_number": "1"}).status_code == 403
    assert editor_client.get(f"{base}/").status_code == 403


def test_a_user_with_only_the_permission_can_use_the_settings_page(client, editor, email_template):
    from django.contrib.auth.models import Permission

    editor.user_permissions.add(Permission.objects.get(codename="change_prompttemplate"))
    client.force_login(editor)
    assert client.get("/summaries/settings/").status_code == 200
    response = client.post(
        f"/summaries/settings/templates/{email_template.pk}/",
        {"template_content": "X {transcription_text}", "based_on": edit_token(email_template)},
    )
    assert response.status_code == 302
    email_template.refresh_from_db()
    assert email_template.version_number == 2
    latest = email_template.versions.get(version_number=2)
    assert latest.changed_by == editor


def test_admin_reverts_through_the_service(admin_client_, email_template, staff_admin, editor):
    original = email_template.template_content
    prompt_template_update(template=email_template, content="B {transcription_text}", user=editor)
    first = email_template.versions.get(version_number=1)
    response = admin_client_.post(
        "/admin/summaries/promptversion/",
        {"action": "revert_to_version", "_selected_action": [str(first.pk)]},
        follow=True,
    )
    assert "now has version 1" in response.content.decode()
    email_template.refresh_from_db()
    assert email_template.version_number == 3 and email_template.template_content == original
    assert email_template.versions.get(version_number=3).changed_by == staff_admin


def test_admin_change_page_links_to_the_history(admin_client_, email_template):
    html = admin_client_.get(
        f"/admin/summaries/prompttemplate/{email_template.pk}/change/"
    ).content.decode()
    assert f"/summaries/settings/templates/{email_template.pk}/history/" in html
