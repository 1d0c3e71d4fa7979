from django.urls import path

from summaries import views

app_name = "summaries"

urlpatterns = [
    path("transcript/<uuid:transcription_pk>/", views.transcript_summaries, name="transcript"),
    path("transcript/<uuid:transcription_pk>/generate/", views.summary_generate, name="generate"),
    path("summary/<uuid:pk>/edit/", views.summary_edit, name="edit"),
    path("summary/<uuid:pk>/finalize/", views.summary_finalize, name="finalize"),
    path("feedback/", views.feedback_dashboard_view, name="feedback"),
    path("feedback/entries/", views.feedback_list, name="feedback_list"),
    path("feedback/<uuid:pk>/", views.feedback_detail, name="feedback_detail"),
    path("settings/", views.settings_index, name="settings"),
    path("settings/templates/<uuid:pk>/", views.template_edit, name="template_edit"),
    path("settings/templates/<uuid:pk>/history/", views.template_history, name="template_history"),
    path("settings/templates/<uuid:pk>/revert/", views.template_revert, name="template_revert"),
]
