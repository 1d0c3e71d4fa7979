"""The Celery app: one worker process can serve every queue, or each queue its own."""

import fnmatch
import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "max_site.settings")

app = Celery("max_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

QUEUES = ("default", "transcription", "translation", "summaries")


def queue_for(task_name: str) -> str:
    """The queue CELERY_TASK_ROUTES sends a task to (exact names first, then patterns in
    order, as Celery's router does)."""
    from django.conf import settings

    routes = settings.CELERY_TASK_ROUTES
    if task_name in routes:
        return routes[task_name]["queue"]
    for pattern, route in routes.items():
        if fnmatch.fnmatchcase(task_name, pattern):
            return route["queue"]
    return settings.CELERY_TASK_DEFAULT_QUEUE


class QueueTimeLimits:
    """Task annotation (CELERY_TASK_ANNOTATIONS): every task gets the soft and hard time
    limits of the queue it is routed to (settings.JOB_TIME_LIMITS), so a hung vendor call
    is stopped instead of holding a worker for hours."""

    def annotate(self, task):
        from django.conf import settings

        limits = settings.JOB_TIME_LIMITS
        soft = limits.get(queue_for(task.name), limits["default"])
        return {"soft_time_limit": soft, "time_limit": soft + settings.JOB_TIME_LIMIT_GRACE_SECONDS}

    def annotate_any(self):
        return None


def ensure_filesystem_broker_folders() -> None:
    """The filesystem transport crashes if its folders are missing (MACHINE-NOTES.md)."""
    options = app.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)
    backend = app.conf.result_backend or ""
    if backend.startswith("file://"):
        Path(backend.removeprefix("file://")).mkdir(parents=True, exist_ok=True)


@app.on_after_configure.connect
def _prepare_broker(sender, **kwargs):
    if str(sender.conf.broker_url).startswith("filesystem"):
        ensure_filesystem_broker_folders()
