"""The translations overview calls human versions human and explains each label."""

import pytest
from django.urls import reverse

from translations.models import Translation, TranslationVersion

pytestmark = pytest.mark.django_db


def test_overview_says_which_translation_a_person_edited(
    editor_client, editor, final_transcription
):
    spanish = Translation.objects.create(
        transcription=final_transcription, language_code="es", translated_text="Hola"
    )
    arabic = Translation.objects.create(
        transcription=final_transcription, language_code="ar", translated_text="مرحبا"
    )
    TranslationVersion.objects.create(
        translation=arabic,
        version_number=1,
        version_type="H-1-ar",
        edited_text="مرحبا!",
        edited_by=editor,
        origin=TranslationVersion.Origin.EDIT,
    )
    html = editor_client.get(
        reverse("translations:overview", args=[final_transcription.pk])
    ).content.decode()
    spanish_row = html[html.index('id="lang-es"') :][:3000]
    arabic_row = html[html.index('id="lang-ar"') :][:3000]
    assert spanish.machine_label == "T-1-es"
    assert (
        'title="T-1-es: the machine translation into Spanish, not edited by a person.">'
        "T-1-es</strong>"
    ) in spanish_row
    assert "(machine)" in spanish_row
    assert (
        'title="H-1-ar: the Arabic translation of English H-1, edited by a person.">H-1-ar</strong>'
    ) in arabic_row
    assert "(human)" in arabic_row
    assert 'title="H-1: the 1st human version of the English transcript' in html
