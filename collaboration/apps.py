from django.apps import AppConfig


class CollaborationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "collaboration"
    verbose_name = "Review and collaboration"

    def ready(self):
        # Approval rules on every finalize, the editor's page parts, and the live news of
        # new versions (documents.hooks).
        from collaboration import receivers

        receivers.connect()
