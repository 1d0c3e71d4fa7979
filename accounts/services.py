"""The audit trail, and the archive flag every app shares."""

from typing import Any, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction

from accounts.models import Activity, User


def activity_record(
    *,
    user: User | None,
    action: str,
    target: models.Model,
    project_id=None,
    details: dict[str, Any] | None = None,
) -> Activity:
    """Append one audit row. Call it inside the service's transaction, so both land or neither."""
    return Activity.objects.create(
        actor=user if user is not None and user.is_authenticated else None,
        action=action,
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        target_repr=str(target)[:300],
        project_id=project_id,
        details=details or {},
    )


_Archivable = TypeVar("_Archivable", bound=models.Model)


def set_archived(
    *, obj: _Archivable, archived: bool, user: User | None, project_id=None
) -> _Archivable:
    """Soft delete or restore any archivable row, recording who did it."""
    with transaction.atomic():
        # Any model with an `archived` field, which the stubs cannot say of a Model. Its only
        # manager is its default one (ArchivableQuerySet.as_manager()).
        locked: Any = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
        if locked.archived != archived:
            locked.archived = archived
            fields = ["archived"]
            if hasattr(locked, "updated_at"):
                fields.append("updated_at")
            locked.save(update_fields=fields)
            label = type(obj)._meta.model_name
            activity_record(
                user=user,
                action=f"{label}.{'archive' if archived else 'restore'}",
                target=locked,
                project_id=project_id,
            )
    return locked
