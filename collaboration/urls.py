from django.urls import path

from collaboration import views

app_name = "collaboration"

urlpatterns = [
    path("approvals/", views.approvals_page, name="approvals"),
    path(
        "<str:kind>/<uuid:pk>/approval/request/",
        views.approval_request,
        name="approval_request",
    ),
    path("<str:kind>/<uuid:pk>/approval/decide/", views.approval_decide, name="approval_decide"),
    path("<str:kind>/<uuid:pk>/comments/", views.comments, name="comments"),
    path("<str:kind>/<uuid:pk>/presence/", views.presence_poll, name="presence"),
]
