from django.urls import path

from transcripts import views_pipeline, views_sonix

# Included from transcripts/urls.py (namespace "transcripts").
urlpatterns = [
    path("sonix/", views_sonix.sonix_import, name="sonix_import"),
    path("sonix/sync/", views_sonix.sonix_sync_now, name="sonix_sync"),
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
