from django.urls import path

from summaries import views

app_name = "summaries"

urlpatterns = [
    path("feedback/", views.feedback_dashboard, name="feedback"),
    path("settings/", views.settings_index, name="settings"),
    path("settings/templates/<uuid:pk>/", views.template_edit, name="template_edit"),
]
