from django.contrib import admin, messages

from jobs import services
from jobs.models import Job
from max_site.admin_mixins import NoDeleteAdminMixin


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
        for job in queryset:
            services.job_retry(job=job, user=request.user)
        self.message_user(request, "Queued again.", messages.SUCCESS)

    @admin.action(description="Cancel selected jobs")
    def cancel_selected(self, request, queryset):
        for job in queryset:
            services.job_cancel(job=job, user=request.user)
        self.message_user(request, "Cancel requested.", messages.SUCCESS)
