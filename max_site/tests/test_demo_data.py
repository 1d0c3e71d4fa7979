"""`manage.py demo_data`, which `make run` calls before starting the app."""

import io
import json

import pytest
from django.apps import apps
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from accounts.models import User
from glossary.models import DictionaryEntry
from jobs.models import Job
from max_site.management.commands.demo_data import DEMO
from media_files.models import AudioFile
from projects.models import Project
from transcripts.models import Transcription
from translations.models import Translation

pytestmark = pytest.mark.django_db

DEMO_PROJECT = "Endodontics 101 (demo)"


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("demo_data", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _demo_env(monkeypatch, settings):
    monkeypatch.delenv("DEMO_ADMIN_EMAIL", raising=False)
    monkeypatch.delenv("DEMO_ADMIN_PASSWORD", raising=False)
    monkeypatch.delenv("PORT", raising=False)
    settings.DEBUG = True  # `make run` runs it with DEBUG=true


def row_counts() -> dict[str, int]:
    """Rows of every table the project's apps own."""
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label
        in {"accounts", "projects", "media_files", "transcripts", "glossary", "translations"}
        | {"summaries", "jobs"}
    }


def test_the_demo_login_works_and_a_second_run_changes_nothing(client):
    printed = run()
    before = row_counts()
    again = run()

    assert row_counts() == before
    assert "Sign in at http://127.0.0.1:8000/ as admin@example.com / max-demo-2026" in printed
    assert "Sign in at http://127.0.0.1:8000/ as admin@example.com / max-demo-2026" in again
    admin = User.objects.get(email="admin@example.com")
    assert admin.is_superuser
    assert Project.objects.filter(name=DEMO_PROJECT, created_by=admin).count() == 1
    assert client.login(username="admin@example.com", password="max-demo-2026")


def test_the_login_and_address_follow_the_environment(client, monkeypatch):
    monkeypatch.setenv("DEMO_ADMIN_EMAIL", "journey@example.com")
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "journey-pass-2026")
    monkeypatch.setenv("PORT", "8123")

    printed = run()

    assert "Sign in at http://127.0.0.1:8123/ as journey@example.com / journey-pass-2026" in printed
    assert client.login(username="journey@example.com", password="journey-pass-2026")


def test_the_demo_project_has_a_lecture_its_corrected_transcript_a_glossary_and_spanish(
    client,
):
    run()
    client.login(username="admin@example.com", password="max-demo-2026")

    project = Project.objects.get(name=DEMO_PROJECT)
    recording = AudioFile.objects.get(project=project)
    assert recording.file_name == "endodontics-101-lecture.opus"
    assert 60 <= recording.duration_seconds <= 75
    assert default_storage.size(recording.file_path) == (DEMO / "lecture.opus").stat().st_size

    # The transcript ships with the lecture: no engine run was queued for it.
    assert not Job.for_target(recording).exists()
    transcription = Transcription.objects.get(audio_file=recording)
    # T-1 is the speech recogniser's own output, mishearings and word confidences included.
    assert transcription.transcription_type == "T-1"
    assert "route canal" in transcription.raw_text
    words = [w for s in transcription.json_with_timestamps["segments"] for w in s["words"]]
    assert len(words) > 100
    assert all(0 <= w["probability"] <= 1 and w["start"] <= w["end"] for w in words)
    # The editor's correction is H-1, and it is the final version.
    final = transcription.final_version
    assert final.version_type == "H-1"
    assert "root canal treatment" in final.edited_text
    assert "route canal" not in final.edited_text
    assert "welcome to Endodontics 101." in final.edited_text

    assert DictionaryEntry.objects.filter(language_code="en").count() >= 3
    assert DictionaryEntry.objects.get(term_original="route canal").term_corrected == "root canal"
    assert DictionaryEntry.objects.filter(language_code="es").count() >= 3

    spanish = Translation.objects.get(transcription=transcription, language_code="es")
    # The translate job ran (here, not waiting for a worker) and finished.
    assert [job.status for job in Job.for_target(transcription)] == [Job.Status.SUCCEEDED]
    assert spanish.source_version == final
    reviewed = spanish.versions.exclude(origin="machine").get()
    assert reviewed.version_type == "H-1-es"
    assert "tratamiento de conductos" in reviewed.edited_text
    assert len(reviewed.edited_text.splitlines()) == len(
        transcription.json_with_timestamps["segments"]
    )

    # What a newcomer opens first shows it.
    page = client.get(f"/projects/{project.pk}/").content.decode()
    assert "endodontics-101-lecture.opus" in page
    editor = client.get(f"/transcripts/{transcription.pk}/").content.decode()
    assert "Endodontics 101" in editor
    glossary = client.get("/glossary/").content.decode()
    assert "root canal" in glossary


def test_the_shipped_transcript_and_its_corrections_line_up():
    t1 = json.loads((DEMO / "lecture-t1.json").read_text())
    h1 = json.loads((DEMO / "h1.json").read_text())
    spanish = json.loads((DEMO / "es.json").read_text())
    assert len(t1["segments"]) == len(h1) == len(spanish)
    for seg in t1["segments"]:
        assert seg["text"] == " ".join(w["word"] for w in seg["words"])
    assert (DEMO / "lecture.opus").stat().st_size < 250_000


def test_with_debug_off_it_refuses_and_creates_nothing(settings):
    settings.DEBUG = False
    before = row_counts()

    with pytest.raises(CommandError, match="DEBUG is off"):
        run()

    assert row_counts() == before
    assert not User.objects.filter(email="admin@example.com").exists()


def test_with_debug_off_it_runs_when_asked_explicitly(settings):
    settings.DEBUG = False

    printed = run("--allow-production")

    assert "as admin@example.com / max-demo-2026" in printed
    assert User.objects.get(email="admin@example.com").is_superuser


def test_print_login_only_reads(settings):
    settings.DEBUG = False
    before = row_counts()

    assert run("--print-login") == ""
    assert row_counts() == before

    settings.DEBUG = True
    run()
    assert run("--print-login").strip() == (
        "Sign in at http://127.0.0.1:8000/ as admin@example.com / max-demo-2026"
    )
