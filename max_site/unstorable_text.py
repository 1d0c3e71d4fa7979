"""Refuse requests carrying a NUL character, before any view or query sees them.

PostgreSQL cannot store U+0000 in text and cannot compare against it either: a NUL in a
search box, a saved segment or a form field would end as a DataError and a 500 wherever it
reaches the database. One check at the edge covers every form and query parameter, instead
of a guard in each view: the URL path, every query parameter (names and values), every form
field, and JSON bodies. The editor posts its segments as JSON inside a form field, where a
NUL arrives escaped (`\\u0000`), so a value holding that escape is decoded and searched too.
An escaped lone surrogate (`\\ud800`), which no UTF-8 text can hold, is refused the same way.

The check runs in `process_view`, i.e. after CsrfViewMiddleware has read the form body
anyway. Views exempt from CSRF are exempt here too: they are exempt because they must
install upload handlers before the body is read (the media upload), so reading it here
would bypass their size limit; they check what they store themselves.

The answer is a 400 with a message: JSON (`{"status": "error", "message": ...}`, what the
editor's scripts show) when the client asked for JSON or sent it, a page otherwise.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

NUL = "\x00"
# A JSON escape of NUL or of a UTF-16 surrogate (`\ud800`) after an even number of
# backslashes (an escaped backslash followed by the letters "u0000" is text, not a NUL).
# A lone surrogate cannot be encoded as UTF-8, so PostgreSQL, the diff and every page
# showing it fail on it as on a NUL; request bytes cannot carry one (Django decodes them
# with replacement), only a JSON escape can. A correct pair decodes to one ordinary
# character and passes.
_ESCAPED = re.compile(r"(?<!\\)(?:\\\\)*\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def refusal_message(where: str, *, surrogate: bool = False) -> str:
    if surrogate:
        return (
            f"{where} contains a broken character (an unpaired UTF-16 surrogate), which Max "
            "cannot store or search for. Remove it and try again. Nothing was saved."
        )
    return (
        f"{where} contains a NUL character (U+0000), which Max cannot store or search for. "
        "It usually comes from text pasted out of another program: remove it and try again. "
        "Nothing was saved."
    )


def has_nul(value: str) -> bool:
    """True when `value` holds a NUL, or is JSON whose strings hold one or a lone surrogate."""
    return unstorable_in(value) is not None


def unstorable_in(value: str) -> str | None:
    """ "nul" or "surrogate" when `value` (or the JSON it is) holds one; None otherwise."""
    if NUL in value:
        return "nul"
    if _ESCAPED.search(value) is None:
        return None
    try:
        data = json.loads(value)
    except ValueError:
        return None
    return _json_unstorable(data)


def _json_unstorable(data: Any) -> str | None:
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if NUL in item:
                return "nul"
            if _LONE_SURROGATE.search(item):
                return "surrogate"
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return None


def _first_bad_field(fields: Iterable[tuple[str, list[Any]]]) -> tuple[str, str] | None:
    """(field name, "nul" or "surrogate") of the first field holding unstorable text."""
    for name, values in fields:
        if NUL in name:
            return name.replace(NUL, ""), "nul"
        for value in values:
            if isinstance(value, str) and (kind := unstorable_in(value)) is not None:
                return name, kind
            if getattr(value, "name", None) and NUL in value.name:  # an uploaded file
                return name, "nul"
    return None


def where_is_nul(request: HttpRequest) -> tuple[str, str] | None:
    """Which part of the request holds unstorable text, in words for the user, and what it
    is ("nul" or "surrogate"); None when none does."""
    if NUL in request.path:
        return "The address", "nul"
    if (found := _first_bad_field(request.GET.lists())) is not None:
        return f"The parameter “{found[0]}”", found[1]
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    content_type = request.content_type or ""
    if content_type in _FORM_TYPES:
        fields = [*request.POST.lists(), *request.FILES.lists()]
        if (found := _first_bad_field(fields)) is not None:
            return f"The field “{found[0]}”", found[1]
    elif content_type == "application/json" or content_type.endswith("+json"):
        body = request.body.decode("utf-8", errors="replace")
        if (kind := unstorable_in(body)) is not None:
            return "The request", kind
    return None


class UnstorableTextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if getattr(view_func, "csrf_exempt", False) and request.method not in ("GET", "HEAD"):
            # Only the query string: the body is the view's (see the module docstring).
            found = ("The address", "nul") if NUL in request.path else None
            if found is None and (field := _first_bad_field(request.GET.lists())) is not None:
                found = (f"The parameter “{field[0]}”", field[1])
        else:
            found = where_is_nul(request)
        if found is None:
            return None
        where, kind = found
        message = refusal_message(where, surrogate=kind == "surrogate")
        if _wants_json(request):
            return JsonResponse({"status": "error", "message": message}, status=400)
        return render(request, "unstorable_text.html", {"message": message}, status=400)


def _wants_json(request: HttpRequest) -> bool:
    content_type = request.content_type or ""
    return (
        "application/json" in request.headers.get("Accept", "")
        or content_type == "application/json"
        or content_type.endswith("+json")
    )
