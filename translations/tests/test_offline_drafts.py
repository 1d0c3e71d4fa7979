"""Offline drafts are not translations: marked in the data, shown as drafts, never finalized or
read aloud; a configured engine can replace them. Finalize and Translate twice create nothing new.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from documents.services import document_finalize, document_save_version
from jobs.models import Job
from tests.concurrency import at_once
from translations import services
from translations.models import Translation, TranslationVersion
from translations.tests.conftest import add_english_version

pytestmark = pytest.mark.django_db


def translate(transcription, user, codes, capture):
    with capture(execute=True):
        return services.translation_start(
            transcription=transcription, language_codes=codes, user=user
        )


@pytest.fixture
def arabic(final_transcription, editor, django_capture_on_commit_callbacks):
    """An Arabic translation made without any translation engine configured."""
    translate(final_transcription, editor, ["ar"], django_capture_on_commit_callbacks)
    return Translation.objects.get(language_code="ar")


def url(name, translation):
    return reverse(f"translations:{name}", args=[translation.pk])


def test_an_offline_translation_is_marked_as_placeholders_in_the_data(arabic):
    segments = arabic.json_with_timestamps["segments"]
    assert all(s["text"].startswith("[draft ar] ") for s in segments)
    assert all(s["placeholder"] is True for s in segments)
    assert arabic.json_with_timestamps["metadata"]["engine"] == "offline"


def test_finalize_refuses_an_offline_draft_and_says_what_to_do(editor_client, arabic, editor):
    with pytest.raises(ValidationError) as refused:
        document_finalize(doc=services.TRANSLATION_DOCUMENT, parent=arabic, user=editor)
    message = " ".join(refused.value.messages)
    assert "4 of 4 segments are still offline drafts" in message
    assert "Configure a translation engine" in message and "replace the text" in message

    page = editor_client.post(url("finalize", arabic), follow=True).content.decode()
    assert "cannot be finalized" in page
    assert "Ready for voice-over" not in page
    arabic.refresh_from_db()
    assert arabic.final_version_id is None and not arabic.versions.exists()


def test_the_pages_show_an_offline_draft_as_a_draft(editor_client, arabic, final_transcription):
    overview = editor_client.get(
        reverse("translations:overview", args=[final_transcription.pk])
    ).content.decode()
    assert 'id="lang-ar" data-status="draft"' in overview
    assert "Offline draft, not a translation" in overview
    assert "4 segments still the English with a “[draft ar]” label" in overview
    assert "Machine translation" not in overview

    review = editor_client.get(arabic.get_absolute_url()).content.decode()
    assert "Offline draft: 4 of 4 segments are still offline drafts" in review
    assert '<span class="badge badge--draft">Offline draft</span>' in review


def test_segments_a_human_replaced_are_no_longer_drafts(editor_client, arabic, editor):
    document_save_version(
        doc=services.TRANSLATION_DOCUMENT,
        parent=arabic,
        user=editor,
        based_on_version_number=0,
        segments_text={0: "صباح الخير للجميع.", 1: "[draft ar] Today we place veneers."},
    )
    with pytest.raises(ValidationError, match="3 of 4 segments"):
        document_finalize(doc=services.TRANSLATION_DOCUMENT, parent=arabic, user=editor)

    document_save_version(
        doc=services.TRANSLATION_DOCUMENT,
        parent=arabic,
        user=editor,
        based_on_version_number=1,
        segments_text={
            1: "اليوم نضع القشور الخزفية على القواطع العلوية.",
            2: "يحتاج الزرع إلى ستة أسابيع قبل وضع التاج.",
            3: "شكرا لك، دكتور سوتو.",
        },
    )
    version = document_finalize(doc=services.TRANSLATION_DOCUMENT, parent=arabic, user=editor)
    assert version.version_number == 2
    page = editor_client.get(arabic.get_absolute_url()).content.decode()
    assert "Ready for voice-over" in page and "badge--draft" not in page


def test_deleting_only_the_draft_labels_leaves_english_that_finalize_refuses(
    editor_client, arabic, editor
):
    segments = arabic.json_with_timestamps["segments"]
    english = [s["text"].removeprefix("[draft ar] ") for s in segments]
    document_save_version(
        doc=services.TRANSLATION_DOCUMENT,
        parent=arabic,
        user=editor,
        based_on_version_number=0,
        segments_text=dict(enumerate(english)),
    )
    with pytest.raises(ValidationError, match="4 of 4 segments still read exactly as the English"):
        document_finalize(doc=services.TRANSLATION_DOCUMENT, parent=arabic, user=editor)
    page = editor_client.post(url("finalize", arabic), follow=True).content.decode()
    assert "cannot be finalized" in page and "Ready for voice-over" not in page
    arabic.refresh_from_db()
    assert arabic.final_version_id is None

    # Short segments may rightly read as the English (a name, "OK"); translated ones are fine.
    document_save_version(
        doc=services.TRANSLATION_DOCUMENT,
        parent=arabic,
        user=editor,
        based_on_version_number=1,
        segments_text={
            0: "صباح الخير للجميع.",
            1: "اليوم نضع القشور الخزفية على القواطع العلوية.",
            2: "يحتاج الزرع إلى ستة أسابيع قبل وضع التاج.",
            3: "شكرا لك، دكتور سوتو.",
        },
    )
    assert (
        document_finalize(
            doc=services.TRANSLATION_DOCUMENT, parent=arabic, user=editor
        ).version_number
        == 2
    )


def test_a_draft_stored_before_the_mark_existed_is_refused_by_its_label(
    final_transcription, editor
):
    stored = services.translation_store_machine_text(
        transcription=final_transcription,
        language_code="ar",
        source=final_transcription.final_version,
        segments=[
            {"id": 0, "start": 0.0, "end": 2.5, "text": "صباح الخير للجميع."},
            {"id": 1, "start": 2.5, "end": 6.0, "text": "[draft ar] Today we place veneers."},
        ],
        corrections=[],
        engine="offline",
        user=editor,
    )
    with pytest.raises(ValidationError, match="1 of 2 segments"):
        document_finalize(doc=services.TRANSLATION_DOCUMENT, parent=stored.translation, user=editor)


def test_voice_over_refuses_a_draft_that_was_finalized_before_drafts_were_refused(
    arabic, editor, settings
):
    settings.ELEVENLABS_API_KEY = "xi-test"
    version = TranslationVersion.objects.create(
        translation=arabic,
        version_number=1,
        version_type="H-1-ar",
        edited_text=arabic.translated_text,
        json_with_timestamps=arabic.json_with_timestamps,
        edited_by=editor,
        origin=TranslationVersion.Origin.FINALIZE,
    )
    Translation.objects.filter(pk=arabic.pk).update(final_version=version)
    arabic.refresh_from_db()
    with pytest.raises(ValidationError, match="not ready for voice-over"):
        services.voiceover_start(translation=arabic, user=editor)


def test_without_an_engine_translating_a_draft_again_starts_nothing(
    final_transcription, arabic, editor, django_capture_on_commit_callbacks
):
    result = translate(final_transcription, editor, ["ar"], django_capture_on_commit_callbacks)
    assert result.started == [] and result.needs_engine == [arabic]
    assert Job.objects.filter(kind="translate").count() == 1


def test_a_configured_engine_replaces_the_draft_and_keeps_it_as_a_version(
    final_transcription, arabic, editor, fake_claude, django_capture_on_commit_callbacks
):
    result = translate(final_transcription, editor, ["ar"], django_capture_on_commit_callbacks)
    job = Job.objects.get(pk=result.started[0].pk)
    assert job.status == Job.Status.SUCCEEDED, job.error

    arabic.refresh_from_db()
    assert arabic.translated_text.startswith("[draft ar]")  # T-1-ar kept
    machine = arabic.versions.get()
    assert (machine.version_type, machine.origin) == ("T-2-ar", "machine")
    assert not any(s.get("placeholder") for s in machine.json_with_timestamps["segments"])
    assert (
        document_finalize(doc=services.TRANSLATION_DOCUMENT, parent=arabic, user=editor) == machine
    )


# --- double submits -------------------------------------------------------------------------


def test_finalize_pressed_six_times_makes_one_version(editor_client, final_transcription, editor):
    translation = services.translation_store_machine_text(
        transcription=final_transcription,
        language_code="es",
        source=final_transcription.final_version,
        segments=[{"id": 0, "start": 0.0, "end": 2.5, "text": "Buenos días a todos."}],
        corrections=[],
        engine="anthropic",
        user=editor,
    ).translation
    for _ in range(6):
        editor_client.post(url("finalize", translation), {"version": "0"})
    assert translation.versions.count() == 1
    translation.refresh_from_db()
    assert translation.final_version.version_number == 1


@pytest.mark.django_db(transaction=True)
def test_two_translate_requests_at_once_start_one_job(
    transcription, editor, other_editor, queued_not_run
):
    add_english_version(transcription, editor)
    results = at_once(
        lambda user: services.translation_start(
            transcription=transcription, language_codes=["es"], user=user
        ),
        [editor, other_editor],
    )

    assert Job.objects.filter(kind="translate").count() == 1
    started = [job for r in results for job in r.started]
    running = [job for r in results for job in r.running]
    assert len(started) == 1 and [j.pk for j in running] == [started[0].pk]


def test_the_engine_of_a_draft_is_named_in_words_not_its_code(
    editor_client, arabic, final_transcription
):
    # Seen on the journey: "made from English H-1 by offline" and "offline (asked by …)".
    activity = editor_client.get(reverse("accounts:activity")).content.decode()
    assert "received the offline draft T-1-ar of" in activity
    assert "not a translation: no translation engine is configured" in activity
    assert "by offline" not in activity and "machine translation T-1-ar" not in activity
    overview = editor_client.get(
        reverse("translations:overview", args=[final_transcription.pk])
    ).content.decode()
    assert "the offline stand-in (asked by" in overview
    assert ">offline (asked by" not in overview and " offline (asked by" not in overview


def test_an_arabic_draft_on_the_overview_reads_as_a_labelled_english_draft(
    editor_client, arabic, final_transcription
):
    # Laid out right to left, "[draft ar] Today we talk …" showed its label mid-sentence, and
    # the version was called "(machine)" beside "Offline draft, not a translation".
    overview = editor_client.get(
        reverse("translations:overview", args=[final_transcription.pk])
    ).content.decode()
    row = overview.split('id="lang-ar"', 1)[1].split("</tr>", 1)[0]
    assert '<div class="excerpt" lang="ar" dir="auto">[draft ar] ' in row
    assert 'dir="rtl"' not in row
    assert 'T-1-ar</strong> <span class="muted">(offline draft)</span>' in row
