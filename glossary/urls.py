from django.urls import path

from glossary import views

app_name = "glossary"

urlpatterns = [
    path("", views.entry_list, name="list"),
    path("new/", views.entry_create, name="create"),
    path("import/", views.entry_import, name="import"),
    path("termbase/", views.termbase, name="termbase"),
    path("termbase/cell/", views.termbase_cell, name="termbase_cell"),
    path("consistency/", views.consistency, name="consistency"),
    path("english-first/", views.english_first, name="english_first"),
    path("export.<str:fmt>", views.entry_export, name="export"),
    path("<uuid:pk>/edit/", views.entry_edit, name="edit"),
    path("<uuid:pk>/apply/", views.entry_apply, name="apply"),
    path("<uuid:pk>/archive/", views.entry_archive, name="archive"),
    path("<uuid:pk>/restore/", views.entry_restore, name="restore"),
]
