from django.contrib import admin

from max_site.admin_mixins import ArchivableAdminMixin
from projects.models import Project, ProjectType


@admin.register(ProjectType)
class ProjectTypeAdmin(ArchivableAdminMixin, admin.ModelAdmin):
    list_display = ("name", "slug", "archived", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("created_by", "created_at")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Project)
class ProjectAdmin(ArchivableAdminMixin, admin.ModelAdmin):
    list_display = ("name", "project_type", "created_by", "created_at", "archived")
    list_filter = ("project_type",)
    search_fields = ("name",)
    list_select_related = ("project_type", "created_by")
    readonly_fields = ("created_by", "created_at", "updated_at")

    def project_id_for(self, obj):
        return obj.pk

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
