"""The Celery app: one worker process can serve every queue, or each queue its own."""

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "max_site.settings")

app = Celery("max_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

QUEUES = ("default", "transcription", "translation", "summaries")


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
