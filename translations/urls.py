from django.urls import path

from translations import views, views_review

app_name = "translations"

urlpatterns = [
    path("transcript/<uuid:transcription_pk>/", views.overview, name="overview"),
    path("transcript/<uuid:transcription_pk>/translate/", views.start, name="start"),
    path("<uuid:pk>/", views_review.editor, name="editor"),
    path("<uuid:pk>/finalize/", views.finalize, name="finalize"),
    path("<uuid:pk>/report/", views.report, name="report"),
    path("<uuid:pk>/export/<str:fmt>/", views.export, name="export"),
    path("<uuid:pk>/voiceover/", views.voiceover, name="voiceover"),
    path("voiceover/<uuid:pk>/audio/", views.voiceover_audio, name="voiceover_audio"),
]
