from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("activity/", views.activity_list, name="activity"),
    path(
        "activity/project/<uuid:project_id>/",
        views.project_activity,
        name="project_activity",
    ),
    path(
        "activity/<int:content_type_id>/<uuid:object_id>/",
        views.object_activity,
        name="object_activity",
    ),
]
