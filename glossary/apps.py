from django.apps import AppConfig


class GlossaryConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "glossary"

    def ready(self):
        from django.db.models.signals import post_save

        from glossary.models import DictionaryEntry
        from languages.models import Language

        # The services invalidate the matcher themselves; these catch saves made
        # elsewhere (the shared archive helper, fixtures, the shell) and a change of a
        # language's word-boundary rule.
        post_save.connect(_entry_saved, sender=DictionaryEntry, dispatch_uid="glossary-entry")
        post_save.connect(_language_saved, sender=Language, dispatch_uid="glossary-language")


def _entry_saved(sender, instance, **kwargs):
    from glossary.registry import matcher_invalidate

    matcher_invalidate(instance.language_code, entry_ids=[instance.pk])


def _language_saved(sender, instance, **kwargs):
    from glossary.registry import matcher_invalidate

    matcher_invalidate(instance.code)
