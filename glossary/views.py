from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.stale import StaleEdit, form_status
from glossary import services
from glossary.exchange import write_csv, write_tbx
from glossary.forms import EntryFilterForm, EntryForm, ImportForm
from glossary.hooks import consistency_providers
from glossary.models import DictionaryEntry
from glossary.selectors import termbase_concepts
from languages.models import Language

PAGE_SIZE = 50
REPORT_ROWS = 100  # rows of each kind an import report lists


@require_GET
def entry_list(request):
    filters = EntryFilterForm(request.GET)
    # A speaker's term names its speaker and recording (joined, not one query per row).
    entries = filters.filter(
        DictionaryEntry.objects.select_related("speaker__transcription__audio_file")
    )
    page_obj = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    contexts = (
        DictionaryEntry.objects.filter(archived=False)
        .exclude(context__isnull=True)
        .order_by("context")
        .values_list("context", flat=True)
        .distinct()[:100]
    )
    return render(
        request,
        "glossary/entry_list.html",
        {
            "filters": filters,
            "page_obj": page_obj,
            "entries": page_obj.object_list,
            "contexts": list(contexts),
            "here": request.get_full_path(),
            "export_query": request.GET.urlencode(),
        },
    )


@require_http_methods(["GET", "POST"])
def entry_create(request):
    form = EntryForm(request.POST or None)
    impact = None
    if request.method == "POST" and _previewing(request) and form.is_valid():
        impact = _preview(form)
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            entry = services.entry_create(
                user=request.user,
                term_original=data["term_original"],
                term_corrected=data["term_corrected"],
                language_code=data["language_code"],
                context=data["context"],
                source_term=data["source_term"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Added “{entry.term_original}” → “{entry.term_corrected}”.")
            _tell_impact(request, entry)
            return redirect(_back(request))
    return render(
        request,
        "glossary/entry_form.html",
        {"form": form, "entry": None, "back": _back(request), "impact": impact},
        status=form_status(form),
    )


@require_http_methods(["GET", "POST"])
def entry_edit(request, pk):
    entry = get_object_or_404(DictionaryEntry, pk=pk)
    form = EntryForm(request.POST or None, entry=entry)
    impact = None
    if request.method == "POST" and _previewing(request) and form.is_valid():
        impact = _preview(form, entry=entry)
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            entry = services.entry_update(
                entry=entry,
                user=request.user,
                term_original=data["term_original"],
                term_corrected=data["term_corrected"],
                language_code=data["language_code"],
                context=data["context"],
                source_term=data["source_term"],
                based_on=data["based_on"],
            )
        except StaleEdit as exc:
            form.show_newer(exc)
            entry = exc.current
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Saved “{entry.term_original}” → “{entry.term_corrected}”.")
            _tell_impact(request, entry)
            return redirect(_back(request))
    stored_impact = None
    if request.method == "GET" and not entry.archived and not entry.is_canonical:
        stored_impact = services.entry_impact(
            term_original=entry.term_original,
            term_corrected=entry.term_corrected,
            language_code=entry.language_code,
            entry_id=entry.pk,
        )
    return render(
        request,
        "glossary/entry_form.html",
        {
            "form": form,
            "entry": entry,
            "back": _back(request),
            "impact": impact,
            "stored_impact": stored_impact,
        },
        status=form_status(form),
    )


def _previewing(request) -> bool:
    return request.POST.get("action") == "preview"


def _preview(form, entry: DictionaryEntry | None = None):
    """The impact of the form's values, before anything is saved (None with errors)."""
    data = form.cleaned_data
    try:
        cleaned = services.entry_validate(
            term_original=data["term_original"],
            term_corrected=data["term_corrected"],
            language_code=data["language_code"],
            context=data["context"],
            exclude_pk=entry.pk if entry else None,
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        return None
    return services.entry_impact(
        term_original=cleaned["term_original"],
        term_corrected=cleaned["term_corrected"],
        language_code=cleaned["language_code"],
        entry_id=entry.pk if entry else None,
    )


def _tell_impact(request, entry: DictionaryEntry) -> None:
    """After a save: the documents the entry would change, which it has not changed."""
    if entry.is_canonical:
        return
    rows = services.entry_impact(
        term_original=entry.term_original,
        term_corrected=entry.term_corrected,
        language_code=entry.language_code,
        entry_id=entry.pk,
    )
    if rows:
        segments = sum(row.segments for row in rows)
        messages.info(
            request,
            f"Existing documents are unchanged: the entry would change {segments} "
            f"segment{'s' if segments != 1 else ''} in {len(rows)} document"
            f"{'s' if len(rows) != 1 else ''}. Apply it to them from the entry's page "
            "(Edit) if you want that.",
        )


@require_POST
def entry_apply(request, pk):
    """The explicit "apply to existing translations" (or English transcripts): new versions."""
    entry = get_object_or_404(DictionaryEntry, pk=pk)
    try:
        applied = services.entry_apply_to_documents(
            entry=entry, user=request.user, keys=request.POST.getlist("document")
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        if applied:
            listed = "; ".join(
                f"{row.title} ({row.kind}): {row.version_label}, {row.segments} segment"
                f"{'s' if row.segments != 1 else ''}"
                for row in applied[:20]
            )
            messages.success(request, f"Applied as new versions — {listed}.")
        else:
            messages.info(request, "The entry changes nothing in the chosen documents any more.")
    return redirect(
        f"{reverse('glossary:edit', args=[entry.pk])}?{urlencode({'next': _back(request)})}"
    )


@require_POST
def entry_archive(request, pk):
    return _set_archived(request, pk, archived=True)


@require_POST
def entry_restore(request, pk):
    return _set_archived(request, pk, archived=False)


def _set_archived(request, pk, *, archived: bool):
    entry = get_object_or_404(DictionaryEntry, pk=pk)
    try:
        services.entry_set_archived(entry=entry, archived=archived, user=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        verb = "Archived" if archived else "Restored"
        messages.success(request, f"{verb} “{entry.term_original}” ({entry.language_code}).")
    return redirect(_back(request))


@require_http_methods(["GET", "POST"])
def entry_import(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        with upload.open("rb") as handle:
            data = handle.read()
        report = services.glossary_import_file(
            user=request.user,
            filename=upload.name,
            data=data,
            dry_run=form.cleaned_data["dry_run"],
        )
        if report.imported:
            messages.success(
                request,
                f"Imported {upload.name}: {len(report.added)} added, {len(report.updated)} "
                f"updated, {len(report.skipped)} skipped.",
            )
    status = 400 if report is not None and report.problems else 200
    context = {
        "form": form,
        "report": report,
        "report_sections": [],
        "problems_shown": [],
        "problems_more": 0,
    }
    if report is not None:
        # A summary, not an echo: a big file's page would otherwise list every row.
        context["report_sections"] = [
            {
                "title": title,
                "rows": rows[:REPORT_ROWS],
                "more": max(0, len(rows) - REPORT_ROWS),
                "reasons": title == "Skipped",
            }
            for title, rows in (
                ("Added", report.added),
                ("Updated", report.updated),
                ("Skipped", report.skipped),
            )
            if rows
        ]
        context["problems_shown"] = report.problems[:REPORT_ROWS]
        context["problems_more"] = max(0, len(report.problems) - REPORT_ROWS)
    return render(request, "glossary/import.html", context, status=status)


@require_GET
def entry_export(request, fmt):
    if fmt not in ("csv", "tbx"):
        raise Http404("Glossary export is CSV or TBX.")
    filters = EntryFilterForm(request.GET)
    entries = filters.filter(DictionaryEntry.objects.all())
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "tbx":
        body = write_tbx(
            entries.iterator(),
            source_note=f"Max glossary export, {timezone.localtime():%Y-%m-%d %H:%M}",
        )
        response = HttpResponse(body, content_type="application/x-tbx+xml; charset=utf-8")
    else:
        response = HttpResponse(
            write_csv(entries.iterator()), content_type="text/csv; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="glossary-{stamp}.{fmt}"'
    return response


def _back(request) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("glossary:list")


@require_POST
def english_first(request):
    """The translation start page's "apply to the English first": the English glossary
    written into the chosen English finals as new final versions."""
    try:
        applied = services.glossary_apply_to_documents(
            user=request.user, language_code="en", keys=request.POST.getlist("document")
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        if applied:
            for row in applied:
                messages.success(
                    request,
                    f"{row.title}: the English glossary is applied as {row.version_label} "
                    f"({row.segments} segment{'s' if row.segments != 1 else ''}), now the final "
                    "English version. Translate from it.",
                )
        else:
            messages.info(request, "The English glossary changes nothing in that English any more.")
    return redirect(_back(request))


# --- the termbase ----------------------------------------------------------------------------

CONCEPTS_PER_PAGE = 50


@require_GET
def termbase(request):
    """English terms (rows) and their rendering in each target language (columns), each
    cell editable in place."""
    q = request.GET.get("q", "")[:200]
    languages = list(Language.objects.targets().order_by("code"))
    page_obj = Paginator(termbase_concepts(q=q), CONCEPTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = [
        {
            "concept": concept,
            "cells": [
                _cell(concept.term, lang.code, concept.renderings.get(lang.code))
                for lang in languages
            ],
        }
        for concept in page_obj.object_list
    ]
    return render(
        request,
        "glossary/termbase.html",
        {
            "languages": languages,
            "rows": rows,
            "page_obj": page_obj,
            "q": q,
            "here": request.get_full_path(),
        },
    )


def _cell(term: str, language_code: str, entry, *, value=None, error: str = "", saved=False):
    return {
        "term": term,
        "language_code": language_code,
        "entry": entry,
        "value": entry.term_corrected if value is None and entry is not None else (value or ""),
        "error": error,
        "saved": saved,
    }


@require_POST
def termbase_cell(request):
    """Save one termbase cell; an htmx request gets the cell back (with its error, if any),
    a plain form post goes back to the termbase page."""
    term = request.POST.get("source_term", "")
    language_code = request.POST.get("language_code", "")
    value = request.POST.get("rendering", "")
    error, entry, saved = "", None, False
    try:
        entry = services.termbase_set_rendering(
            user=request.user, source_term=term, language_code=language_code, rendering=value
        )
        saved = True
    except ValidationError as exc:
        error = " ".join(exc.messages)
    if request.headers.get("HX-Request"):
        cell = _cell(
            " ".join(term.split()),
            language_code,
            entry,
            value=None if saved else value[:SHOWN_VALUE],
            error=error,
            saved=saved,
        )
        return render(request, "glossary/_termbase_cell.html", {"cell": cell})
    if error:
        messages.error(request, error)
    else:
        messages.success(
            request, f"Saved the {language_code} rendering of “{' '.join(term.split())}”."
        )
    return redirect(_back_to_termbase(request))


SHOWN_VALUE = 600  # a refused 10,000-character paste is echoed back cut short


def _back_to_termbase(request) -> str:
    target = request.POST.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("glossary:termbase")


@require_GET
def consistency(request):
    """Per termbase term: how each language renders it, lecture by lecture; lectures that
    do not use the termbase's rendering everywhere the English has the term stand out."""
    q = request.GET.get("q", "")[:200]
    only_outliers = request.GET.get("outliers") == "1"
    concepts = termbase_concepts(q=q)
    found: dict = {}
    for provider in consistency_providers():
        found.update(provider(concepts))
    languages = list(Language.objects.targets().order_by("code"))
    sections = []
    for concept in concepts:
        lectures = found.get(concept.key) or []
        if only_outliers:
            lectures = [lec for lec in lectures if any(c.outlier for c in lec.cells.values())]
        if not lectures:
            continue
        used = [lang for lang in languages if lang.code in concept.renderings]
        sections.append(
            {
                "concept": concept,
                "languages": [(lang, concept.renderings[lang.code]) for lang in used],
                "lectures": [
                    {
                        "lecture": lecture,
                        "cells": [lecture.cells.get(lang.code) for lang in used],
                        "outliers": sum(1 for c in lecture.cells.values() if c.outlier),
                    }
                    for lecture in lectures
                ],
                "outliers": sum(1 for lec in lectures for c in lec.cells.values() if c.outlier),
            }
        )
    return render(
        request,
        "glossary/consistency.html",
        {"sections": sections, "q": q, "only_outliers": only_outliers},
    )
