"""Voice-over budgets (DESIGN.md "Captions and timing budgets").

A translation segment's budget is the characters a voice can speak in the time the English
speaker took: its duration × the target language's characters a second (its caption
profile's reading speed, `languages.caption_chars_per_second`). Dubbing needs the
translation to fit; translation requests carry the budget and the review page and the
overview show who is over it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from documents.text import normalize_text


def segment_budget(segment: dict[str, Any], chars_per_second: float) -> int | None:
    """Characters that fit the segment's time, or None for a segment without times."""
    start, end = segment.get("start"), segment.get("end")
    if start is None or end is None:
        return None
    return math.floor(max(float(end) - float(start), 0.0) * chars_per_second)


def over_budget(text: str, budget: int | None) -> bool:
    return budget is not None and len(normalize_text(text)) > budget


@dataclass(frozen=True)
class BudgetSummary:
    within: int
    total: int  # segments with text and times

    @property
    def share(self) -> float | None:
        return self.within / self.total if self.total else None


def budget_summary(segments: list[dict[str, Any]], chars_per_second: float) -> BudgetSummary:
    within = total = 0
    for seg in segments:
        text = normalize_text(seg.get("text"))
        budget = segment_budget(seg, chars_per_second)
        if not text or budget is None:
            continue
        total += 1
        within += len(text) <= budget
    return BudgetSummary(within, total)
