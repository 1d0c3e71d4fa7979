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
from glossary.models import DictionaryEntry

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
    if request.method == "POST" and form.is_valid():
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
            return redirect(_back(request))
    return render(
        request,
        "glossary/entry_form.html",
        {"form": form, "entry": None, "back": _back(request)},
        status=form_status(form),
    )


@require_http_methods(["GET", "POST"])
def entry_edit(request, pk):
    entry = get_object_or_404(DictionaryEntry, pk=pk)
    form = EntryForm(request.POST or None, entry=entry)
    if request.method == "POST" and form.is_valid():
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
            return redirect(_back(request))
    return render(
        request,
        "glossary/entry_form.html",
        {"form": form, "entry": entry, "back": _back(request)},
        status=form_status(form),
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
