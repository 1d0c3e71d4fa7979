import json

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models

from core.db import created_at, updated_at, uuid_pk

SYSTEM_USER_EMAIL = "system@max.invalid"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)

    def system_user(self):
        return self.get(email=SYSTEM_USER_EMAIL)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an email address (seed table `users`)."""

    id = uuid_pk()
    email = models.TextField(unique=True)
    full_name = models.TextField(null=True, blank=True)
    is_staff = models.BooleanField(default=False, db_default=False)
    is_active = models.BooleanField(default=True, db_default=True)
    created_at = created_at()
    updated_at = updated_at()

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        db_table = "users"
        indexes = [models.Index(fields=["email"], name="idx_users_email")]
        ordering = ["email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return (self.full_name or self.email).split(" ")[0]


class ActivityChangeRefused(Exception):
    """The audit trail is append-only: rows are never changed or removed."""


class ActivityQuerySet(models.QuerySet):
    # Bulk paths bypass Model.save/delete, so they refuse too.
    def update(self, **kwargs):
        raise ActivityChangeRefused("The activity log is append-only; rows cannot be updated.")

    def delete(self):
        raise ActivityChangeRefused("The activity log is append-only; rows cannot be deleted.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise ActivityChangeRefused("The activity log is append-only; rows cannot be updated.")

    def update_or_create(self, *args, **kwargs):
        raise ActivityChangeRefused("The activity log is append-only; rows cannot be updated.")


class Activity(models.Model):
    """Append-only audit trail: who did what to which object, when, with details."""

    id = uuid_pk()
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="activities"
    )
    action = models.TextField()  # e.g. "project.create", "transcript.save_version"
    target_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, related_name="+"
    )
    target_id = models.UUIDField()
    target_repr = models.TextField(blank=True, default="")
    # The project the object belongs to, so a project's page can show all its history.
    project_id = models.UUIDField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = created_at()

    objects = ActivityQuerySet.as_manager()

    class Meta:
        db_table = "activity_log"
        verbose_name_plural = "activities"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="idx_activity_target"),
            models.Index(fields=["project_id", "-created_at"], name="idx_activity_project"),
            models.Index(fields=["actor", "-created_at"], name="idx_activity_actor"),
        ]

    def __str__(self) -> str:
        return f"{self.actor} {self.action} {self.target_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ActivityChangeRefused("The activity log is append-only; rows cannot be updated.")
        # An INSERT, never Django's UPDATE-then-INSERT fallback on a preset primary key.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ActivityChangeRefused("The activity log is append-only; rows cannot be deleted.")

    @property
    def details_text(self) -> str:
        return json.dumps(self.details, ensure_ascii=False, sort_keys=True) if self.details else ""
