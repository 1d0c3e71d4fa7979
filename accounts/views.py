from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.activity import action_label, activity_lines, subject_of
from accounts.login_limit import LimitedAuthenticationForm, LimitedPasswordChangeForm
from accounts.models import Activity, User


@method_decorator(never_cache, name="dispatch")
class LoginView(auth_views.LoginView):
    """Django's sign-in page; failed attempts are limited per account and address
    (accounts/login_limit.py)."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True
    authentication_form = LimitedAuthenticationForm


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change; a wrong old password counts as a failed sign-in."""

    form_class = LimitedPasswordChangeForm
    success_url = "/"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}


# ---------------------------------------------------------------------------
# The audit trail: global, per project and per object, filterable by user and action.

ACTIVITY_PAGE_SIZE = 50


class ActivityFilterForm(forms.Form):
    user = forms.ModelChoiceField(queryset=User.objects.none(), required=False, label="User")
    action = forms.ChoiceField(choices=[], required=False, label="Action")

    def __init__(self, data, *, scope):
        super().__init__(data)
        # Offer only the people and actions that occur in this history.
        actor_ids = scope.exclude(actor=None).values("actor").distinct()
        self.fields["user"].queryset = User.objects.filter(pk__in=actor_ids).order_by("email")
        self.fields["user"].empty_label = "Everyone"
        actions = scope.order_by("action").values_list("action", flat=True).distinct()
        labelled = sorted(((a, action_label(a)) for a in actions), key=lambda c: c[1])
        self.fields["action"].choices = [("", "All actions"), *labelled]


def _url_of(obj) -> str:
    """The object's own page, if it has one (a language or a project type has none)."""
    get_url = getattr(obj, "get_absolute_url", None)
    return get_url() if get_url is not None else ""


def _activity_page(request, *, scope, title: str, context: dict):
    project_scoped = context.get("project")
    form = ActivityFilterForm(request.GET or None, scope=scope)
    entries = scope
    if form.is_bound and form.is_valid():
        if form.cleaned_data["user"]:
            entries = entries.filter(actor=form.cleaned_data["user"])
        if form.cleaned_data["action"]:
            entries = entries.filter(action=form.cleaned_data["action"])
    entries = entries.select_related("actor", "target_type").order_by("-created_at", "-id")
    page_obj = Paginator(entries, ACTIVITY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/activity_list.html",
        {
            "title": title,
            "form": form,
            "page_obj": page_obj,
            "entries": page_obj.object_list,
            "lines": activity_lines(page_obj.object_list, with_project=project_scoped is None),
            "project": None,
            "project_url": "",
            "target": None,
            "target_url": "",
            **context,
        },
    )


@require_GET
def activity_list(request):
    """Everything that happened, newest first."""
    return _activity_page(request, scope=Activity.objects.all(), title="Activity", context={})


@require_GET
def project_activity(request, project_id):
    """The history of one project and everything in it (Activity.project_id)."""
    from projects.models import Project

    project = get_object_or_404(Project, pk=project_id)
    return _activity_page(
        request,
        scope=Activity.objects.filter(project_id=project.pk),
        title=f"Activity in {project.name}",
        context={"project": project, "project_url": _url_of(project)},
    )


@require_GET
def object_activity(request, content_type_id, object_id):
    """The history of one object (a transcription, a dictionary entry, a template…)."""
    try:
        content_type = ContentType.objects.get_for_id(content_type_id)  # cached per process
    except ContentType.DoesNotExist as exc:
        raise Http404("No such kind of object.") from exc
    scope = Activity.objects.filter(target_type=content_type, target_id=object_id)
    model = content_type.model_class()
    target = model._default_manager.filter(pk=object_id).first() if model is not None else None
    if target is None and not scope.exists():
        raise Http404("No such object.")
    subject = subject_of(content_type, object_id)
    return _activity_page(
        request,
        scope=scope,
        title=f"History: {subject.name} ({content_type.name})"
        if subject
        else f"History of a {content_type.name}",
        context={"target": target, "target_url": _url_of(target)},
    )


def object_activity_url(obj) -> str:
    """Link to an object's history page, for other apps' templates and views."""
    content_type = ContentType.objects.get_for_model(obj)
    return reverse("accounts:object_activity", args=[content_type.pk, obj.pk])
