from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from core.admin_mixins import ArchivableAdminMixin, ServiceSaveAdminMixin
from core.stale import StaleSaveFormMixin
from projects import services
from projects.models import Project, ProjectType


class ProjectTypeAdminForm(forms.ModelForm):
    class Meta:
        model = ProjectType
        fields = ("name", "slug")

    def clean(self):
        data = super().clean()
        if not self.errors:
            try:
                services.project_type_validate(
                    project_type=None if self.instance._state.adding else self.instance,
                    name=data.get("name", ""),
                    slug=data.get("slug", ""),
                )
            except ValidationError as error:
                self.add_error(None, error)
        return data


@admin.register(ProjectType)
class ProjectTypeAdmin(ServiceSaveAdminMixin, ArchivableAdminMixin, admin.ModelAdmin):
    form = ProjectTypeAdminForm
    list_display = ("name", "slug", "archived", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("created_by", "created_at")

    def save_through_service(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            return services.project_type_update(
                project_type=obj, user=request.user, name=data["name"], slug=data["slug"]
            )
        return services.project_type_create(user=request.user, name=data["name"], slug=data["slug"])

    def archive(self, obj, user):
        return services.project_type_archive(project_type=obj, user=user)

    def restore(self, obj, user):
        return services.project_type_restore(project_type=obj, user=user)


class ProjectAdminForm(StaleSaveFormMixin, forms.ModelForm):
    """Also refuses a stale save (`core.stale`), as the project's edit page does."""

    class Meta:
        model = Project
        fields = ("name", "project_type", "metadata", "requires_approval")

    def clean_metadata(self):
        metadata = self.cleaned_data.get("metadata") or {}
        if not isinstance(metadata, dict):
            raise ValidationError(
                'Metadata is an object of texts: {"location": …, "date": …, "misc": …}.'
            )
        return metadata

    def clean(self):
        data = super().clean()
        if not self.errors:
            try:
                # The rules of the project pages: no archived type, no edits while archived.
                services.project_validate(
                    project=None if self.instance._state.adding else self.instance,
                    name=data.get("name", ""),
                    project_type=data["project_type"],
                )
            except ValidationError as error:
                self.add_error(None, error)
        return data


@admin.register(Project)
class ProjectAdmin(ServiceSaveAdminMixin, ArchivableAdminMixin, admin.ModelAdmin):
    form = ProjectAdminForm
    list_display = (
        "name",
        "project_type",
        "requires_approval",
        "created_by",
        "created_at",
        "archived",
    )
    list_filter = ("project_type", "requires_approval")
    search_fields = ("name",)
    list_select_related = ("project_type", "created_by")
    readonly_fields = ("created_by", "created_at", "updated_at")

    def save_through_service(self, request, obj, form, change):
        data = form.cleaned_data
        fields = {
            "name": data["name"],
            "project_type": data["project_type"],
            "metadata": data.get("metadata") or {},
            "requires_approval": bool(data.get("requires_approval")),
        }
        if change:
            return services.project_update(
                project=obj, user=request.user, based_on=data.get("based_on") or None, **fields
            )
        return services.project_create(user=request.user, **fields)

    def archive(self, obj, user):
        return services.project_archive(project=obj, user=user)

    def restore(self, obj, user):
        return services.project_restore(project=obj, user=user)
