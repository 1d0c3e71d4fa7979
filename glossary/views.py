from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render
from django.views.decorators.http import require_GET

from glossary.models import DictionaryEntry


@require_GET
def entry_list(request):
    q = request.GET.get("q", "").strip()
    entries = DictionaryEntry.objects.filter(archived=False)
    if q:
        entries = entries.filter(
            Q(term_original__icontains=q) | Q(term_corrected__icontains=q) | Q(context__icontains=q)
        )
    page_obj = Paginator(entries.order_by("term_original"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "glossary/entry_list.html",
        {"page_obj": page_obj, "entries": page_obj.object_list, "q": q},
    )
