"""Admin behaviour shared by every domain model: nothing is hard-deleted."""

from django.contrib import admin, messages

from accounts.services import set_archived


class NoDeleteAdminMixin:
    """Rows are archived, never deleted, so the admin offers no delete."""

    def has_delete_permission(self, request, obj=None):
        return False


class ArchivableAdminMixin(NoDeleteAdminMixin):
    """Filter by `archived` and archive/restore selected rows through the audit service."""

    actions = ["archive_selected", "restore_selected"]

    def get_list_filter(self, request):
        return ("archived", *super().get_list_filter(request))

    def project_id_for(self, obj):
        return None

    def _set_archived(self, request, queryset, archived: bool):
        count = 0
        for obj in queryset:
            set_archived(
                obj=obj, archived=archived, actor=request.user, project_id=self.project_id_for(obj)
            )
            count += 1
        verb = "Archived" if archived else "Restored"
        self.message_user(request, f"{verb} {count} row(s).", messages.SUCCESS)

    @admin.action(description="Archive selected (soft delete)")
    def archive_selected(self, request, queryset):
        self._set_archived(request, queryset, True)

    @admin.action(description="Restore selected")
    def restore_selected(self, request, queryset):
        self._set_archived(request, queryset, False)
