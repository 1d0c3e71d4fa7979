from django.urls import path

from transcripts import views_pipeline

# Included from transcripts/urls.py (namespace "transcripts").
urlpatterns = [
    path(
        "media/<uuid:audio_file_pk>/panel/",
        views_pipeline.media_panel,
        name="media_panel",
    ),
    path(
        "media/<uuid:audio_file_pk>/transcribe/",
        views_pipeline.transcribe,
        name="transcribe",
    ),
    path(
        "media/<uuid:audio_file_pk>/retranscribe/",
        views_pipeline.retranscribe,
        name="retranscribe",
    ),
]
