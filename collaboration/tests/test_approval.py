"""Approval: in a project that requires it, nothing becomes final (and nothing is translated or
read aloud) until someone with the approve permission, who did not write the version,
approves it — on the editor page, the Approvals page, the admin and the command line."""

from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Activity
from collaboration import services
from collaboration.models import ApprovalLog
from collaboration.selectors import approvals_pending
from documents.services import document_finalize, document_save_version
from tests.factories import UserFactory
from transcripts.document import TRANSCRIPT_DOCUMENT as DOC
from translations.selectors import translation_source

pytestmark = pytest.mark.django_db


@pytest.fixture
def strict(transcription):
    project = transcription.audio_file.project
    project.requires_approval = True
    project.save(update_fields=["requires_approval"])
    return transcription


@pytest.fixture
def approver(db):
    user = UserFactory(email="approver@example.com", full_name="Alma Approver")
    user.user_permissions.add(Permission.objects.get(codename="approve_version"))
    return user


def _edit(transcription, user, text="Edited first line."):
    return document_save_version(
        doc=DOC,
        parent=transcription,
        user=user,
        based_on_version_number=0,
        segments_text={0: text},
    )


def test_request_then_approve_makes_the_version_final_and_translatable(strict, editor, approver):
    _edit(strict, editor)
    with pytest.raises(ValidationError, match="requires approval"):
        document_finalize(doc=DOC, parent=strict, user=editor)
    step = services.approval_request(doc=DOC, parent=strict, user=editor, note="Please check")
    again = services.approval_request(doc=DOC, parent=strict, user=editor)  # a double click
    assert again.pk == step.pk
    assert list(approvals_pending()) == [step]
    strict.refresh_from_db()
    assert strict.final_version_id is None
    with pytest.raises(ValidationError, match="no final version"):
        translation_source(strict)

    decision = services.approval_decide(
        doc=DOC, parent=strict, user=approver, version_id=step.version_id, approve=True
    )
    assert decision.action == "approved"
    strict.refresh_from_db()
    final = strict.final_version
    assert (final.pk, final.version_type) == (step.version_id, "H-1")
    assert final.approved_by == approver and final.approved_at is not None
    assert translation_source(strict) == final
    assert not approvals_pending().exists()
    assert list(
        ApprovalLog.objects.filter(version_id=final.pk)
        .order_by("created_at")
        .values_list("action", flat=True)
    ) == ["requested", "approved"]
    actions = set(Activity.objects.filter(target_id=strict.pk).values_list("action", flat=True))
    assert {
        "transcription.approval_requested",
        "transcription.approved",
        "transcription.finalize",
    } <= actions


def test_an_edit_after_approval_stays_unapproved_and_is_not_translated(strict, editor, approver):
    _edit(strict, editor)
    step = services.approval_request(doc=DOC, parent=strict, user=editor)
    services.approval_decide(
        doc=DOC, parent=strict, user=approver, version_id=step.version_id, approve=True
    )
    result = document_save_version(
        doc=DOC,
        parent=strict,
        user=editor,
        based_on_version_number=1,
        segments_text={1: "A later edit."},
    )
    assert not result.became_final
    strict.refresh_from_db()
    assert strict.final_version.version_type == "H-1"
    assert translation_source(strict).version_type == "H-1"


