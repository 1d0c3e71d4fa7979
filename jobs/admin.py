from django.contrib import admin

from core.admin_mixins import NoDeleteAdminMixin
from jobs import services
from jobs.models import Job


@admin.register(Job)
class JobAdmin(NoDeleteAdminMixin, admin.ModelAdmin):
    list_display = ("kind", "status", "progress", "message", "created_by", "created_at")
    list_filter = ("status", "kind")
    search_fields = ("message", "error", "celery_task_id")
    readonly_fields = [f.name for f in Job._meta.fields]
    actions = ["retry_selected", "cancel_selected"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Retry selected failed/cancelled jobs")
    def retry_selected(self, request, queryset):
        done, skipped = self._each(queryset, services.job_retry, request.user)
        queued = sum(1 for job in done if not job.enqueue_failed)
        self.message_user(
            request, f"Queued again: {queued}. Not queued: {skipped + len(done) - queued}."
        )

    @admin.action(description="Cancel selected jobs")
    def cancel_selected(self, request, queryset):
        done, skipped = self._each(queryset, services.job_cancel, request.user)
        cancelled = sum(1 for job in done if job.status == Job.Status.CANCELLED)
        self.message_user(
            request,
            f"Cancelled: {cancelled}. Asked to stop: {len(done) - cancelled}. "
            f"Already finished: {skipped}.",
        )

    @staticmethod
    def _each(queryset, action, user):
        """Apply a job service to each job; count those it refused (admin messages may
        only claim what happened)."""
        done, skipped = [], 0
        for job in queryset:
            try:
                job = action(job=job, user=user)
            except services.JobRefused:
                skipped += 1
                continue
            job.refresh_from_db()
            done.append(job)
        return done, skipped
