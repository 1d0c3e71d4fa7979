"""Admin behaviour shared by every domain model: nothing is hard-deleted, and every save
and action goes through the same service functions as the pages (rules, audit trail)."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect


class NoDeleteAdminMixin:
    """Rows are archived, never deleted, so the admin offers no delete."""

    def has_delete_permission(self, request, obj=None):
        return False


class ServiceSaveAdminMixin:
    """The admin's change form and list edits save through `save_through_service`.

    A form's own `clean` shows the service's rules as form errors; should a service still
    refuse at save time (someone changed the row meanwhile), the admin's transaction is
    rolled back and the refusal is shown as a message, never a 500.
    """

    def save_through_service(self, request, obj, form, change: bool):
        raise NotImplementedError(f"{type(self).__name__} must save through a service.")

    def save_model(self, request, obj, form, change):
        saved = self.save_through_service(request, obj, form, change)
        # The admin goes on with `obj` (its log entry, the redirect): make it the saved row.
        obj.pk = saved.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def changelist_view(self, request, extra_context=None):
        try:
            return super().changelist_view(request, extra_context)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class ArchivableAdminMixin(NoDeleteAdminMixin):
    """Filter by `archived`; archive and restore only through the actions, which call the
    model's services (`archive` / `restore`). `archived` is read-only in every form."""

    actions = ["archive_selected", "restore_selected"]

    def get_list_filter(self, request):
        return ("archived", *super().get_list_filter(request))

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        return fields if "archived" in fields else (*fields, "archived")

    def archive(self, obj, user):
        raise NotImplementedError(f"{type(self).__name__} must archive through a service.")

    def restore(self, obj, user):
        raise NotImplementedError(f"{type(self).__name__} must restore through a service.")

    def _set_archived(self, request, queryset, archived: bool):
        done, refused = 0, []
        for obj in queryset:
            try:
                (self.archive if archived else self.restore)(obj, request.user)
            except ValidationError as error:
                refused.append(f"{obj}: {' '.join(error.messages)}")
                continue
            done += 1
        verb = "Archived" if archived else "Restored"
        self.message_user(request, f"{verb} {done} row(s).", messages.SUCCESS)
        for message in refused:
            self.message_user(request, message, messages.ERROR)

    @admin.action(description="Archive selected (soft delete)")
    def archive_selected(self, request, queryset):
        self._set_archived(request, queryset, True)

    @admin.action(description="Restore selected")
    def restore_selected(self, request, queryset):
        self._set_archived(request, queryset, False)