def test_who_may_decide(strict, editor, other_editor, approver):
    version = _edit(strict, approver).version  # the approver wrote this one
    step = services.approval_request(doc=DOC, parent=strict, user=editor)
    assert step.version_id == version.pk
    with pytest.raises(PermissionDenied):
        services.approval_decide(
            doc=DOC, parent=strict, user=other_editor, version_id=version.pk, approve=True
        )
    with pytest.raises(ValidationError, match="You wrote H-1"):
        services.approval_decide(
            doc=DOC, parent=strict, user=approver, version_id=version.pk, approve=True
        )
    second = UserFactory(email="second-approver@example.com")
    second.user_permissions.add(Permission.objects.get(codename="approve_version"))
    second = type(second).objects.get(pk=second.pk)  # fresh permission cache
    with pytest.raises(ValidationError, match="reason for rejecting"):
        services.approval_decide(
            doc=DOC, parent=strict, user=second, version_id=version.pk, approve=False
        )
    rejected = services.approval_decide(
        doc=DOC,
        parent=strict,
        user=second,
        version_id=version.pk,
        approve=False,
        note="Segment 2 misses a word",
    )
    assert (rejected.action, rejected.note) == ("rejected", "Segment 2 misses a word")
    strict.refresh_from_db()
    assert strict.final_version_id is None
    with pytest.raises(ValidationError, match="Nobody has asked"):
        services.approval_decide(
            doc=DOC, parent=strict, user=second, version_id=version.pk, approve=True
        )


def _approve(strict, approver, step):
    return services.approval_decide(
        doc=DOC, parent=strict, user=approver, version_id=step.version_id, approve=True
    )


def test_a_newer_request_replaces_the_open_one_so_the_final_never_moves_back(
    strict, editor, approver
):
    _edit(strict, editor)
    first = services.approval_request(doc=DOC, parent=strict, user=editor)  # H-1
    document_save_version(
        doc=DOC, parent=strict, user=editor, based_on_version_number=1, segments_text={1: "Two"}
    )
    second = services.approval_request(doc=DOC, parent=strict, user=editor)  # H-2
    assert list(approvals_pending()) == [second]
    from accounts.activity import activity_lines

    (line,) = activity_lines(
        Activity.objects.filter(action="transcription.approval_requested", details__replaces="H-1")
    )
    assert "asked for approval of H-2 of" in line.sentence
    assert line.sentence.endswith("(instead of H-1)")
    _approve(strict, approver, second)
    with pytest.raises(ValidationError, match="replaced by a newer one"):
        _approve(strict, approver, first)
    strict.refresh_from_db()
    assert strict.final_version.version_type == "H-2"
    with pytest.raises(ValidationError, match="already approved and final"):
        services.approval_request(doc=DOC, parent=strict, user=editor)
    with pytest.raises(ValidationError, match="older than the final version H-2"):
        services.approval_request(doc=DOC, parent=strict, user=editor, version_number=1)
    assert not approvals_pending().exists()


def test_only_an_approver_moves_the_final_and_never_backwards(strict, editor, approver, client):
    _edit(strict, editor)
    _approve(strict, approver, services.approval_request(doc=DOC, parent=strict, user=editor))
    document_save_version(
        doc=DOC, parent=strict, user=editor, based_on_version_number=1, segments_text={1: "Two"}
    )
    _approve(strict, approver, services.approval_request(doc=DOC, parent=strict, user=editor))
    strict.refresh_from_db()
    assert strict.final_version.version_type == "H-2"
    # A hand-made finalize POST by a user without the approve permission changes nothing.
    client.force_login(editor)
    response = client.post(f"/transcripts/{strict.pk}/finalize/", {"version": "1"}, follow=True)
    assert "moves only when an approver approves" in response.content.decode()
    with pytest.raises(ValidationError, match="older than the final version H-2"):
        document_finalize(doc=DOC, parent=strict, user=approver, version_number=1)
    strict.refresh_from_db()
    assert strict.final_version.version_type == "H-2"


def test_a_project_that_stops_requiring_approval_leaves_no_request_waiting(
    strict, editor, approver
):
    _edit(strict, editor)
    step = services.approval_request(doc=DOC, parent=strict, user=editor)
    project = strict.audio_file.project
    project.requires_approval = False
    project.save(update_fields=["requires_approval"])
    assert not approvals_pending().exists()
    with pytest.raises(ValidationError, match="no longer requires approval"):
        _approve(strict, approver, step)
    assert document_finalize(doc=DOC, parent=strict, user=editor).version_type == "H-1"


