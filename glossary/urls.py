from django.urls import path

from glossary import views

app_name = "glossary"

urlpatterns = [
    path("", views.entry_list, name="list"),
]
