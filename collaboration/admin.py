"""The approval log and comments in the admin: read-only rows; approving and rejecting go
through the same service (and rules) as the Approvals page."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied, ValidationError

from collaboration import services
from collaboration.models import ApprovalLog, Comment
from collaboration.selectors import latest_step, step_documents
from core.admin_mixins import NoDeleteAdminMixin
from documents import hooks


class ReadOnlyAdmin(NoDeleteAdminMixin, admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class DecisionForm(ActionForm):
    note = forms.CharField(
        required=False,
        max_length=services.MAX_NOTE_CHARS,
        label="Note (required to reject)",
        widget=forms.TextInput(attrs={"size": 40}),
    )


def _parent_of(step: ApprovalLog):
    doc = hooks.document_by_kind(step.document_kind)
    if doc is None:
        return None, None
    return doc, hooks.parent_model(doc).objects.filter(pk=step.document_id).first()


@admin.register(ApprovalLog)
class ApprovalLogAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "document",
        "version_label",
        "document_kind",
        "action",
        "by",
        "project",
    )
    list_filter = ("action", "document_kind")
    search_fields = ("version_label", "note", "by__email")
    list_select_related = ("by", "project")
    actions = ["approve_selected", "reject_selected"]
    action_form = DecisionForm

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            # The page's documents in one query per kind, not one per row.
            self._name_documents(list(changelist.result_list))
        return response

    @staticmethod
    def _name_documents(steps: list[ApprovalLog]) -> None:
        from collaboration.views import document_title

        documents = step_documents(steps)
        for step in steps:
            parent = documents.get((step.document_kind, step.document_id))
            step.document_title = document_title(parent) if parent is not None else "(not here)"

    @admin.display(description="Document")
    def document(self, step: ApprovalLog) -> str:
        if hasattr(step, "document_title"):
            return step.document_title
        from collaboration.views import document_title

        _doc, parent = _parent_of(step)
        return document_title(parent) if parent is not None else "(not here)"

    def _decide(self, request, queryset, *, approve: bool) -> None:
        done = 0
        for step in queryset.filter(action=ApprovalLog.Action.REQUESTED):
            doc, parent = _parent_of(step)
            if doc is None or parent is None:
                continue
            where = f"{self.document(step)}, {step.version_label}"
            if latest_step(step.version_id) != step:
                messages.info(request, f"{where}: already decided; nothing changed.")
                continue
            try:
                services.approval_decide(
                    doc=doc,
                    parent=parent,
                    user=request.user,
                    version_id=step.version_id,
                    approve=approve,
                    note=request.POST.get("note", ""),
                )
            except (ValidationError, PermissionDenied) as error:
                text = " ".join(error.messages) if isinstance(error, ValidationError) else error
                messages.error(request, f"{where}: {text}")
                continue
            done += 1
        if done:
            verb = "Approved" if approve else "Rejected"
            messages.success(request, f"{verb} {done} version{'s' if done != 1 else ''}.")

    @admin.action(description="Approve the selected requests")
    def approve_selected(self, request, queryset):
        self._decide(request, queryset, approve=True)

    @admin.action(description="Reject the selected requests")
    def reject_selected(self, request, queryset):
        self._decide(request, queryset, approve=False)


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "document_kind", "segment_id", "author", "resolved_at")
    list_filter = ("document_kind",)
    search_fields = ("body", "author__email")
    list_select_related = ("author",)