def test_a_project_without_approval_finalizes_as_before(transcription, editor):
    with pytest.raises(ValidationError, match="does not require approval"):
        services.approval_request(doc=DOC, parent=transcription, user=editor)
    version = document_finalize(doc=DOC, parent=transcription, user=editor)
    assert version.approved_at is None
    assert translation_source(transcription) == version


def test_pages_request_and_decide(strict, editor, approver, client):
    client.force_login(editor)
    editor_page = client.get(strict.get_absolute_url()).content.decode()
    assert "Request approval of T-1" in editor_page
    assert "data-finalize-form" not in editor_page
    # The generic finalize address refuses too (an old tab, a crafted post).
    client.post(f"/transcripts/{strict.pk}/finalize/", {"next": strict.get_absolute_url()})
    strict.refresh_from_db()
    assert strict.final_version_id is None
    response = client.post(f"/review/transcript/{strict.pk}/approval/request/", follow=True)
    assert "Approval of H-1 requested" in response.content.decode()
    assert "H-1 awaits approval" in response.content.decode()
    step = ApprovalLog.objects.get()

    client.force_login(approver)
    listing = client.get("/review/approvals/").content.decode()
    assert "H-1" in listing and 'value="approve"' in listing
    response = client.post(
        f"/review/transcript/{strict.pk}/approval/decide/",
        {"version_id": str(step.version_id), "decision": "approve", "next": "/review/approvals/"},
        follow=True,
    )
    assert "Approved H-1" in response.content.decode()
    assert "Nothing waits for approval" in response.content.decode()
    strict.refresh_from_db()
    assert strict.final_version.approved_by == approver


def test_a_refused_decision_on_the_page_is_a_message_not_an_error(strict, editor, client):
    services.approval_request(doc=DOC, parent=strict, user=editor)
    step = ApprovalLog.objects.get()
    client.force_login(editor)
    for data, message in (
        ({"version_id": str(step.version_id), "decision": "approve"}, "permission to approve"),
        ({"version_id": "not-a-uuid", "decision": "approve"}, "could not be read"),
        ({"version_id": str(step.version_id), "decision": "maybe"}, "Choose Approve or Reject"),
    ):
        response = client.post(
            f"/review/transcript/{strict.pk}/approval/decide/", data, follow=True
        )
        assert response.status_code == 200
        assert message in response.content.decode()
    strict.refresh_from_db()
    assert strict.final_version_id is None
    assert client.post(f"/review/nothing/{strict.pk}/approval/decide/").status_code == 404


def test_admin_actions_follow_the_same_rules(strict, editor, staff_admin, admin_client_):
    step = services.approval_request(doc=DOC, parent=strict, user=staff_admin)  # H-1 by admin
    url = "/admin/collaboration/approvallog/"
    response = admin_client_.post(
        url, {"action": "approve_selected", "_selected_action": [str(step.pk)]}, follow=True
    )
    assert "You wrote H-1" in response.content.decode()
    strict.refresh_from_db()
    assert strict.final_version_id is None
    # Another author's version: the admin (a superuser has every permission) approves it.
    _edit(strict, editor, "Edited by the editor.")
    second = services.approval_request(doc=DOC, parent=strict, user=editor)
    response = admin_client_.post(
        url, {"action": "approve_selected", "_selected_action": [str(second.pk)]}, follow=True
    )
    assert "Approved 1 version" in response.content.decode()
    strict.refresh_from_db()
    assert strict.final_version.version_type == "H-2"
    # Approving what is already approved counts nothing; rows say which recording they are.
    response = admin_client_.post(
        url, {"action": "approve_selected", "_selected_action": [str(second.pk)]}, follow=True
    )
    page = response.content.decode()
    assert "already decided" in page and "Approved 1 version" not in page
    recording = strict.audio_file.file_name
    assert f"{recording}, H-2: already decided".lower() in page.lower()  # the admin capitalizes
    with CaptureQueriesContext(connection) as queries:
        assert recording in admin_client_.get(url).content.decode()
    assert sum('FROM "transcriptions"' in q["sql"] for q in queries.captured_queries) == 1
    # A rejection carries the admin's own note, and needs one.
    document_save_version(
        doc=DOC, parent=strict, user=editor, based_on_version_number=2, segments_text={2: "3"}
    )
    third = services.approval_request(doc=DOC, parent=strict, user=editor)
    reject = {"action": "reject_selected", "_selected_action": [str(third.pk)]}
    response = admin_client_.post(url, {**reject, "note": ""}, follow=True)
    assert "Write the reason for rejecting first." in response.content.decode()
    response = admin_client_.post(url, {**reject, "note": "Segment 3 is a number"}, follow=True)
    assert "Rejected 1 version" in response.content.decode()
    assert ApprovalLog.objects.get(action="rejected").note == "Segment 3 is a number"


