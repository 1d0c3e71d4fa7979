from django.urls import include, path

app_name = "transcripts"

# The transcription pipeline (start, progress, re-transcribe) and the editor.
urlpatterns = [
    path("", include("transcripts.urls_pipeline")),
    path("", include("transcripts.urls_editor")),
]
