from django.urls import include, path

app_name = "transcripts"

# Three areas with separate owners: the transcription pipeline, the editor, and search.
urlpatterns = [
    path("", include("transcripts.urls_pipeline")),
    path("", include("transcripts.urls_editor")),
    path("", include("transcripts.urls_search")),
]
