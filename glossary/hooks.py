"""How the apps above the glossary show, and on request apply, an entry's effect on their
documents, without the glossary importing them.

The glossary never rewrites a stored document by itself: an entry changes future machine
text (translation passes) only. Its effect on existing documents is *previewed* (how many
segments of which documents it would change, before the entry is saved) and *applied* only
by an explicit action, which the owning app turns into new versions.

An app registers one `ImpactProvider` at start-up (`register_impact_provider`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

# (entry id or None for an unsaved entry, original, corrected): what the matcher takes.
TermTuple = tuple[Any, str, str]


@dataclass(frozen=True)
class ImpactRow:
    key: str  # names the document for `apply` ("translation:<uuid>")
    kind: str  # "Spanish translation", "English transcript"
    title: str  # the recording
    url: str
    version_label: str  # the version the counts were read from
    segments: int  # segments the entry would change
    occurrences: int  # places it would change
    finalized: bool  # that version is the document's final one
    total_segments: int = 0


@dataclass(frozen=True)
class AppliedRow:
    key: str
    kind: str
    title: str
    version_label: str  # the new version
    segments: int


class ImpactProvider(Protocol):
    def preview(
        self, *, terms: Sequence[TermTuple], language_code: str, word_boundaries: bool
    ) -> list[ImpactRow]: ...

    def apply(
        self,
        *,
        terms: Sequence[TermTuple] | None,  # None: the language's whole dictionary
        language_code: str,
        word_boundaries: bool,
        keys: Sequence[str],
        user: Any,
        reason: str,
    ) -> list[AppliedRow]: ...


_providers: list[ImpactProvider] = []


def register_impact_provider(provider: ImpactProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def impact_providers() -> list[ImpactProvider]:
    return list(_providers)


# --- term consistency across documents -----------------------------------------------------


@dataclass(frozen=True)
class ConsistencyCell:
    """One lecture, one language: of the segments whose English has the term, how many
    use the termbase's rendering. An outlier uses it less than everywhere."""

    with_term: int
    with_rendering: int

    @property
    def outlier(self) -> bool:
        return self.with_rendering < self.with_term


@dataclass
class ConsistencyLecture:
    title: str
    url: str
    cells: dict[str, ConsistencyCell]  # by language code


_consistency: list[Any] = []


def register_consistency_provider(provider) -> None:
    """`provider(concepts) -> {concept key: [ConsistencyLecture]}`, concepts from
    `glossary.selectors.termbase_concepts`."""
    if provider not in _consistency:
        _consistency.append(provider)


def consistency_providers() -> list[Any]:
    return list(_consistency)
