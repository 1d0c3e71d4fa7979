from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self):
        # Each app names its objects and words its actions for the activity page in its own
        # activity.py (accounts sits below them and cannot import them).
        from django.utils.module_loading import autodiscover_modules

        from accounts.activity import register_archiving

        autodiscover_modules("activity")
        register_archiving()
