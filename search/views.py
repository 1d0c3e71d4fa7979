"""Search page: full-text search across the latest transcripts and translations."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from search.queries import MAX_HITS_PER_KIND, search

RESULTS_PER_PAGE = 20
MAX_QUERY_CHARS = 200


@require_GET
def search_page(request):
    query = request.GET.get("q", "").strip()[:MAX_QUERY_CHARS]
    results = search(query) if query else None
    page_obj = (
        Paginator(results, RESULTS_PER_PAGE).get_page(request.GET.get("page")) if results else None
    )
    return render(
        request,
        "search/search.html",
        {
            "q": query,
            "page_obj": page_obj,
            "hits": page_obj.object_list if page_obj else [],
            "total": len(results) if results is not None else 0,
            "truncated": results.truncated if results is not None else False,
            "max_per_kind": MAX_HITS_PER_KIND,
        },
    )
