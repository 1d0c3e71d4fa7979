from django.contrib import admin

from glossary.models import DictionaryEntry
from max_site.admin_mixins import ArchivableAdminMixin


@admin.register(DictionaryEntry)
class DictionaryEntryAdmin(ArchivableAdminMixin, admin.ModelAdmin):
    list_display = (
        "term_original",
        "term_corrected",
        "language_code",
        "context",
        "usage_count",
        "archived",
    )
    list_filter = ("language_code",)
    search_fields = ("term_original", "term_corrected", "context")
    readonly_fields = ("usage_count", "created_by", "created_at", "updated_at")

    def save_model(self, request, obj, form, change):
        from glossary import services

        data = {
            "term_original": obj.term_original,
            "term_corrected": obj.term_corrected,
            "language_code": obj.language_code,
            "context": obj.context,
        }
        if change:
            services.entry_update(entry=obj, user=request.user, **data)
        else:
            saved = services.entry_create(user=request.user, **data)
            obj.pk = saved.pk
