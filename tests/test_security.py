"""Security pass: every URL × role, XSS payloads render inert, CSRF on every POST,
media only through the authenticated view, uploads stay inside the media root.

The walk covers every URL pattern the project has — new pages are included as soon as
they are routed. A page's object comes from a small world of real rows (one of each kind),
in which every text a user can enter carries XSS payloads; every HTML page rendered during
the walk is checked for a raw payload.
"""

import io
import re
import uuid
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter, UUIDConverter

from accounts.models import Activity, User
from accounts.services import activity_record
from glossary.models import DictionaryEntry
from jobs.models import Job
from media_files.models import AudioFile
from projects.models import Project, ProjectType
from summaries.models import FeedbackLog, GeneratedSummary, PromptTemplate
from transcripts.models import Transcription, TranscriptionVersion
from translations.models import Translation, TranslationVersion

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
RAW_PAYLOADS = (SCRIPT, "<img src=x onerror=alert(1)>")
P = f"{SCRIPT} {IMG}"
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"

# Pages only some users may open: editors get 403 (or a login redirect), staff get in.
# The Django admin is covered by its namespace.
RESTRICTED = {
    "summaries:settings",
    "summaries:template_edit",
    "summaries:template_history",
    "summaries:template_revert",
}
# Signing out ends the client's session; those are checked, then the client signs in again.
SIGN_OUT = {"logout", "admin:logout"}
PUBLIC = {"login"}
ADMIN_OK = {200, 204, 206, 301, 302, 303, 304, 404, 405}


# --- the world: one real row of each kind, every user-entered text a payload ---------------


