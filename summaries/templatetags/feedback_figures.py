"""One way to write each figure of the feedback pages, with its unit:

{{ 88.6|length_change }}   -> "89 % longer"     (edited against generated length)
{{ -202|length_change }}   -> "202 % shorter"   never a bare signed number
{{ 75|percent }}           -> "75 %"
"""

from django import template

register = template.Library()

NBSP = "\u00a0"  # keeps "89 %" on one line


def _number(value) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


@register.filter
def percent(value) -> str:
    number = _number(value)
    return "—" if number is None else f"{round(number)}{NBSP}%"


@register.filter
def length_change(value) -> str:
    """How much longer or shorter editors made a text, in percent of the AI draft."""
    number = _number(value)
    if number is None:
        return "—"
    rounded = round(number)
    if rounded == 0:
        return "same length"
    return f"{abs(rounded)}{NBSP}% {'longer' if rounded > 0 else 'shorter'}"


@register.filter
def per_text(value) -> str:
    number = _number(value)
    return "—" if number is None else f"{number:.1f}"
