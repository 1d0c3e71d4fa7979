from django.apps import AppConfig


class TranscriptsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "transcripts"

    def ready(self):
        # Register the Celery tasks in every process (web included): jobs.services looks
        # them up by name in the local registry to queue them (Transcribe, Retry), and
        # Celery's own autodiscovery only runs inside a worker.
        from transcripts import receivers, tasks  # noqa: F401
