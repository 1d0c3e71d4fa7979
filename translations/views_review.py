"""The translation review page: the transcript editor (transcripts.views_editor), reused.

Save with stale-save merge and conflicts, autosaved drafts, history, diff, restore,
finalize, find/replace, add-to-dictionary and exports all come from `DocumentEditor`;
this subclass only says how to load a translation, what to show beside each segment
(the English source), the reading direction, the player, and the translation's own
side panel (outdated flag with re-translate, voice-over).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.urls import reverse
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn

from documents.views import DocumentEditor
from jobs.models import Job
from languages.models import Language
from translations.models import Translation, VoiceOver
from translations.selectors import (
    placeholder_message,
    placeholder_segments,
    source_segments,
    translation_changed_english,
    translation_latest,
)
from translations.services import TRANSLATION_DOCUMENT, VOICEOVER_KIND
from translations.term_impact import english_pending


@dataclass
class ReviewPanel:
    language_name: str
    is_outdated: bool
    final_label: str
    overview_url: str
    report_url: str
    start_url: str
    voiceover_url: str
    voiceover_configured: bool
    voiceover_job: Job | None
    voiceovers: list[VoiceOver]
    placeholder_count: int = 0  # offline-draft segments in the latest text
    marks_url: str = ""
    memory_url: str = ""
    mark_reviewed_url: str = ""
    retranslate_changed_url: str = ""
    memory_export_url: str = ""
    memory_import_url: str = ""
    finalize_url: str = ""
    changed_count: int = 0
    # English glossary corrections the final English lacks (shown beside Re-translate).
    english_pending: Any = None


class TranslationEditor(DocumentEditor):
    doc = TRANSLATION_DOCUMENT
    parent_model = Translation
    namespace = "translations"
    template_dir = "translations/editor"
    kind_label = "translation"

    def get_parent(self, pk, *, purpose: str = "page"):
        if purpose == "light":
            return get_object_or_404(Translation.objects.only("pk"), pk=pk)
        queryset = Translation.objects.select_related(
            "transcription__audio_file__project",
            "transcription__final_version",
            "source_version",
            "final_version",
        )
        translation = get_object_or_404(queryset, pk=pk)
        # One query for the language, reused by direction(), the title and the panel.
        translation.language = Language.objects.filter(code=translation.language_code).first()
        return translation

    def direction(self, parent) -> str:
        language = getattr(parent, "language", None)
        return language.direction if language else "ltr"

    def voiceover_chars_per_second(self, parent) -> float | None:
        # The target language's reading speed (DESIGN.md "Captions and timing budgets").
        language = getattr(parent, "language", None)
        return language.caption_chars_per_second if language else None

    def _language_name(self, parent) -> str:
        language = getattr(parent, "language", None)
        return language.name if language else parent.language_code

    def header_context(self, request, parent) -> dict[str, Any]:
        transcription = parent.transcription
        audio_file = transcription.audio_file
        notes = []
        if parent.is_outdated:
            changed = self._changed_english(parent)
            total = len(self._latest(parent).segments)
            notes.append(
                f"Outdated: this translation was made from English {parent.source_label}, "
                f"but the final English version is now {transcription.final_version.version_type}. "
                + (
                    f"The English changed in {len(changed)} of {total} segments (marked "
                    "“English changed” beside them); the others are current."
                    if changed
                    else "No segment's English changed."
                )
            )
        latest = self._latest(parent)
        drafts = placeholder_segments(
            data=latest.json_with_timestamps, text=latest.text, language_code=parent.language_code
        )
        if drafts:
            notes.append(
                "Offline draft: "
                + placeholder_message(
                    count=len(drafts),
                    total=len(latest.segments) or len(drafts),
                    language_code=parent.language_code,
                )
                + " Until then it cannot be finalized."
            )
        return {
            "doc_title": f"{self._language_name(parent)} translation of {audio_file.file_name}",
            "doc_subtitle": audio_file.project.name,
            "back_url": reverse("media_files:detail", args=[audio_file.pk]),
            "notes": notes,
            # The side panel links to all translations; this leads back to the English.
            "next_links": [("English transcript", transcription.get_absolute_url())],
            "translation": parent,
            "transcription": transcription,
            "review": self._panel(parent, drafts=len(drafts)),
        }

    def _panel(self, parent, *, drafts: int = 0) -> ReviewPanel:
        job = Job.for_target(parent, VOICEOVER_KIND).order_by("-created_at").first()
        if job is not None and job.status == Job.Status.SUCCEEDED:
            job = None  # the voice-over it made is listed instead
        final = parent.final_version
        return ReviewPanel(
            language_name=self._language_name(parent),
            is_outdated=parent.is_outdated,
            final_label=f"{final.version_type} (version {final.version_number})" if final else "",
            overview_url=reverse("translations:overview", args=[parent.transcription_id]),
            report_url=reverse("translations:report", args=[parent.pk]),
            start_url=reverse("translations:start", args=[parent.transcription_id]),
            voiceover_url=reverse("translations:voiceover", args=[parent.pk]),
            voiceover_configured=bool(settings.ELEVENLABS_API_KEY),
            voiceover_job=job,
            voiceovers=list(parent.voiceovers.select_related("version")[:5]),
            placeholder_count=drafts,
            marks_url=reverse("translations:review_marks", args=[parent.pk]),
            memory_url=reverse("translations:review_memory", args=[parent.pk]),
            mark_reviewed_url=reverse("translations:mark_reviewed", args=[parent.pk]),
            retranslate_changed_url=reverse("translations:retranslate_changed", args=[parent.pk]),
            memory_export_url=reverse("translations:memory_export")
            + f"?language={parent.language_code}",
            memory_import_url=reverse("translations:memory_import"),
            finalize_url=reverse("translations:finalize", args=[parent.pk]),
            changed_count=len(self._changed_english(parent)),
            english_pending=english_pending(parent.transcription) if parent.is_outdated else None,
        )

    def view_finalize(self, request, pk):
        """Finalize, first recording the reviewer's reason to finalize over QA errors."""
        reason = request.POST.get("qa_reason", "").strip()
        if reason:
            from django.contrib import messages
            from django.core.exceptions import ValidationError

            from documents.selectors import document_snapshot
            from translations.selectors_review import qa_issues
            from translations.services_review import translation_qa_override

            parent = self.get_parent(pk, purpose="data")
            raw = request.POST.get("version", "")
            try:
                snapshot = document_snapshot(
                    doc=self.doc, parent=parent, version_number=int(raw) if raw.strip() else None
                )
                # The errors counted here, not by the page (without JavaScript it counts none);
                # a version without errors needs no reason, and none is recorded.
                issues = qa_issues(parent, snapshot.json, snapshot.texts)
                errors = sum(
                    1 for seg in issues.values() if any(i.severity == "error" for i in seg)
                )
                if errors:
                    translation_qa_override(
                        translation=parent,
                        version_number=snapshot.number,
                        reason=reason,
                        user=request.user,
                        errors=errors,
                    )
            except (ValueError, ValidationError) as error:
                text = " ".join(error.messages) if isinstance(error, ValidationError) else ""
                messages.error(request, text or "The version to finalize is a number.")
                return self._back_to_editor(request, parent)
        return super().view_finalize(request, pk)

    def player_url(self, parent) -> str | None:
        audio_file = parent.transcription.audio_file
        if not audio_file.file_path:
            return None
        return reverse("media_files:stream", args=[audio_file.pk])

    @staticmethod
    def _latest(parent):
        """translation_latest, once per request: its segments (a re-translation from an
        English version split differently has other ids than the first translation)."""
        if not hasattr(parent, "_latest_translation"):
            parent._latest_translation = translation_latest(parent)
        return parent._latest_translation

    @staticmethod
    def _changed_english(parent) -> dict[int, str]:
        """translation_changed_english, once per request (header and segments use it)."""
        if not hasattr(parent, "_changed_english"):
            parent._changed_english = (
                translation_changed_english(parent) if parent.is_outdated else {}
            )
        return parent._changed_english

    def source_texts(self, parent) -> list[str] | None:
        """The English of each translated segment (matched by segment id), shown beside it."""
        if parent.source_version is None:
            return None
        english = {seg["id"]: seg["text"] for seg in source_segments(parent.source_version)}
        # Segments whose English changed since (edited, split, merged, another speaker):
        # the English they have now, so the reviewer sees what to bring up to date.
        for segment_id, now in self._changed_english(parent).items():
            english[segment_id] = f"English changed: {now or '(merged into the segment before)'}"
        segments = self._latest(parent).segments
        return [english.get(seg.get("id", index), "") for index, seg in enumerate(segments)]

    def export_title(self, parent) -> str:
        return f"{parent.transcription.audio_file.file_name} ({parent.language_code})"

    def view_export(self, request, pk):
        response = super().view_export(request, pk)
        if request.GET.get("format") == "docx" and response.status_code == 200:
            parent = self.get_parent(pk)
            if self.direction(parent) == Language.Direction.RTL:
                response.content = right_to_left_docx(response.content)
        return response


def right_to_left_docx(body: bytes) -> bytes:
    """Mark every paragraph right-to-left (Word's w:bidi), so Arabic reads correctly."""
    import io

    document = Document(io.BytesIO(body))
    for paragraph in document.paragraphs:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        properties = paragraph._p.get_or_add_pPr()
        if properties.find(qn("w:bidi")) is None:
            properties.append(properties.makeelement(qn("w:bidi"), {}))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


translation_editor = TranslationEditor()
