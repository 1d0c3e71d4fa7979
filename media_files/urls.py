from django.urls import path

from media_files import views

app_name = "media_files"

urlpatterns = [
    path("<uuid:pk>/", views.audio_file_detail, name="detail"),
    path("<uuid:pk>/stream/", views.audio_file_stream, name="stream"),
    path("<uuid:pk>/archive/", views.audio_file_archive, name="archive"),
    path("<uuid:pk>/restore/", views.audio_file_restore, name="restore"),
    path("statuses/", views.recording_statuses, name="statuses"),
    path("upload/<uuid:project_pk>/", views.audio_file_upload, name="upload"),
]
