from django.urls import path

from transcripts import views_search

urlpatterns = [
    path("search/", views_search.search_page, name="search"),
]
