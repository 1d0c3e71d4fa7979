from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.stale import StaleEdit, form_status
from jobs.models import Job
from summaries import texts
from summaries.forms import (
    GENERATE_ALL,
    FeedbackFilterForm,
    PromptCompareForm,
    PromptRevertForm,
    PromptTemplateEditForm,
    SummaryEditForm,
    SummaryFinalizeForm,
    SummaryGenerateForm,
)
from summaries.models import FeedbackLog, GeneratedSummary, PromptTemplate, PromptVersion
from summaries.selectors import FEEDBACK_WINDOW_DAYS, feedback_dashboard, feedback_entries
from summaries.services import editing
from summaries.services.feedback import ANALYSE_KIND
from summaries.services.generation import SUMMARIZE_KIND, summary_generate_request
from summaries.services.templates import prompt_template_revert, prompt_template_update
from transcripts.models import Transcription

FEEDBACK_PAGE_SIZE = 25


def _messages_from(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


# --- Summary page per transcript ----------------------------------------------------------


@dataclass
class SummaryCard:
    """One of the three texts on the summary page (the row may not exist yet)."""

    summary_type: str
    label: str
    summary: GeneratedSummary | None
    template: PromptTemplate | None
    generation_note: str = ""

    @property
    def exists(self) -> bool:
        return self.summary is not None

    @property
    def anchor(self) -> str:
        return f"summary-{self.summary_type}"


def _generation_notes(job: Job | None) -> dict[str, str]:
    """What the last successful job says about how each text was made (long transcripts)."""
    if job is None or job.status != Job.Status.SUCCEEDED or not isinstance(job.result, dict):
        return {}
    notes: dict[str, str] = {}
    summaries = job.result.get("summaries")
    for summary_type, info in (summaries if isinstance(summaries, dict) else {}).items():
        if isinstance(info, dict) and isinstance(info.get("pieces"), int) and info["pieces"] > 1:
            notes[summary_type] = (
                f"The transcript ({info.get('transcript_chars')} characters) was longer than "
                f"the model's input budget, so notes were made from its {info['pieces']} "
                "parts and this text was written from those notes."
            )
    return notes


@require_GET
def transcript_summaries(request, transcription_pk):
    transcription = get_object_or_404(
        Transcription.objects.select_related("final_version", "audio_file__project"),
        pk=transcription_pk,
    )
    summaries = {
        s.summary_type: s
        for s in GeneratedSummary.objects.filter(transcription=transcription)
        .select_related("prompt_version__template", "edited_by")
        .prefetch_related("feedback_examples")
    }
    templates = {t.template_name: t for t in PromptTemplate.objects.all()}
    job = Job.for_target(transcription, SUMMARIZE_KIND).order_by("-created_at").first()
    notes = _generation_notes(job)
    cards = [
        SummaryCard(
            summary_type=choice.value,
            label=choice.label,
            summary=summaries.get(choice.value),
            template=templates.get(GeneratedSummary.TEMPLATE_FOR_TYPE[choice]),
            generation_note=notes.get(choice.value, ""),
        )
        for choice in GeneratedSummary.SummaryType
    ]
    context = {
        "transcription": transcription,
        "audio_file": transcription.audio_file,
        "project_url": transcription.audio_file.project.get_absolute_url(),
        "editor_url": transcription.get_absolute_url(),
        "cards": cards,
        "missing": [c for c in cards if not c.exists],
        "job": job,
        "job_active": job is not None and job.is_active,
    }
    return render(request, "summaries/transcript.html", context)


@require_POST
def summary_generate(request, transcription_pk):
    transcription = get_object_or_404(Transcription, pk=transcription_pk)
    back = redirect("summaries:transcript", transcription_pk=transcription.pk)
    form = SummaryGenerateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose which text to generate.")
        return back
    choice = form.cleaned_data["summary_type"]
    if choice == GENERATE_ALL:
        have = set(
            GeneratedSummary.objects.filter(transcription=transcription).values_list(
                "summary_type", flat=True
            )
        )
        types = [c.value for c in GeneratedSummary.SummaryType if c.value not in have]
        if not types:
            messages.info(request, "All three texts exist; regenerate them one by one.")
            return back
    else:
        types = [choice]
    try:
        summary_generate_request(
            transcription=transcription,
            summary_types=types,
            user=request.user,
            replace_edits=form.cleaned_data["replace_edits"],
        )
    except ValidationError as exc:
        _messages_from(request, exc)
        return back
    labels = ", ".join(GeneratedSummary.SummaryType(t).label for t in types)
    messages.success(request, f"Writing {labels}. Progress is shown below.")
    return back


@require_http_methods(["GET", "POST"])
def summary_edit(request, pk):
    summary = get_object_or_404(
        GeneratedSummary.objects.select_related(
            "transcription__audio_file", "prompt_version__template", "edited_by"
        ),
        pk=pk,
    )
    back = redirect(
        reverse("summaries:transcript", args=[summary.transcription_id])
        + f"#summary-{summary.summary_type}"
    )
    if summary.is_finalized:
        messages.info(request, f"The {summary.get_summary_type_display()} text is finalized.")
        return back
    if request.method == "POST":
        form = SummaryEditForm(request.POST)
        if form.is_valid():
            finalize = request.POST.get("action") == "finalize"
            try:
                if finalize:
                    editing.summary_finalize(
                        summary=summary,
                        text=form.cleaned_data["text"],
                        user=request.user,
                        based_on=form.cleaned_data["based_on"],
                        require_checks=not form.cleaned_data["accept_warnings"],
                    )
                else:
                    editing.summary_save_edit(
                        summary=summary,
                        text=form.cleaned_data["text"],
                        user=request.user,
                        based_on=form.cleaned_data["based_on"],
                    )
            except ValidationError as exc:
                form.add_error(None, exc)
                summary.refresh_from_db()
                # The next save is based on what is stored now; the editor has seen the error.
                form.data = form.data.copy()
                form.data["based_on"] = summary.edit_token
            else:
                label = summary.get_summary_type_display()
                messages.success(request, f"{label} text {'finalized' if finalize else 'saved'}.")
                return back
        text = request.POST.get("text", "")
    else:
        form = SummaryEditForm(
            initial={"text": summary.current_text, "based_on": summary.edit_token}
        )
        text = summary.current_text
    context = {
        "summary": summary,
        "form": form,
        "warnings": texts.summary_warnings(summary.summary_type, text),
    }
    return render(request, "summaries/summary_edit.html", context)


@require_http_methods(["GET", "POST"])
def summary_finalize(request, pk):
    """GET: what finalizing would make final, with its failed checks, to confirm first.
    POST (the confirmation): finalize the text as it is now."""
    summary = get_object_or_404(
        GeneratedSummary.objects.select_related("transcription__audio_file", "edited_by"),
        pk=pk,
    )
    back = redirect(
        reverse("summaries:transcript", args=[summary.transcription_id])
        + f"#summary-{summary.summary_type}"
    )
    label = summary.get_summary_type_display()
    if request.method == "GET":
        if summary.is_finalized:
            messages.info(request, f"The {label} text is finalized.")
            return back
        form = SummaryFinalizeForm(initial={"based_on": summary.edit_token})
        return _finalize_confirm(request, summary, form)
    form = SummaryFinalizeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The form was incomplete; reload the page and try again.")
        return back
    try:
        editing.summary_finalize(
            summary=summary,
            user=request.user,
            based_on=form.cleaned_data["based_on"],
            require_checks=not form.cleaned_data["accept_warnings"],
        )
    except ValidationError as exc:
        summary.refresh_from_db()
        if summary.is_finalized:
            _messages_from(request, exc)
            return back
        # Asked again on the page, based on the text as it is now.
        form = SummaryFinalizeForm({"based_on": summary.edit_token})
        form.is_valid()
        form.add_error(None, exc)
        return _finalize_confirm(request, summary, form, status=400)
    messages.success(request, f"{label} text finalized.")
    return back


def _finalize_confirm(request, summary, form, *, status: int = 200):
    context = {
        "summary": summary,
        "form": form,
        "warnings": summary.warnings,
        "is_offline_draft": summary.is_offline_draft,
    }
    return render(request, "summaries/summary_finalize_confirm.html", context, status=status)


# --- Feedback -------------------------------------------------------------------------------


@require_GET
def feedback_dashboard_view(request):
    recent = feedback_entries()[:10]
    context = {
        "sections": feedback_dashboard(),
        "recent": recent,
        "window_days": FEEDBACK_WINDOW_DAYS,
        "can_edit_templates": request.user.has_perm("summaries.change_prompttemplate"),
    }
    return render(request, "summaries/feedback.html", context)


@require_GET
def feedback_list(request):
    form = FeedbackFilterForm(request.GET)
    summary_type, version_id, version = "", "", None
    if form.is_valid():
        summary_type = form.cleaned_data["type"]
        if form.cleaned_data["version"]:
            version = (
                PromptVersion.objects.select_related("template")
                .filter(pk=form.cleaned_data["version"])
                .first()
            )
            version_id = str(form.cleaned_data["version"])
    page = Paginator(
        feedback_entries(summary_type=summary_type, prompt_version_id=version_id),
        FEEDBACK_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    context = {"form": form, "page_obj": page, "version": version}
    return render(request, "summaries/feedback_list.html", context)


@require_GET
def feedback_detail(request, pk):
    feedback = get_object_or_404(
        FeedbackLog.objects.select_related(
            "summary__prompt_version__template",
            "summary__edited_by",
            "summary__transcription__audio_file",
        ),
        pk=pk,
    )
    context = {
        "feedback": feedback,
        "summary": feedback.summary,
        "pieces": texts.diff_pieces(feedback.generated_text, feedback.user_edited_text),
        "job": Job.for_target(feedback, ANALYSE_KIND).order_by("-created_at").first(),
        "used_in": feedback.used_as_example_in.count(),
        "can_edit_templates": request.user.has_perm("summaries.change_prompttemplate"),
    }
    return render(request, "summaries/feedback_detail.html", context)


# --- Settings › Prompt templates ------------------------------------------------------------


@require_GET
@permission_required("summaries.change_prompttemplate", raise_exception=True)
def settings_index(request):
    templates = PromptTemplate.objects.order_by("template_name")
    return render(request, "summaries/settings.html", {"templates": templates})


@require_http_methods(["GET", "POST"])
@permission_required("summaries.change_prompttemplate", raise_exception=True)
def template_edit(request, pk):
    template = get_object_or_404(PromptTemplate, pk=pk)
    form = PromptTemplateEditForm(request.POST or None, template=template)
    if request.method == "POST" and form.is_valid():
        before = template.version_number
        try:
            template = prompt_template_update(
                template=template,
                content=form.cleaned_data["template_content"],
                user=request.user,
                change_notes=form.cleaned_data["change_notes"],
                based_on=form.cleaned_data["based_on"],
            )
        except StaleEdit as exc:
            form.show_newer(exc)
            template = exc.current
        else:
            if template.version_number == before:
                messages.info(request, "The text is unchanged; no new version was saved.")
            else:
                messages.success(
                    request, f"Saved {template.template_name} v{template.version_number}."
                )
            return redirect("summaries:settings")
    return render(
        request,
        "summaries/template_edit.html",
        {"template": template, "form": form},
        status=form_status(form),
    )


@require_GET
@permission_required("summaries.change_prompttemplate", raise_exception=True)
def template_history(request, pk):
    template = get_object_or_404(PromptTemplate, pk=pk)
    versions = list(template.versions.select_related("changed_by").order_by("-version_number"))
    by_number = {v.version_number: v for v in versions}
    current = template.version_number
    default_a = max((n for n in by_number if n < current), default=current)
    form = PromptCompareForm(request.GET if "a" in request.GET else {"a": default_a, "b": current})
    older = newer = None
    pieces: list[texts.DiffPiece] = []
    if form.is_valid():
        older = by_number.get(form.cleaned_data["a"])
        newer = by_number.get(form.cleaned_data["b"])
        if older is None or newer is None:
            form.add_error(None, f"{template.template_name} has versions 1–{current}.")
        else:
            pieces = texts.diff_pieces(older.template_content, newer.template_content)
    context = {
        "template": template,
        "versions": versions,
        "form": form,
        "older": older,
        "newer": newer,
        "pieces": pieces,
    }
    return render(request, "summaries/template_history.html", context)


@require_POST
@permission_required("summaries.change_prompttemplate", raise_exception=True)
def template_revert(request, pk):
    template = get_object_or_404(PromptTemplate, pk=pk)
    form = PromptRevertForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a version to revert to.")
        return redirect("summaries:template_history", pk=template.pk)
    number = form.cleaned_data["version_number"]
    try:
        template = prompt_template_revert(
            template=template,
            version_number=number,
            user=request.user,
            change_notes=form.cleaned_data["change_notes"],
        )
    except ValidationError as exc:
        _messages_from(request, exc)
    else:
        messages.success(
            request,
            f"{template.template_name} now has version {number}'s text, "
            f"saved as version {template.version_number}.",
        )
    return redirect("summaries:template_history", pk=template.pk)
