from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from accounts.views import LoginView

admin.site.site_header = "Max administration"
admin.site.site_title = "Max admin"
admin.site.login = RedirectView.as_view(pattern_name="login", query_string=True)
# One password-change form for everyone, the one whose old-password check is rate limited.
admin.site.password_change = RedirectView.as_view(pattern_name="accounts:password_change")

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="projects:list"), name="home"),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("accounts.urls")),
    path("projects/", include("projects.urls")),
    path("media/", include("media_files.urls")),
    path("transcripts/", include("transcripts.urls")),
    path("search/", include("search.urls")),
    path("glossary/", include("glossary.urls")),
    path("translations/", include("translations.urls")),
    path("summaries/", include("summaries.urls")),
    path("jobs/", include("jobs.urls")),
    path("review/", include("collaboration.urls")),
    path("admin/", admin.site.urls),
    # Addresses that moved: bookmarks and shared links keep working.
    path(
        "transcripts/search/",
        RedirectView.as_view(pattern_name="search:page", query_string=True, permanent=True),
    ),
    path(
        "media/sonix/",
        RedirectView.as_view(
            pattern_name="transcripts:sonix_import", query_string=True, permanent=True
        ),
    ),
]
