from django.urls import path

from translations import views
from translations.views_review import translation_editor

app_name = "translations"

urlpatterns = [
    path("transcript/<uuid:transcription_pk>/", views.overview, name="overview"),
    path("transcript/<uuid:transcription_pk>/translate/", views.start, name="start"),
    path("<uuid:pk>/report/", views.report, name="report"),
    path("<uuid:pk>/voiceover/", views.voiceover, name="voiceover"),
    path("voiceover/<uuid:pk>/audio/", views.voiceover_audio, name="voiceover_audio"),
    # The review page: /translations/<id>/ (editor), save/, draft/, draft/discard/,
    # conflict/, history/, diff/, restore/, finalize/, replace/, dictionary/, export/
    # — the transcript editor's views (DocumentEditor.urlpatterns), reused.
    *translation_editor.urlpatterns(),
]
