"""Explaining version labels where they appear:

{% load version_labels %}
<strong title="{{ label|version_label_explained }}">{{ label }}</strong>
{% version_label_explained row.latest_label human=True language=row.language.name %}
"""

from django import template

from documents.labels import engine_label, version_label_explained

register = template.Library()


@register.filter(name="version_label_explained")
def version_label_explained_filter(label) -> str:
    """For labels that explain themselves (T-1, H-n, machine T-n-xx, H-n-xx)."""
    return version_label_explained(str(label or ""))


@register.simple_tag(name="version_label_explained")
def version_label_explained_tag(label, *, human=None, language="", engine="") -> str:
    """For translation labels, which need to be told whether a person edited the text."""
    return version_label_explained(str(label or ""), human=human, language=language, engine=engine)


@register.simple_tag(name="engine_label")
def engine_label_tag(engine, model="") -> str:
    return engine_label(engine, model)
