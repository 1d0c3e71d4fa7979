"""Seed rows come from data migrations, and running those again changes nothing."""

import importlib

import pytest
from django.apps import apps as global_apps

from accounts.models import User
from languages.models import Language
from projects.models import ProjectType
from summaries.models import PromptTemplate, PromptVersion

pytestmark = pytest.mark.django_db

DATA_MIGRATIONS = [
    ("accounts.migrations.0002_system_user", "create_system_user"),
    ("projects.migrations.0002_seed_project_types", "seed"),
    ("translations.migrations.0002_seed_languages", "seed"),
    ("summaries.migrations.0002_seed_prompt_templates", "seed"),
]


def counts():
    return (
        User.objects.count(),
        ProjectType.objects.count(),
        Language.objects.count(),
        PromptTemplate.objects.count(),
        PromptVersion.objects.count(),
    )


def test_seed_rows_exist():
    system = User.objects.system_user()
    assert not system.has_usable_password() and not system.is_active
    assert sorted(ProjectType.objects.values_list("slug", flat=True)) == sorted(
        ["lecture", "webinar", "isa", "fire-virtual", "podcast", "c-suite", "other"]
    )
    assert ProjectType.objects.get(slug="c-suite").name == "C-Suite Presentation"
    assert set(ProjectType.objects.values_list("created_by", flat=True)) == {system.pk}
    codes = dict(Language.objects.values_list("code", "direction"))
    assert set(codes) == {"en", "es", "pt", "fr", "de", "it", "zh", "hi", "ar"}
    assert codes["ar"] == "rtl" and {v for k, v in codes.items() if k != "ar"} == {"ltr"}
    assert not Language.objects.get(code="zh").word_boundaries
    assert list(Language.objects.targets().values_list("code", flat=True)) == sorted(
        ["es", "pt", "fr", "de", "it", "zh", "hi", "ar"]
    )
    for name in ("email_summary", "linkedin_summary", "blog_summary"):
        template = PromptTemplate.objects.get(template_name=name)
        assert template.version_number == 1
        assert "{transcription_text}" in template.template_content
        first = template.versions.get()
        assert first.version_number == 1 and first.template_content == template.template_content
        assert first.changed_by == system
    assert (
        "Maximum 150 characters"
        in PromptTemplate.objects.get(template_name="linkedin_summary").template_content
    )


def test_running_the_data_migrations_again_is_a_no_op():
    before = counts()
    for module, function in DATA_MIGRATIONS:
        getattr(importlib.import_module(module), function)(global_apps, None)
    assert counts() == before


def test_data_migrations_leave_edited_seed_rows_alone(system_user):
    from summaries.services.templates import prompt_template_update

    template = PromptTemplate.objects.get(template_name="email_summary")
    prompt_template_update(
        template=template, content="Shorter: {transcription_text}", user=system_user
    )
    importlib.import_module("summaries.migrations.0002_seed_prompt_templates").seed(
        global_apps, None
    )
    template.refresh_from_db()
    assert template.template_content == "Shorter: {transcription_text}"
    assert template.version_number == 2
