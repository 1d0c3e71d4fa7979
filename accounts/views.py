from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

LOGIN_ATTEMPTS_LIMIT = 10
LOGIN_ATTEMPTS_WINDOW_SECONDS = 15 * 60


def _client_key(request) -> str:
    ip = request.META.get("REMOTE_ADDR", "unknown")
    return f"login-failures:{ip}"


@method_decorator(never_cache, name="dispatch")
class RateLimitedLoginView(auth_views.LoginView):
    """Django's login view, refusing further attempts after repeated failures from one address."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        key = _client_key(request)
        if cache.get(key, 0) >= LOGIN_ATTEMPTS_LIMIT:
            messages.error(
                request, "Too many failed sign-in attempts. Wait 15 minutes and try again."
            )
            response = self.get(request, *args, **kwargs)
            response.status_code = 429
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        key = _client_key(self.request)
        cache.add(key, 0, LOGIN_ATTEMPTS_WINDOW_SECONDS)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, LOGIN_ATTEMPTS_WINDOW_SECONDS)
        return super().form_invalid(form)

    def form_valid(self, form):
        cache.delete(_client_key(self.request))
        return super().form_valid(form)
