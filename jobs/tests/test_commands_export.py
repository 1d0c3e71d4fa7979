"""manage.py export_project / import_project: one archive, imported back losslessly."""

import json
import zipfile
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Activity, User
from accounts.services import activity_record
from collaboration.models import ApprovalLog, Comment
from media_files.models import AudioFile
from projects.management.commands.export_project import (
    MANIFEST,
    export_project,
    label,
    project_models,
    serialize_row,
)
from projects.management.commands.import_project import ImportRefused, import_project
from projects.models import Project, ProjectType
from summaries.models import FeedbackLog, GeneratedSummary, PromptVersion
from transcripts.models import Transcription, TranscriptionVersion
from translations.models import Translation, TranslationVersion, VoiceOver

AUDIO_BYTES = b"ID3\x03\x00fake-mp3-bytes" + bytes(range(256)) * 40
VOICE_BYTES = b"voice-over audio " * 64
TIMED = {
    "segments": [
        {
            "id": 0,
            "start": 0.0,
            "end": 1.25,
            "text": "Hello everyone",
            "words": [
                {"word": "Hello", "start": 0.0, "end": 0.5},
                {"word": "everyone", "start": 0.5, "end": 1.25},
            ],
        }
    ],
    "metadata": {"source": "whisper", "duration": 1.25},
}