def test_command_line_follows_the_same_rules(strict, editor, approver):
    _edit(strict, editor)
    services.approval_request(doc=DOC, parent=strict, user=editor)
    out = StringIO()
    call_command("approve_version", "--pending", stdout=out)
    assert "H-1 requested by editor@example.com" in out.getvalue()
    with pytest.raises(CommandError, match="permission to approve"):
        call_command("approve_version", "transcript", str(strict.pk), user=editor.email)
    with pytest.raises(CommandError, match="reason for rejecting"):
        call_command(
            "approve_version", "transcript", str(strict.pk), user=approver.email, reject=True
        )
    call_command("approve_version", "transcript", str(strict.pk), user=approver.email, stdout=out)
    assert "H-1: approved." in out.getvalue()
    strict.refresh_from_db()
    assert strict.final_version.approved_by == approver
    with pytest.raises(CommandError, match="Nothing of this transcript waits"):
        call_command("approve_version", "transcript", str(strict.pk), user=approver.email)


def test_translations_need_approval_too_and_voice_over_waits_for_it(
    strict, editor, approver, settings
):
    from tests.factories import TranslationFactory
    from translations.services import TRANSLATION_DOCUMENT, voiceover_start

    _edit(strict, editor)
    step = services.approval_request(doc=DOC, parent=strict, user=editor)
    services.approval_decide(
        doc=DOC, parent=strict, user=approver, version_id=step.version_id, approve=True
    )
    strict.refresh_from_db()
    translation = TranslationFactory(transcription=strict, user=editor)
    with pytest.raises(ValidationError, match="requires approval"):
        document_finalize(doc=TRANSLATION_DOCUMENT, parent=translation, user=editor)
    request = services.approval_request(doc=TRANSLATION_DOCUMENT, parent=translation, user=editor)
    settings.ELEVENLABS_API_KEY = "test-key"
    translation.refresh_from_db()
    assert translation.final_version_id is None
    services.approval_decide(
        doc=TRANSLATION_DOCUMENT,
        parent=translation,
        user=approver,
        version_id=request.version_id,
        approve=True,
    )
    translation.refresh_from_db()
    assert translation.final_version.approved_by == approver
    # Approved before the project's rule changed back and forth: a non-approved final waits.
    type(translation.final_version).objects.filter(pk=translation.final_version_id).update(
        approved_at=None, approved_by=None
    )
    translation.refresh_from_db()
    with pytest.raises(ValidationError, match="not approved"):
        voiceover_start(translation=translation, user=editor)


def test_the_translate_page_waits_for_an_approved_final(transcription, editor, client):
    """A final made before the project required approval is not translated until approved."""
    document_finalize(doc=DOC, parent=transcription, user=editor)
    project = transcription.audio_file.project
    project.requires_approval = True
    project.save(update_fields=["requires_approval"])
    client.force_login(editor)
    response = client.post(
        f"/translations/transcript/{transcription.pk}/translate/", {"language": "es"}, follow=True
    )
    assert "H-1 is not approved" in response.content.decode()
    from jobs.models import Job

    assert not Job.objects.exists()