def wav_bytes(seconds: float = 0.5, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\x00\x10" * int(seconds * rate))
    return buffer.getvalue()


def timed(text: str) -> dict[str, Any]:
    return {
        "segments": [
            {
                "id": 0,
                "start": 0.0,
                "end": 0.5,
                "text": text,
                "words": [{"word": w, "start": 0.0, "end": 0.5} for w in text.split()],
            }
        ],
        "metadata": {"source": "whisper", "duration": 0.5},
    }


@dataclass
class World:
    author: User
    project: Project
    audio: AudioFile
    transcription: Transcription
    version: TranscriptionVersion
    translation: Translation
    translation_version: TranslationVersion
    summary: GeneratedSummary
    feedback: FeedbackLog
    entry: DictionaryEntry
    template: PromptTemplate
    job: Job
    extra: list[Any] = field(default_factory=list)

    def objects(self) -> list[Any]:
        """Candidates for a page's <uuid> argument, most common first."""
        return [
            self.project,
            self.audio,
            self.transcription,
            self.translation,
            self.summary,
            self.job,
            self.template,
            self.feedback,
            self.entry,
            self.version,
            self.translation_version,
            *self.extra,
        ]


@pytest.fixture
def world(db, settings, tmp_path) -> World:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    author = User.objects.create_user(email="xss@example.com", password="x", full_name=P)
    project = Project.objects.create(
        name=f"Project {P}",
        project_type=ProjectType.objects.get(slug="lecture"),
        created_by=author,
        metadata={"location": P, "date": P, "misc": P},
    )
    audio_id = uuid.uuid4()
    key = default_storage.save(f"audio/lecture/{audio_id}-talk.wav", ContentFile(wav_bytes()))
    audio = AudioFile.objects.create(
        id=audio_id,
        project=project,
        file_name=f"{P}.wav",
        file_path=key,
        file_size_bytes=default_storage.size(key),
        duration_seconds=0.5,
        uploaded_by=author,
    )
    transcription = Transcription.objects.create(
        audio_file=audio, raw_text=P, json_with_timestamps=timed(P), created_by=author
    )
    version = TranscriptionVersion.objects.create(
        transcription=transcription,
        version_number=1,
        version_type="H-1",
        edited_text=f"{P} edited",
        json_with_timestamps=timed(f"{P} edited"),
        edited_by=author,
    )
    Transcription.objects.filter(pk=transcription.pk).update(final_version=version)
    transcription.refresh_from_db()
    translation = Translation.objects.create(
        transcription=transcription,
        language_code="es",
        translated_text=P,
        json_with_timestamps=timed(P),
        source_version=version,
    )
    translation_version = TranslationVersion.objects.create(
        translation=translation,
        version_number=1,
        version_type="H-1-es",
        edited_text=f"{P} editado",
        json_with_timestamps=timed(f"{P} editado"),
        edited_by=author,
    )
    summary = GeneratedSummary.objects.create(
        transcription=transcription,
        summary_type="email",
        generated_text=P,
        user_edited_text=f"{P} edited",
        edited_by=author,
    )
    feedback = FeedbackLog.objects.create(
        summary=summary, generated_text=P, user_edited_text=P, diff_analysis=P
    )
    entry = DictionaryEntry.objects.create(
        term_original=f"{P} term", term_corrected=P, context=P, created_by=author
    )
    template = PromptTemplate.objects.get(template_name="email_summary")
    PromptTemplate.objects.filter(pk=template.pk).update(
        template_content=f"{P} {{transcription_text}}"
    )
    template.refresh_from_db()
    job = Job.objects.create(
        kind="transcribe",
        task_name="transcripts.tasks.transcribe",
        target=audio,
        status=Job.Status.FAILED,
        message=P,
        error=P,
        created_by=author,
    )
    for target in (project, audio, transcription, entry):
        activity_record(
            user=author,
            action=f"test.{type(target).__name__.lower()}",
            target=target,
            project_id=project.pk,
            details={"note": P},
        )
    world = World(
        author,
        project,
        audio,
        transcription,
        version,
        translation,
        translation_version,
        summary,
        feedback,
        entry,
        template,
        job,
    )
    voiceover_model = _optional_model("translations", "VoiceOver")
    if voiceover_model is not None:
        vkey = default_storage.save(f"voiceovers/{uuid.uuid4()}.wav", ContentFile(wav_bytes()))
        world.extra.append(
            voiceover_model.objects.create(
                translation=translation,
                version=translation_version,
                file_path=vkey,
                engine=P,
                voice_id=P,
                model_id=P,
                created_by=author,
            )
        )
    return world


def _optional_model(app_label: str, name: str):
    try:
        return apps.get_model(app_label, name)
    except LookupError:
        return None


# --- the URL walker --------------------------------------------------------------------


@dataclass
class Route:
    name: str | None  # namespaced, e.g. "projects:detail"
    route: str  # the full pattern, e.g. "projects/<uuid:pk>/"
    params: dict[str, str]  # name → "uuid" | "int" | "str" | "regex"

    @property
    def is_admin(self) -> bool:
        return self.route.startswith("admin/")

    def __str__(self) -> str:
        return self.name or self.route


def iter_routes(resolver=None, prefix="", namespaces=()):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from iter_routes(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            params = {}
            for name, converter in getattr(entry.pattern, "converters", {}).items():
                if isinstance(converter, UUIDConverter):
                    params[name] = "uuid"
                elif isinstance(converter, IntConverter):
                    params[name] = "int"
                else:
                    params[name] = "str"
            for name in entry.pattern.regex.groupindex:
                params.setdefault(name, "regex")
            name = ":".join((*namespaces, entry.name)) if entry.name else None
            yield Route(name, route, params)


def all_routes() -> list[Route]:
    return list(iter_routes())


STR_HINTS = {"fmt": ["srt", "vtt", "docx", "txt", "json"]}
PARAM_HINTS = {
    "project_pk": "project",
    "project_id": "project",
    "audio_file_pk": "audio",
    "audio_file_id": "audio",
    "transcription_pk": "transcription",
    "transcription_id": "transcription",
    "translation_pk": "translation",
    "summary_pk": "summary",
}


def _admin_model(name: str):
    """admin:<app_label>_<model>_<action> → the model class."""
    short = name.removeprefix("admin:")
    for config in apps.get_app_configs():
        if short.startswith(config.label + "_"):
            rest = short[len(config.label) + 1 :]
            for model in config.get_models(include_auto_created=True):
                if rest.startswith(model._meta.model_name + "_"):
                    return model
    return None


def admin_refuses(route: Route, method: str, user) -> bool:
    """True where the admin denies even a superuser on purpose (nothing is hard-deleted,
    history is read-only), so 403 is the expected answer."""
    from django.contrib import admin
    from django.test import RequestFactory

    name = route.name or ""
    if name == "admin:autocomplete":
        return True  # without its query parameters it refuses any request
    model = _admin_model(name)
    model_admin = admin.site._registry.get(model) if model is not None else None
    if model_admin is None:
        return False
    request = RequestFactory().get("/")
    request.user = user
    action = name.rsplit("_", 1)[-1]
    if action == "add":
        return not model_admin.has_add_permission(request)
    if action == "delete":
        return not model_admin.has_delete_permission(request)
    if action == "change" and method == "post":
        return not model_admin.has_change_permission(request)
    return False


def _admin_kwargs(route: Route, world: World) -> dict[str, Any]:
    kwargs = {}
    for param in route.params:
        if param == "app_label":
            kwargs[param] = "projects"
        elif param == "url":
            kwargs[param] = "nothing-here/"
        elif param == "content_type_id":
            kwargs[param] = ContentType.objects.get_for_model(Project).pk
        elif param in ("object_id", "id"):
            model = _admin_model(route.name or "")
            obj = None
            for candidate in world.objects():
                if model is not None and isinstance(candidate, model):
                    obj = candidate
                    break
            if obj is None and model is not None:
                obj = model._default_manager.order_by("pk").first()
            if obj is None and route.name == "admin:view_on_site":
                obj = world.project
            kwargs[param] = str(obj.pk) if obj is not None else "1"
        else:
            kwargs[param] = "x"
    return kwargs


def build_path(route: Route, kwargs: dict[str, Any]) -> str:
    if route.name:
        try:
            return reverse(route.name, kwargs=kwargs)
        except NoReverseMatch:
            pass
    path = route.route.lstrip("^").rstrip("$")
    for name, value in kwargs.items():
        path = re.sub(rf"\(\?P<{name}>[^)]*\)", str(value), path)
        path = re.sub(rf"<(?:\w+:)?{name}>", str(value), path)
    return "/" + path.replace("\\", "")


def regex_choices(route: str, param: str) -> list[str]:
    """The alternatives of a `(?P<param>a|b|c)` group, when it is a plain alternation."""
    match = re.search(rf"\(\?P<{param}>([\w|]+)\)", route)
    return match.group(1).split("|") if match else []


def _reverses(name: str, kwargs: dict[str, Any]) -> bool:
    try:
        reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return False
    return True


def _get(client: Client, path: str):
    response = client.get(path)
    body_of(response)
    return response.status_code


class Paths:
    """A concrete path per route, with real objects wherever the page takes one."""

    def __init__(self, routes: list[Route], world: World, admin: Client):
        self.world = world
        self.admin = admin
        self.found: dict[str, str] = {}  # route prefix up to a uuid param → object attr
        self.paths: dict[str, list[str]] = {}
        # Pages with a GET first, so POST-only siblings (…/archive/) can borrow their object.
        for route in sorted(routes, key=lambda r: (r.route.count("/"), r.route)):
            self.paths[route.route] = self._paths(route)

    def _candidates(self, route: Route, param: str) -> list[Any]:
        objects = self.world.objects()
        prefix = route.route.split(f"<uuid:{param}>")[0]
        hint = self.found.get(prefix + param) or PARAM_HINTS.get(param)
        first = [getattr(self.world, hint)] if hint else []
        return first + [o for o in objects if o not in first]

    def _paths(self, route: Route) -> list[str]:
        if route.is_admin:
            return [build_path(route, _admin_kwargs(route, self.world))]
        if route.name == "accounts:object_activity":
            ct = ContentType.objects.get_for_model(self.world.project)
            return [
                build_path(route, {"content_type_id": ct.pk, "object_id": self.world.project.pk})
            ]
        uuid_params = [p for p, kind in route.params.items() if kind == "uuid"]
        base = {p: "1" for p, kind in route.params.items() if kind == "int"}
        str_options = [{}]
        for p, kind in route.params.items():
            if kind in ("str", "regex"):
                values = STR_HINTS.get(p, []) + regex_choices(route.route, p) or ["x"]
                str_options = [{**o, p: v} for o in str_options for v in values]
        if route.name and len(str_options) > 1:
            # Keep the values the pattern accepts (a regex like (?P<fmt>csv|tbx) limits them).
            sample = {**base, **{p: uuid.uuid4() for p in uuid_params}}
            str_options = [o for o in str_options if _reverses(route.name, {**sample, **o})]
            str_options = str_options or [{}]
        if not uuid_params:
            return [build_path(route, {**base, **o}) for o in str_options]
        (param,) = uuid_params  # every page takes at most one object
        prefix = route.route.split(f"<uuid:{param}>")[0]
        for obj in self._candidates(route, param):
            kwargs = {**base, **str_options[0], param: obj.pk}
            status = _get(self.admin, build_path(route, kwargs))
            if status != 404:
                attr = (
                    next(k for k, v in vars(self.world).items() if v is obj)
                    if any(v is obj for v in vars(self.world).values())
                    else None
                )
                if attr:
                    self.found[prefix + param] = attr
                return [build_path(route, {**base, **o, param: obj.pk}) for o in str_options]
        # No object fits (a kind of row the world lacks): a random id exercises the 404.
        return [build_path(route, {**base, **o, param: uuid.uuid4()}) for o in str_options]


@pytest.fixture
def paths(world, staff_admin):
    admin = Client()
    admin.force_login(staff_admin)
    return Paths(all_routes(), world, admin)


def body_of(response) -> bytes:
    # Reading a streamed body to the end closes it (the test client wraps it); never call
    # response.close() here: it would fire request_finished and drop the test's connection.
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def assert_inert(response, where: str, problems: list[str]) -> None:
    content_type = response.get("Content-Type", "")
    body = body_of(response)
    if not content_type.startswith("text/html"):
        return
    text = body.decode("utf-8", "replace")
    for payload in RAW_PAYLOADS:
        if payload in text:
            problems.append(f"{where}: raw payload {payload!r} in the page")


def request(client: Client, method: str, path: str):
    return getattr(client, method)(path)


# --- the matrix ----------------------------------------------------------------------------


def test_the_walk_covers_every_area():
    routes = all_routes()
    names = {r.name for r in routes}
    assert len(routes) > 100
    for expected in ("projects:list", "search:page", "accounts:activity", "admin:index"):
        assert expected in names


def test_anonymous_users_are_sent_to_login_everywhere(world, paths, client):
    problems = []
    for route in all_routes():
        for path in paths.paths[route.route]:
            for method in ("get", "post"):
                response = request(client, method, path)
                body_of(response)
                where = f"{method.upper()} {path} ({route})"
                if route.name in PUBLIC:
                    if response.status_code != 200:
                        problems.append(f"{where}: {response.status_code}")
                    continue
                location = response.get("Location", "")
                # The admin sends to its own login first, which redirects to ours.
                login = (
                    ("/accounts/login/", "/admin/login/")
                    if route.is_admin
                    else ("/accounts/login/",)
                )
                if response.status_code != 302 or not location.startswith(login):
                    problems.append(f"{where}: {response.status_code} → {location!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.slow
def test_editors_never_see_an_error_nor_a_staff_page(world, paths, editor):
    problems = []
    client = Client()
    client.force_login(editor)
    for route in all_routes():
        for path in paths.paths[route.route]:
            for method in ("get", "post"):
                where = f"{method.upper()} {path} ({route})"
                try:
                    response = request(client, method, path)
                except Exception as exc:  # the test client re-raises a view's crash
                    problems.append(f"{where}: crashed with {type(exc).__name__}: {exc}")
                    continue
                status = response.status_code
                location = response.get("Location", "")
                if route.is_admin:
                    body_of(response)
                    to_login = location.startswith(("/admin/login/", "/accounts/login/"))
                    # …/logout/ sends non-staff back to the admin index, which refuses them.
                    if not (status in (302, 403) and (to_login or location == "/admin/")):
                        problems.append(f"{where}: admin page gave an editor {status} {location}")
                elif route.name in RESTRICTED:
                    body_of(response)
                    # 405: the method is refused before anything is shown.
                    if status not in (403, 405) and not location.startswith("/accounts/login/"):
                        problems.append(f"{where}: restricted page gave an editor {status}")
                else:
                    if status >= 500 or status == 403:
                        problems.append(f"{where}: {status}")
                    assert_inert(response, where, problems)
                if route.name in SIGN_OUT:
                    client.force_login(editor)
    assert not problems, "\n".join(problems)


@pytest.mark.slow
def test_admins_open_every_page_without_an_error(world, paths, staff_admin):
    problems = []
    client = Client()
    client.force_login(staff_admin)
    for route in all_routes():
        for path in paths.paths[route.route]:
            for method in ("get", "post"):
                where = f"{method.upper()} {path} ({route})"
                try:
                    response = request(client, method, path)
                except Exception as exc:
                    problems.append(f"{where}: crashed with {type(exc).__name__}: {exc}")
                    continue
                status = response.status_code
                staff_page = route.is_admin or route.name in RESTRICTED
                allowed = ADMIN_OK | ({403} if admin_refuses(route, method, staff_admin) else set())
                if (
                    (staff_page and status not in allowed)
                    or status >= 500
                    or (status == 403 and 403 not in allowed)
                ):
                    problems.append(f"{where}: {status}")
                assert_inert(response, where, problems)
                if route.name in SIGN_OUT:
                    client.force_login(staff_admin)
    assert not problems, "\n".join(problems)


def test_the_walk_opens_real_objects(world, paths):
    """Guard against a vacuous walk: object pages resolve to the world's rows, not 404s."""
    with_objects = [r for r in all_routes() if "uuid" in r.params.values() and not r.is_admin]
    real = [
        r
        for r in with_objects
        if any(str(o.pk) in p for p in paths.paths[r.route] for o in world.objects())
    ]
    assert len(real) >= 0.8 * len(with_objects), sorted(
        str(r) for r in with_objects if r not in real
    )


# --- XSS: pages that show user text, table-driven --------------------------------------------

# (URL name, kwargs from the world). Each page must SHOW the payload — escaped — so the
# check cannot pass by the text simply being absent. Add a row when a page lands.
XSS_PAGES = [
    ("projects:list", lambda w: {}),
    ("projects:detail", lambda w: {"pk": w.project.pk}),
    ("projects:edit", lambda w: {"pk": w.project.pk}),
    ("media_files:detail", lambda w: {"pk": w.audio.pk}),
    ("transcripts:media_panel", lambda w: {"audio_file_pk": w.audio.pk}),
    ("transcripts:editor", lambda w: {"pk": w.transcription.pk}),
    ("transcripts:history", lambda w: {"pk": w.transcription.pk}),
    ("transcripts:diff", lambda w: {"pk": w.transcription.pk}),
    ("translations:overview", lambda w: {"transcription_pk": w.transcription.pk}),
    ("translations:editor", lambda w: {"pk": w.translation.pk}),
    ("translations:history", lambda w: {"pk": w.translation.pk}),
    ("summaries:transcript", lambda w: {"transcription_pk": w.transcription.pk}),
    ("summaries:edit", lambda w: {"pk": w.summary.pk}),
    ("summaries:feedback_list", lambda w: {}),
    ("summaries:feedback_detail", lambda w: {"pk": w.feedback.pk}),
    ("summaries:template_edit", lambda w: {"pk": w.template.pk}),
    ("glossary:list", lambda w: {}),
    ("glossary:edit", lambda w: {"pk": w.entry.pk}),
    ("media_files:upload", lambda w: {"project_pk": w.project.pk}),
    ("jobs:detail", lambda w: {"pk": w.job.pk}),
    ("accounts:activity", lambda w: {}),
    ("accounts:project_activity", lambda w: {"project_id": w.project.pk}),
    (
        "accounts:object_activity",
        lambda w: {
            "content_type_id": ContentType.objects.get_for_model(w.entry).pk,
            "object_id": w.entry.pk,
        },
    ),
    ("search:page", lambda w: {}),  # with ?q=alert below
    ("admin:projects_project_changelist", lambda w: {}),
    ("admin:projects_project_change", lambda w: {"object_id": w.project.pk}),
    ("admin:media_files_audiofile_change", lambda w: {"object_id": w.audio.pk}),
    ("admin:glossary_dictionaryentry_changelist", lambda w: {}),
    ("admin:accounts_activity_changelist", lambda w: {}),
]


@pytest.mark.parametrize(("name", "kwargs"), XSS_PAGES, ids=[n for n, _ in XSS_PAGES])
def test_user_text_renders_inert(world, staff_admin, name, kwargs):
    client = Client()
    client.force_login(staff_admin)  # staff see every page, editors a subset of the same
    path = reverse(name, kwargs=kwargs(world))
    response = client.get(path, {"q": "alert"} if name == "search:page" else {})
    assert response.status_code == 200
    text = body_of(response).decode()
    for payload in RAW_PAYLOADS:
        assert payload not in text, f"{name} renders {payload!r} unescaped"
    assert ESCAPED_SCRIPT in text or "\\u003Cscript\\u003E" in text, (
        f"{name} does not show the user's text at all; pick a page that does"
    )


def test_the_prompt_template_permission_opens_the_settings_pages(world, editor):
    from django.contrib.auth.models import Permission

    client = Client()
    client.force_login(editor)
    url = reverse("summaries:template_edit", args=[world.template.pk])
    assert client.get(url).status_code == 403
    editor.user_permissions.add(Permission.objects.get(codename="change_prompttemplate"))
    client.force_login(User.objects.get(pk=editor.pk))
    assert client.get(reverse("summaries:settings")).status_code == 200
    assert client.get(url).status_code == 200


# --- CSRF ----------------------------------------------------------------------------------


def test_every_post_without_a_csrf_token_is_refused(world, paths, editor, staff_admin):
    problems = []
    for user in (None, editor, staff_admin):
        client = Client(enforce_csrf_checks=True)
        if user is not None:
            client.force_login(user)
        for route in all_routes():
            for path in paths.paths[route.route]:
                response = client.post(path, {"name": P})
                body_of(response)
                # A view that checks CSRF itself (the upload, after its size limiter) is
                # behind the login redirect for anonymous users; that refuses too.
                refused = response.status_code == 403 or (
                    user is None
                    and response.status_code == 302
                    and response["Location"].startswith("/accounts/login/")
                )
                if not refused:
                    problems.append(f"POST {path} ({route}) as {user}: {response.status_code}")
    assert not problems, "\n".join(problems)


def test_a_post_with_the_csrf_token_gets_through(editor):
    """The control for the test above: the refusal is the missing token, nothing else."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    client.get(reverse("projects:list"))
    token = client.cookies["csrftoken"].value
    response = client.post(reverse("logout"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"


# --- sign-in: tests/test_sign_in_limits.py -----------------------------------------------


# --- media ---------------------------------------------------------------------------------


def test_media_files_are_served_only_by_the_authenticated_view(world, client, editor):
    key = world.audio.file_path
    with default_storage.open(key, "rb") as handle:
        stored = handle.read()
    for user in (None, editor):
        probe = Client()
        if user is not None:
            probe.force_login(user)
        for url in (f"/media/{key}", f"/static/{key}", f"/{key}", f"/var/media/{key}"):
            response = probe.get(url)
            content = body_of(response)
            assert stored not in content and response.status_code in (302, 404), (url, user)
    stream = reverse("media_files:stream", args=[world.audio.pk])
    anonymous = client.get(stream)
    body_of(anonymous)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    client.force_login(editor)
    response = client.get(stream)
    assert response.status_code == 200 and body_of(response) == stored


# --- uploads -------------------------------------------------------------------------------

HOSTILE_NAMES = [
    "../../../etc/passwd.wav",
    "..\\..\\windows\\win.ini.wav",
    "/etc/passwd.wav",
    "....//....//x.wav",
    "..",
    "%2e%2e%2f%2e%2e%2fx.wav",
    "\u2025/x.wav",
    "x\x00.wav",
    "a/../../b.wav",
    "~/.ssh/authorized_keys.wav",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_storage_keys_never_leave_the_media_root(name, settings, tmp_path):
    from media_files import services

    try:
        clean = services.file_name_check(name)
    except ValidationError:
        return  # refused with a message: nothing is stored
    key = services.storage_key(
        project_type_slug="../lecture", audio_id=uuid.uuid4(), file_name=clean, ext="wav"
    )
    assert key.startswith("audio/") and ".." not in Path(key).parts and "\\" not in key
    root = (tmp_path / "media").resolve()
    assert (root / key).resolve().is_relative_to(root)


@pytest.mark.parametrize("name", ["../../escape.wav", "..\\..\\escape.wav", "sub/../../x.wav"])
def test_an_upload_with_a_path_in_its_name_writes_nothing_outside(world, name, tmp_path):
    from media_files import services

    upload = SimpleUploadedFile("talk.wav", wav_bytes(), content_type="audio/wav")
    upload._name = name  # bypass Django's own basename() to test the service itself
    before = {p for p in tmp_path.rglob("*") if p.is_file()}
    try:
        audio = services.audio_file_upload(
            project=world.project, uploaded_file=upload, user=world.author
        )
    except ValidationError:
        audio = None
    created = {p for p in tmp_path.rglob("*") if p.is_file()} - before
    media_root = (tmp_path / "media").resolve()
    assert all(p.resolve().is_relative_to(media_root) for p in created), created
    if audio is not None:
        assert (media_root / audio.file_path).resolve().is_relative_to(media_root)
        assert "/" not in audio.file_name and "\\" not in audio.file_name


def test_activity_rows_of_the_world_exist(world):
    # The audit pages in the walk show rows whose text is a payload.
    assert Activity.objects.filter(details__note=P).count() == 4


# --- headers: Content-Security-Policy, production defaults -----------------------------------


def test_pages_carry_a_content_security_policy_without_inline_code(editor_client):
    response = editor_client.get(reverse("projects:list"))
    policy = {
        directive.split()[0]: directive.split()[1:]
        for directive in response["Content-Security-Policy"].split(";")
        if directive.strip()
    }
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]


REPO = Path(__file__).resolve().parent.parent
TEMPLATE_DIRS = [REPO / "templates"] + [
    Path(config.path) / "templates"
    for config in apps.get_app_configs()
    if Path(config.path).is_relative_to(REPO) and ".venv" not in Path(config.path).parts
]
INLINE_CODE = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>(?!\s*</script>)|<style\b|\son[a-z]+\s*=|\sstyle\s*=",
    re.IGNORECASE,
)


def test_no_template_has_inline_scripts_handlers_or_styles():
    """The policy forbids them, so they would silently do nothing in the browser.
    (Data for scripts goes through json_script, whose <script type="application/json"> holds
    no code and is allowed.)"""
    offenders = []
    for folder in TEMPLATE_DIRS:
        for path in folder.rglob("*.html"):
            text = re.sub(
                r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}", "", path.read_text(), flags=re.S
            )
            for match in INLINE_CODE.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                offenders.append(f"{path}:{line}: {match.group(0).strip()}")
    assert not offenders, "\n".join(offenders)


def _settings_in_a_fresh_process(**env) -> dict:
    """Import max_site.settings as production would, with exactly this environment."""
    import json
    import os
    import subprocess
    import sys

    names = ["SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SESSION_COOKIE_SECURE"]
    code = (
        "import json, max_site.settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {names!r}}}))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "DEBUG"))}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "SECRET_KEY": "x" * 50, **env},
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_redirects_to_https_and_sends_hsts_unless_debug():
    production = _settings_in_a_fresh_process()
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SECURE_HSTS_SECONDS"] >= 31_536_000
    development = _settings_in_a_fresh_process(DEBUG="true")
    assert development["SECURE_SSL_REDIRECT"] is False
    assert development["SECURE_HSTS_SECONDS"] == 0
    # .env.example leaves them empty: that is the default, not "off".
    empty = _settings_in_a_fresh_process(SECURE_SSL_REDIRECT="", SECURE_HSTS_SECONDS="")
    assert empty["SECURE_SSL_REDIRECT"] is True and empty["SECURE_HSTS_SECONDS"] >= 31_536_000
    overridden = _settings_in_a_fresh_process(SECURE_SSL_REDIRECT="false", SECURE_HSTS_SECONDS="0")
    assert overridden["SECURE_SSL_REDIRECT"] is False
    assert overridden["SECURE_HSTS_SECONDS"] == 0