@pytest.fixture
def media_root(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    return tmp_path / "media"


def build_project(editor, other_editor, *, name="Endo week"):
    """A project with every kind of row, edited by two people, with stored media."""
    lecture = ProjectType.objects.get(slug="lecture")
    project = Project.objects.create(
        name=name,
        project_type=lecture,
        created_by=editor,
        metadata={"location": "Lisbon", "date": "2026-03-01", "misc": "ñ ✓"},
    )
    activity_record(user=editor, action="project.create", target=project, project_id=project.pk)
    audio = AudioFile.objects.create(
        project=project,
        file_name="Día 1.mp3",
        file_path="",
        file_size_bytes=len(AUDIO_BYTES),
        duration_seconds=Decimal("1.250"),
        uploaded_by=editor,
    )
    audio.file_path = default_storage.save(
        f"audio/lecture/{audio.pk}-Dia-1.mp3", ContentFile(AUDIO_BYTES)
    )
    audio.save()
    sonix = AudioFile.objects.create(
        project=project,
        file_name="from sonix.m4a",
        file_path="sonix://abc123",
        uploaded_by=other_editor,
        sonix_media_id="abc123",
        sonix_status="completed",
        archived=True,
    )
    old = Transcription.objects.create(
        audio_file=audio,
        raw_text="Helo everyone",
        json_with_timestamps=TIMED,
        created_by=editor,
        archived=True,
    )
    t1 = Transcription.objects.create(
        audio_file=audio, raw_text="Hello everyone", json_with_timestamps=TIMED, created_by=editor
    )
    Transcription.objects.create(
        audio_file=sonix,
        raw_text="From Sonix",
        json_with_timestamps={"segments": []},
        created_by=other_editor,
        source="sonix",
    )
    h1 = TranscriptionVersion.objects.create(
        transcription=t1,
        version_number=1,
        version_type="H-1",
        edited_text="Hello, everyone.",
        json_with_timestamps=TIMED,
        diff_from_previous=json.dumps({"patch": "@@ -1 +1 @@"}),
        edited_by=other_editor,
    )
    Transcription.objects.filter(pk=t1.pk).update(final_version=h1)
    activity_record(
        user=other_editor,
        action="transcription.save_version",
        target=h1,
        project_id=project.pk,
        details={"version": "H-1"},
    )
    activity_record(user=editor, action="transcription.archive", target=old)  # no project_id
    es = Translation.objects.create(
        transcription=t1,
        language_code="es",
        translated_text="Hola a todos",
        json_with_timestamps=TIMED,
        dictionary_corrections_applied=[{"term_original": "a", "term_corrected": "b"}],
        source_version=h1,
    )
    es_v1 = TranslationVersion.objects.create(
        translation=es,
        version_number=1,
        version_type="H-1-es",
        edited_text="¡Hola a todos!",
        edited_by=other_editor,
    )
    Translation.objects.filter(pk=es.pk).update(final_version=es_v1)
    Translation.objects.create(transcription=t1, language_code="zh", translated_text="大家好")
    # Review rows name their document and version by plain UUID columns (any kind).
    thread = Comment.objects.create(
        document_kind="transcript",
        document_id=t1.pk,
        project=project,
        segment_id=0,
        body="Check the greeting",
        author=editor,
    )
    Comment.objects.create(
        document_kind="transcript",
        document_id=t1.pk,
        project=project,
        segment_id=0,
        parent=thread,
        body="Done",
        author=other_editor,
    )
    ApprovalLog.objects.create(
        document_kind="transcript",
        document_id=t1.pk,
        version_id=h1.pk,
        version_label="H-1",
        project=project,
        action="requested",
        by=other_editor,
    )
    email = GeneratedSummary.objects.create(
        transcription=t1,
        summary_type="email",
        generated_text="Dear all",
        user_edited_text="Dear colleagues",
        edited_by=editor,
        edited_at=timezone.now(),
        finalized_at=timezone.now(),
        prompt_version=PromptVersion.objects.filter(template__template_name="email_summary")
        .order_by("version_number")
        .first(),
    )
    voiceover = VoiceOver.objects.create(
        translation=es,
        version=es_v1,
        file_path=default_storage.save(f"voiceovers/{es.pk}.mp3", ContentFile(VOICE_BYTES)),
        file_size_bytes=len(VOICE_BYTES),
        engine="elevenlabs",
        voice_id="v1",
        model_id="m1",
        created_by=other_editor,
    )
    assert voiceover.file_path
    feedback = FeedbackLog.objects.create(
        summary=email, generated_text="Dear all", user_edited_text="Dear colleagues"
    )
    email.feedback_examples.add(feedback)
    # Rows stamped in the past, so a lossless import is visible in the timestamps.
    past = timezone.now() - timedelta(days=40, microseconds=123457)
    Project.objects.filter(pk=project.pk).update(created_at=past, updated_at=past)
    Transcription.objects.filter(pk=t1.pk).update(updated_at=past + timedelta(seconds=1))
    return Project.objects.get(pk=project.pk)


def snapshot(archive):
    with zipfile.ZipFile(archive) as zf:
        return json.loads(zf.read(MANIFEST))


def rows_now(model, pks):
    objs = model._base_manager.filter(pk__in=list(pks))
    return {str(o.pk): serialize_row(o) for o in objs}


@pytest.fixture
def pair(db, editor, other_editor, media_root):
    return build_project(editor, other_editor)


def test_the_walk_finds_every_table_of_a_project():
    models = {label(m) for m, _ in project_models(Project)}
    assert {
        "projects.project",
        "media_files.audiofile",
        "transcripts.transcription",
        "transcripts.transcriptionversion",
        "transcripts.speaker",
        "translations.translation",
        "translations.translationversion",
        "summaries.generatedsummary",
        "summaries.feedbacklog",
        "summaries.generatedsummary_feedback_examples",
    } <= models
    # Shared tables are referenced, never exported.
    assert not {"projects.projecttype", "summaries.promptversion", "accounts.user"} & models
    assert "jobs.job" not in models and "glossary.dictionaryentry" not in models
    order = [label(m) for m, _ in project_models(Project)]
    assert order.index("transcripts.transcription") < order.index(
        "transcripts.transcriptionversion"
    )


def test_export_writes_every_row_and_the_media_bytes(pair, tmp_path):
    archive = tmp_path / "endo.zip"
    out = StringIO()
    call_command("export_project", str(pair.pk), str(archive), stdout=out)
    manifest = snapshot(archive)
    counts = manifest["counts"]
    assert counts["projects.project"] == 1 and counts["media_files.audiofile"] == 2
    assert counts["transcripts.transcription"] == 3
    assert counts["transcripts.transcriptionversion"] == 1
    assert counts["translations.translation"] == 2
    assert counts["translations.translationversion"] == 1
    assert counts["summaries.generatedsummary"] == 1 and counts["summaries.feedbacklog"] == 1
    assert counts["summaries.generatedsummary_feedback_examples"] == 1
    assert counts["translations.voiceover"] == 1
    # project's own history plus the archive of the old T-1, recorded without project_id
    assert counts["accounts.activity"] == 3
    assert {u["email"] for u in manifest["users"].values()} == {
        "editor@example.com",
        "second@example.com",
    }
    (project_type,) = manifest["references"]["projects.projecttype"].values()
    assert project_type["slug"] == "lecture"
    audio_media, voice_media = sorted(manifest["media"], key=lambda m: m["key"])
    with zipfile.ZipFile(archive) as zf:
        assert zf.read(audio_media["archive_name"]) == AUDIO_BYTES
        assert zf.read(voice_media["archive_name"]) == VOICE_BYTES
    assert manifest["missing_media"] == []
    assert "media files" in out.getvalue() and "Endo week" in out.getvalue()
    with pytest.raises(CommandError, match="already exists"):
        call_command("export_project", str(pair.pk), str(archive), stdout=StringIO())


def test_import_refuses_a_project_that_exists_and_changes_nothing(pair, tmp_path):
    archive = tmp_path / "endo.zip"
    export_project(project_id=pair.pk, archive=archive)
    before = Activity.objects.count(), Project.objects.count(), TranscriptionVersion.objects.count()
    with pytest.raises(CommandError, match=r"already exists here\. Use --as-copy"):
        call_command("import_project", str(archive), stdout=StringIO())
    after = Activity.objects.count(), Project.objects.count(), TranscriptionVersion.objects.count()
    assert before == after


def test_import_as_copy_reproduces_every_row_with_new_ids(pair, tmp_path, editor):
    archive = tmp_path / "endo.zip"
    export_project(project_id=pair.pk, archive=archive)
    manifest = snapshot(archive)
    result = import_project(archive=archive, as_copy=True, actor_email=editor.email)
    copy = result["project"]
    assert copy.pk != pair.pk and copy.name == "Endo week"

    # Every old id → its new id; then each copied row must equal its original with the
    # ids swapped, column by column (storage keys aside: new file, same bytes, below).
    new_id = {old: str(new) for ids in result["ids"].values() for old, new in ids.items() if new}
    assert not set(new_id) & set(new_id.values())
    through = "summaries.generatedsummary_feedback_examples"
    for table in manifest["tables"]:
        model = apps.get_model(table["model"])
        if table["model"] == through:
            copied = {
                (str(a), str(b))
                for a, b in model._base_manager.filter(
                    generatedsummary__transcription__audio_file__project=copy
                ).values_list("generatedsummary_id", "feedbacklog_id")
            }
            assert copied == {
                (new_id[r["generatedsummary_id"]], new_id[r["feedbacklog_id"]])
                for r in table["rows"]
            }
            continue
        for row in table["rows"]:
            obj = model._base_manager.get(pk=new_id[row["id"]])
            expected = {k: (new_id.get(v, v) if isinstance(v, str) else v) for k, v in row.items()}
            actual = serialize_row(obj)
            if "file_path" in row and not row["file_path"].startswith("sonix://"):
                assert actual.pop("file_path") != expected.pop("file_path")
            assert actual == expected, table["model"]
    imported = Activity.objects.get(action="project.import", project_id=copy.pk)
    assert imported.actor == editor and imported.details["as_copy"] is True

    # References inside the copy point at the copy's rows, never at the original's.
    t1 = Transcription.objects.get(audio_file__project=copy, archived=False, source="whisper")
    assert t1.final_version.transcription_id == t1.pk
    es = Translation.objects.get(transcription=t1, language_code="es")
    assert es.source_version_id == t1.final_version_id and es.final_version.translation_id == es.pk
    summary = GeneratedSummary.objects.get(transcription=t1)
    assert list(summary.feedback_examples.values_list("summary_id", flat=True)) == [summary.pk]
    # The stored file is copied to a new key with the same bytes.
    audio = AudioFile.objects.get(project=copy, file_path__startswith="audio/")
    original = AudioFile.objects.get(project=pair, file_path__startswith="audio/")
    assert audio.file_path != original.file_path and str(audio.pk) in audio.file_path
    with default_storage.open(audio.file_path, "rb") as handle:
        assert handle.read() == AUDIO_BYTES
    # The copy's comments and approval steps are on the copy's transcript and version; the
    # original keeps only its own.
    assert set(Comment.objects.filter(project=copy).values_list("document_id", flat=True)) == {
        t1.pk
    }
    step = ApprovalLog.objects.get(project=copy)
    assert (step.document_id, step.version_id) == (t1.pk, t1.final_version_id)
    original_t1 = Transcription.objects.get(
        audio_file__project=pair, archived=False, source="whisper"
    )
    assert Comment.objects.filter(document_id=original_t1.pk).count() == 2
    assert ApprovalLog.objects.filter(document_id=original_t1.pk).count() == 1
    # Timestamps came along exactly.
    assert copy.created_at == pair.created_at and copy.updated_at == pair.updated_at
    # The history of the copy points at the copy's objects.
    h1_history = Activity.objects.get(action="transcription.save_version", project_id=copy.pk)
    assert h1_history.target_id == t1.final_version_id
    assert h1_history.created_at == (
        Activity.objects.get(action="transcription.save_version", project_id=pair.pk).created_at
    )


def test_import_can_rename_the_copy(pair, tmp_path):
    archive = tmp_path / "endo.zip"
    export_project(project_id=pair.pk, archive=archive)
    result = import_project(archive=archive, as_copy=True, name="Endo week (copy)")
    assert result["project"].name == "Endo week (copy)"


def test_a_failing_import_leaves_no_rows_and_no_files(pair, tmp_path, media_root):
    archive = tmp_path / "endo.zip"
    export_project(project_id=pair.pk, archive=archive)
    manifest = snapshot(archive)
    # A column this schema lacks, in the last table: fails after media and earlier rows.
    manifest["tables"][-1]["rows"][0]["from_the_future"] = 1
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == MANIFEST:
                data = json.dumps(manifest).encode()
            dst.writestr(item, data)
    files_before = sorted(p for p in media_root.rglob("*") if p.is_file())
    projects_before = Project.objects.count()
    with pytest.raises(ImportRefused, match="from_the_future"):
        import_project(archive=broken, as_copy=True)
    assert Project.objects.count() == projects_before
    assert sorted(p for p in media_root.rglob("*") if p.is_file()) == files_before


def test_damaged_or_unsafe_archives_are_refused(pair, tmp_path):
    archive = tmp_path / "endo.zip"
    export_project(project_id=pair.pk, archive=archive)
    manifest = snapshot(archive)

    def rewrite(name, change_manifest=None, change_media=None):
        path = tmp_path / name
        data = json.loads(json.dumps(manifest))
        if change_manifest:
            change_manifest(data)
        with zipfile.ZipFile(archive) as src, zipfile.ZipFile(path, "w") as dst:
            for item in src.infolist():
                content = src.read(item)
                if item.filename == MANIFEST:
                    content = json.dumps(data).encode()
                elif change_media:
                    content = change_media(content)
                dst.writestr(item, content)
        return path

    damaged = rewrite("damaged.zip", change_media=lambda b: b[:-1] + b"x")
    with pytest.raises(ImportRefused, match="damaged"):
        import_project(archive=damaged, as_copy=True)

    def climb(data):
        data["media"][0]["key"] = "../../etc/passwd"

    with pytest.raises(ImportRefused, match="Unsafe storage key"):
        import_project(archive=rewrite("climb.zip", climb), as_copy=True)
    not_zip = tmp_path / "x.zip"
    not_zip.write_bytes(b"hello")
    with pytest.raises(ImportRefused, match="not a readable zip"):
        import_project(archive=not_zip)

    def other_format(data):
        data["format"] = "something-else"

    with pytest.raises(ImportRefused, match="not a Max project export"):
        import_project(archive=rewrite("fmt.zip", other_format))


@pytest.mark.django_db(transaction=True)
def test_export_wipe_import_restores_the_project_exactly(tmp_path, media_root):
    """Import into a database where the project never existed: same ids, same everything."""
    editor = User.objects.create_user(email="editor@example.com", password="x", full_name="Erin")
    leaver = User.objects.create_user(
        email="leaver@example.com", password="x", full_name="Lee Leaver"
    )
    project = build_project(editor, leaver)
    archive = tmp_path / "endo.zip"
    export_project(project_id=project.pk, archive=archive)
    manifest = snapshot(archive)
    before = {
        t["model"]: rows_now(apps.get_model(t["model"]), [r["id"] for r in t["rows"]])
        for t in manifest["tables"]
    }
    through = "summaries.generatedsummary_feedback_examples"

    # Deleting is forbidden in the domain (and Activity refuses it): wipe with raw SQL,
    # including the user who appears only here and the stored file.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for table in reversed(manifest["tables"]):
            model = apps.get_model(table["model"])
            ids = [r["id"] for r in table["rows"]]
            cursor.execute(
                f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)} WHERE id = ANY(%s)",
                [ids],
            )
        cursor.execute("DELETE FROM users WHERE email = %s", ["leaver@example.com"])
    for item in manifest["media"]:
        default_storage.delete(item["key"])
    assert not Project.objects.filter(pk=project.pk).exists()
    assert not Activity.objects.filter(project_id=project.pk).exists()

    out = StringIO()
    call_command("import_project", str(archive), stdout=out)
    assert "created inactive user leaver@example.com" in out.getvalue()

    for model_label, rows in before.items():
        model = apps.get_model(model_label)
        after = rows_now(model, rows) if model_label != through else None
        if model_label == through:
            pairs = set(model._base_manager.values_list("generatedsummary_id", "feedbacklog_id"))
            assert {(r["generatedsummary_id"], r["feedbacklog_id"]) for r in rows.values()} == {
                (str(a), str(b)) for a, b in pairs
            }
            continue
        assert after == rows, model_label  # every column, timestamps to the microsecond

    leaver_again = User.objects.get(email="leaver@example.com")
    assert leaver_again.pk == leaver.pk and not leaver_again.is_active
    assert not leaver_again.has_usable_password() and leaver_again.full_name == "Lee Leaver"
    restored = {}
    for media in manifest["media"]:
        with default_storage.open(media["key"], "rb") as handle:
            restored[media["key"].split("/")[0]] = handle.read()
    assert restored == {"audio": AUDIO_BYTES, "voiceovers": VOICE_BYTES}
    record = Activity.objects.get(action="project.import", project_id=project.pk)
    assert record.actor == User.objects.system_user()
    assert record.target_type == ContentType.objects.get_for_model(Project)
