from channels.generic.websocket import WebsocketConsumer
from django.urls import path, re_path

from collaboration.consumers import DocumentConsumer


class NoSuchSocket(WebsocketConsumer):
    """Any other address under the socket server (a typo, a malformed id): refused cleanly,
    like an unknown page, instead of an error."""

    def connect(self) -> None:
        self.close(code=4404)


websocket_urlpatterns = [
    path("ws/documents/<str:kind>/<uuid:pk>/", DocumentConsumer.as_asgi()),
    re_path(r"", NoSuchSocket.as_asgi()),
]
