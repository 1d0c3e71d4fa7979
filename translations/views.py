"""Translation pages: the per-transcript overview, glossary report and voice-over.

The review page itself (editor, history, diff, exports, finalize) is views_review.py.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from languages.models import Language
from transcripts.models import Transcription
from translations import services
from translations.models import Translation, VoiceOver
from translations.selectors import overview_rows, source_segments, translation_latest
from translations.term_impact import english_pending
from translations.terms import consistency_report


def _messages_from(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _transcription(pk) -> Transcription:
    return get_object_or_404(
        Transcription.objects.select_related("audio_file__project", "final_version"), pk=pk
    )


def _translation(pk) -> Translation:
    return get_object_or_404(
        Translation.objects.select_related(
            "transcription__audio_file__project",
            "transcription__final_version",
            "source_version",
            "final_version",
        ),
        pk=pk,
    )


# --- overview ----------------------------------------------------------------------------


@require_GET
def overview(request, transcription_pk):
    transcription = _transcription(transcription_pk)
    rows = overview_rows(transcription)
    return render(
        request,
        "translations/overview.html",
        {
            "transcription": transcription,
            "audio_file": transcription.audio_file,
            "project": transcription.audio_file.project,
            "rows": rows,
            "final_version": transcription.final_version,
            "targets": [row.language for row in rows if row.language.active],
            "outdated_count": sum(1 for row in rows if row.is_outdated),
            "transcript_url": reverse("transcripts:editor", args=[transcription.pk]),
            # English glossary corrections the final still lacks (term_impact).
            "english_pending": english_pending(transcription),
        },
    )


def _language_names(codes) -> str:
    """ "German, Spanish" for ["de", "es"]: the messages speak of languages, not codes."""
    codes = list(codes)
    names = dict(Language.objects.filter(code__in=codes).values_list("code", "name"))
    return ", ".join(names.get(code, code) for code in codes)


@require_POST
def start(request, transcription_pk):
    """Start translate jobs: the languages ticked, or one language (Re-translate)."""
    transcription = _transcription(transcription_pk)
    codes = request.POST.getlist("language")
    if request.POST.get("scope") == "chosen" and not codes:
        messages.error(request, "Choose at least one language to translate into.")
        return redirect("translations:overview", transcription_pk=transcription.pk)
    try:
        result = services.translation_start(
            transcription=transcription, language_codes=codes, user=request.user
        )
    except ValidationError as exc:
        _messages_from(request, exc)
        return redirect("translations:overview", transcription_pk=transcription.pk)
    if result.started:
        names = _language_names(job.params["language"] for job in result.started)
        messages.success(request, f"Translation started: {names}.")
    if result.running:
        names = _language_names(job.params["language"] for job in result.running)
        messages.info(request, f"Already running: {names}.")
    if result.up_to_date:
        names = _language_names(t.language_code for t in result.up_to_date)
        label = transcription.final_version.version_type
        messages.info(request, f"Already translated from {label}, nothing to do: {names}.")
    if result.needs_engine:
        names = _language_names(t.language_code for t in result.needs_engine)
        messages.warning(
            request,
            f"No translation engine is configured, so these stay offline drafts: {names}. "
            "An administrator sets ANTHROPIC_API_KEY (or LLM_ENGINE=openai with "
            "OPENAI_API_KEY); then translate again, or replace the text in Review.",
        )
    return redirect("translations:overview", transcription_pk=transcription.pk)


# --- glossary report -------------------------------------------------------------------


@require_GET
def report(request, pk):
    translation = _translation(pk)
    language = Language.objects.filter(code=translation.language_code).first()
    latest = translation_latest(translation)
    english = source_segments(translation.source_version) if translation.source_version else []
    result = consistency_report(
        corrections=translation.dictionary_corrections_applied or [],
        label=translation.current_machine_label,
        english_segments=english,
        translated_segments=latest.segments,
        language_code=translation.language_code,
        word_boundaries=language.word_boundaries if language else True,
    )
    return render(
        request,
        "translations/report.html",
        {
            "translation": translation,
            "transcription": translation.transcription,
            "language": language,
            "latest": latest,
            "report": result,
        },
    )


# --- voice-over ----------------------------------------------------------------------------


@require_POST
def voiceover(request, pk):
    translation = _translation(pk)
    try:
        services.voiceover_start(translation=translation, user=request.user)
    except ValidationError as exc:
        _messages_from(request, exc)
    else:
        messages.success(request, "Sent to voice-over; the audio appears here when it is ready.")
    return redirect(translation.get_absolute_url())


@require_GET
def voiceover_audio(request, pk):
    voice = get_object_or_404(VoiceOver, pk=pk)
    try:
        handle = default_storage.open(voice.file_path, "rb")
    except FileNotFoundError as exc:
        raise Http404("The audio file is missing from storage.") from exc
    return FileResponse(handle, content_type="audio/mpeg", filename=voice.file_path.split("/")[-1])
