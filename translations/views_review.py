"""The translation review page: English and the translation side by side, with the player."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from translations.models import Language, Translation
from translations.services import source_segments, translation_latest
from translations.views import _url_or_empty, voiceover_context


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


def format_timestamp(seconds: float | None) -> str:
    if seconds is None:
        return ""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def review_rows(english: list[dict], translated: list[dict]) -> list[dict]:
    by_id = {seg["id"]: seg for seg in english}
    rows = []
    for index, seg in enumerate(translated):
        source = by_id.get(seg["id"], {})
        rows.append(
            {
                "index": index,
                "id": seg["id"],
                "start": seg.get("start"),
                "end": seg.get("end"),
                "clock": format_timestamp(seg.get("start")),
                "english": source.get("text", ""),
                "text": seg["text"],
            }
        )
    return rows


@require_GET
def editor(request, pk):
    translation = _translation(pk)
    transcription = translation.transcription
    language = Language.objects.filter(code=translation.language_code).first()
    latest = translation_latest(translation)
    english = source_segments(translation.source_version) if translation.source_version else []
    return render(
        request,
        "translations/review.html",
        {
            "translation": translation,
            "transcription": transcription,
            "audio_file": transcription.audio_file,
            "language": language,
            "direction": language.direction if language else "ltr",
            "latest": latest,
            "rows": review_rows(english, latest.segments),
            "versions": list(
                translation.versions.select_related("edited_by").order_by("-version_number")
            ),
            "is_final": translation.final_version_id is not None
            and latest.version is not None
            and translation.final_version_id == latest.version.pk,
            "stream_url": _url_or_empty("media_files:stream", transcription.audio_file_id),
            **voiceover_context(translation),
        },
    )
