from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def hms(seconds: Decimal | float | None) -> str:
    """1:02:05 for an hour and a bit, 4:07 below an hour, — when unknown."""
    if seconds is None or seconds == "":
        return "—"
    total = round(float(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
