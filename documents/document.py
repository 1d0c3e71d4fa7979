"""The description of one kind of versioned document (its models and labels)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.db import models

# ---------------------------------------------------------------------------------------------
# The document description (what translations supply for their own models)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VersionedDocument:
    """How one parent model and its version model fit the generic machinery.

    The version model must have: `version_number` (int), `version_type` (label), `edited_text`,
    `json_with_timestamps` (nullable JSON), `diff_from_previous` (JSON text), `edited_by`,
    `created_at`, and a foreign key named `parent_field` to the parent. The parent must have a
    nullable `final_version` foreign key to the version model.
    """

    kind: str  # "transcript", "translation": cache keys, audit actions, CSS hooks
    version_model: type[models.Model]
    parent_field: str  # the version model's foreign key to its parent
    base_text: Callable[[Any], str]
    base_json: Callable[[Any], dict | None]
    base_label: Callable[[Any], str]  # "T-1", "T-1-es"
    version_label: Callable[[Any, int], str]  # (parent, number) -> "H-3", "H-2-es"
    project_id: Callable[[Any], Any]
    language_code: Callable[[Any], str]
    activity_prefix: str  # "transcription" -> "transcription.save_version"
    # A finalized document that is edited stays finalized at its newest text, so anything
    # made from the old final (translations) shows as outdated.
    edits_after_final_become_final: bool = True
    # Called inside the save transaction with (parent, new_version, user); for side effects
    # that must land with the version.
    after_save: Callable[[Any, Any, Any], None] | None = None
    # Extra fields for a new version row, given why it is made: "edit", "restore" or
    # "finalize" (e.g. translations' `origin` column).
    version_fields: Callable[[str], dict[str, Any]] | None = None
    # For a parent that can be archived: the live document that replaced it, if any (what a
    # refused write to the archived one points the editor at).
    live_document: Callable[[Any], Any] | None = None
    # Called with (parent, snapshot about to be finalized) under the parent's lock; raises
    # ValidationError to refuse (translations refuse offline placeholders).
    finalize_check: Callable[[Any, Any], None] | None = None
    # Whether the editor may split and merge segments and give them to speakers (documents
    # with timed JSON whose segments have ids; DESIGN.md "Speakers and segments").
    structure_edits: bool = False
    # The name of the default speaker `S1` (segments without a speaker are its).
    default_speaker: Callable[[Any], str] | None = None

    def __post_init__(self) -> None:
        # Findable by kind from sockets, comments and approvals (documents.hooks).
        from documents.hooks import document_register

        document_register(self)
