"""`{% transcription_panel audio_file as panel %}`: the panel's state for a recording
page whose view only passes `audio_file` (the media page includes the panel)."""

from django import template

from transcripts.pipeline import PanelState, transcription_panel_state

register = template.Library()


@register.simple_tag
def transcription_panel(audio_file) -> PanelState:
    return transcription_panel_state(audio_file)


@register.filter
def clock(seconds) -> str:
    """1:02:03 / 4:05 from seconds; empty for unknown."""
    if seconds is None:
        return ""
    total = round(float(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
