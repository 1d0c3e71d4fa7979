from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from summaries import services
from summaries.forms import PromptTemplateEditForm
from summaries.models import PromptTemplate
from summaries.queries import feedback_summary


@require_GET
def feedback_dashboard(request):
    return render(request, "summaries/feedback.html", {"rows": feedback_summary()})


@require_GET
@permission_required("summaries.change_prompttemplate", raise_exception=True)
def settings_index(request):
    templates = PromptTemplate.objects.order_by("template_name")
    return render(request, "summaries/settings.html", {"templates": templates})


@require_http_methods(["GET", "POST"])
@permission_required("summaries.change_prompttemplate", raise_exception=True)
def template_edit(request, pk):
    template = get_object_or_404(PromptTemplate, pk=pk)
    if request.method == "POST":
        form = PromptTemplateEditForm(request.POST)
        if form.is_valid():
            if form.cleaned_data["based_on_version"] != template.version_number:
                form.add_error(
                    None,
                    f"Someone saved version {template.version_number} while you were editing. "
                    "Your text is below; compare it with the current template and save again.",
                )
                form.data = form.data.copy()
                form.data["based_on_version"] = template.version_number
            else:
                services.prompt_template_update(
                    template=template,
                    content=form.cleaned_data["template_content"],
                    changed_by=request.user,
                    change_notes=form.cleaned_data["change_notes"],
                )
                messages.success(request, f"Saved {template.template_name}.")
                return redirect("summaries:settings")
    else:
        form = PromptTemplateEditForm(
            initial={
                "template_content": template.template_content,
                "based_on_version": template.version_number,
            }
        )
    return render(request, "summaries/template_edit.html", {"template": template, "form": form})
