"""The English transcript editor pages (a `DocumentEditor`)."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.html import format_html

from documents.views import DocumentEditor
from transcripts.document import TRANSCRIPT_DOCUMENT
from transcripts.models import Transcription
from transcripts.services import transcript_outdated_translations


class TranscriptEditor(DocumentEditor):
    """The English transcript editor at /transcripts/<id>/."""

    doc = TRANSCRIPT_DOCUMENT
    parent_model = Transcription
    namespace = "transcripts"
    kind_label = "transcript"

    def get_parent(self, pk, *, purpose: str = "page"):
        queryset = Transcription.objects.select_related("audio_file__project")
        if purpose == "light":
            queryset = Transcription.objects.only("pk")
        elif purpose == "page":
            # The machine JSON is only needed when T-1 is still the latest text.
            queryset = queryset.defer("raw_text", "json_with_timestamps")
        return get_object_or_404(queryset, pk=pk)

    def header_context(self, request, parent) -> dict[str, Any]:
        audio_file = parent.audio_file
        notes = []
        if parent.final_version_id is not None:
            outdated = transcript_outdated_translations(parent).values_list(
                "language_code", flat=True
            )
            languages = sorted(outdated)
            if languages:
                notes.append(
                    "Translations made from an earlier final version are outdated: "
                    + ", ".join(languages)
                    + "."
                )
        if parent.archived:
            live = TRANSCRIPT_DOCUMENT.live_document(parent)
            notes.append(
                format_html(
                    "This transcript is archived: a newer one replaced it, and nothing can be "
                    'saved here. <a href="{}">Open the live transcript</a>.',
                    live.get_absolute_url(),
                )
                if live is not None
                else "This transcript is archived: restore it to change it."
            )
        return {
            "doc_title": audio_file.file_name,
            "doc_subtitle": audio_file.project.name,
            "back_url": reverse("media_files:detail", args=[audio_file.pk]),
            "notes": notes,
            # Where the finalized English goes next.
            "next_links": [
                ("Translations", reverse("translations:overview", args=[parent.pk])),
                ("Summaries", reverse("summaries:transcript", args=[parent.pk])),
            ],
        }

    def player_url(self, parent) -> str | None:
        if not parent.audio_file.file_path:
            return None  # imported from Sonix without a copy of the media
        return reverse("media_files:stream", args=[parent.audio_file.pk])

    def speaker_rows(self, parent) -> dict[str, Any]:
        return dict(parent.speakers.filter(archived=False).values_list("label", "pk"))

    def speaker_scope(self, parent) -> dict[str, Any]:
        return {"speaker__transcription_id": parent.pk}

    def export_title(self, parent) -> str:
        return parent.audio_file.file_name


transcript_editor = TranscriptEditor()
