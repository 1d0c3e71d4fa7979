from django.apps import AppConfig


class TranslationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "translations"

    def ready(self):
        # Register the Celery tasks in every process (web included): jobs.services looks
        # them up by name in the local registry to queue them, and Celery's own
        # autodiscovery only runs inside a worker. term_impact registers the glossary's impact
        # preview and "apply to existing translations" (glossary.hooks).
        from translations import (
            tasks,  # noqa: F401
            term_impact,  # noqa: F401
        )
