from django.urls import path

from collaboration.consumers import DocumentConsumer

websocket_urlpatterns = [
    path("ws/documents/<str:kind>/<uuid:pk>/", DocumentConsumer.as_asgi()),
]
