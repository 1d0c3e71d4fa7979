from django.urls import path

from translations import views, views_memory
from translations.views_review import translation_editor

app_name = "translations"

urlpatterns = [
    path("transcript/<uuid:transcription_pk>/", views.overview, name="overview"),
    path("transcript/<uuid:transcription_pk>/translate/", views.start, name="start"),
    path("<uuid:pk>/report/", views.report, name="report"),
    path("<uuid:pk>/voiceover/", views.voiceover, name="voiceover"),
    path("voiceover/<uuid:pk>/audio/", views.voiceover_audio, name="voiceover_audio"),
    # Review: states and QA marks, memory suggestions, Mark reviewed, changed segments.
    path("<uuid:pk>/review/marks/", views_memory.marks, name="review_marks"),
    path("<uuid:pk>/review/memory/", views_memory.suggestions, name="review_memory"),
    path("<uuid:pk>/review/reviewed/", views_memory.mark_reviewed, name="mark_reviewed"),
    path(
        "<uuid:pk>/review/retranslate-changed/",
        views_memory.retranslate_changed,
        name="retranslate_changed",
    ),
    path("memory/export/", views_memory.memory_export, name="memory_export"),
    path("memory/import/", views_memory.memory_import, name="memory_import"),
    # The review page: /translations/<id>/ (editor), save/, draft/, draft/discard/,
    # conflict/, history/, diff/, restore/, finalize/, replace/, dictionary/, export/
    # — the transcript editor's views (DocumentEditor.urlpatterns), reused.
    *translation_editor.urlpatterns(),
]
