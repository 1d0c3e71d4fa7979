"""The review page's own endpoints (states, QA marks, memory suggestions, Mark reviewed,
Re-translate changed segments) and the translation memory's TMX export and import."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_GET, require_POST

from documents.selectors import document_snapshot
from languages.models import Language
from translations.memory import TM_MAX_CHARS, tmx_read, tmx_write
from translations.models import Translation, TranslationMemory
from translations.selectors_review import memory_suggestions, review_marks
from translations.services import TRANSLATION_DOCUMENT
from translations.services_review import (
    tm_import,
    translation_mark_reviewed,
    translation_retranslate_changed,
)

TMX_MAX_BYTES = 50 * 1024 * 1024


def _translation(pk) -> Translation:
    return get_object_or_404(
        Translation.objects.select_related(
            "transcription__audio_file", "transcription__final_version", "source_version"
        ),
        pk=pk,
    )


@require_GET
def marks(request, pk):
    translation = _translation(pk)
    latest = document_snapshot(doc=TRANSLATION_DOCUMENT, parent=translation)
    data = review_marks(translation, latest.json, latest.text)
    data["version"] = latest.number
    return JsonResponse(data)


@require_GET
def suggestions(request, pk):
    translation = _translation(pk)
    latest = document_snapshot(doc=TRANSLATION_DOCUMENT, parent=translation)
    segments = (latest.json or {}).get("segments") or [
        {"id": i, "text": t} for i, t in enumerate(latest.texts)
    ]
    return JsonResponse(memory_suggestions(translation, segments))


@require_POST
def mark_reviewed(request, pk):
    translation = _translation(pk)
    try:
        indexes = [int(i) for i in request.POST.get("segments", "").split(",") if i.strip()]
        if not indexes:
            raise ValidationError("Name the segments to mark reviewed.")
        version = translation_mark_reviewed(
            translation=translation, segment_indexes=indexes, user=request.user
        )
    except ValueError:
        return JsonResponse({"error": "Segments are numbers."}, status=400)
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=400)
    return JsonResponse(
        {
            "marked": len(indexes),
            "version": version.version_number if version else None,
            "label": version.version_type if version else None,
        }
    )


@require_POST
def retranslate_changed(request, pk):
    translation = _translation(pk)
    try:
        translation_retranslate_changed(translation=translation, user=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            "Re-translating the segments whose English changed; every other segment is kept.",
        )
    return redirect(translation.get_absolute_url())


@require_GET
def memory_export(request):
    language = request.GET.get("language", "")
    entries = TranslationMemory.objects.all().order_by("target_language", "source_key")
    if language:
        entries = entries.filter(target_language=language)
    body = tmx_write(entries.iterator(chunk_size=5_000))
    response = HttpResponse(body, content_type="application/x-tmx+xml; charset=utf-8")
    name = f"max-memory-{language or 'all'}.tmx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_POST
def memory_import(request):
    upload = request.FILES.get("tmx")
    back = request.POST.get("next") or "/"
    if not back.startswith("/") or back.startswith("//"):
        back = "/"
    if upload is None:
        messages.error(request, "Choose a TMX file to import.")
        return redirect(back)
    if upload.size > TMX_MAX_BYTES:
        messages.error(request, "The TMX file is too large (50 MB at most).")
        return redirect(back)
    try:
        units = tmx_read(upload.read())
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    targets = set(Language.objects.targets().values_list("code", flat=True))
    long = sum(1 for u in units if max(len(u.source_text), len(u.target_text)) > TM_MAX_CHARS)
    written = tm_import(units=units, user=request.user, target_languages=targets)
    messages.success(request, f"Imported {written} translation memory entries.")
    if long:
        messages.warning(
            request,
            f"Skipped {long} unit{'s' if long != 1 else ''} longer than {TM_MAX_CHARS:,} "
            "characters: a memory entry is one segment.",
        )
    elif not written:
        messages.warning(
            request,
            "The file has no unit with an English source and a translation into a language "
            "Max translates into.",
        )
    return redirect(back)
