"""manage.py import_media --project <id> FILES… (the upload service, from the shell)."""

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from media_files.models import AudioFile
from media_files.tests.conftest import stored_files

pytestmark = pytest.mark.django_db


def run(*args):
    from io import StringIO

    out = StringIO()
    try:
        call_command("import_media", *args, stdout=out)
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None


def test_imports_each_file_and_prints_a_line_per_file(project, make_media, media_storage):
    mp3, mp4 = make_media("mp3"), make_media("mp4")
    out, error = run("--project", str(project.pk), str(mp3), str(mp4))
    assert error is None
    lines = out.splitlines()
    assert lines[0].startswith(f"OK     {mp3} → ") and "(audio, 0:01," in lines[0]
    assert lines[1].startswith(f"OK     {mp4} → ") and "(video, 0:01," in lines[1]
    assert lines[2] == f"Imported 2 file(s) into “{project.name}”."
    files = AudioFile.objects.filter(project=project)
    assert {a.file_name for a in files} == {mp3.name, mp4.name}
    assert {a.uploaded_by for a in files} == {User.objects.system_user()}
    assert len(stored_files(media_storage)) == 2


def test_any_failure_exits_non_zero_and_keeps_the_good_files(project, make_media, tmp_path, editor):
    good = make_media("flac")
    text = tmp_path / "notes.mp3"
    text.write_text("not audio\n" * 50)
    missing = tmp_path / "nowhere.wav"
    out, error = run("--project", str(project.pk), "--user", editor.email, str(good), str(text),
                     str(missing))  # fmt: skip
    assert isinstance(error, CommandError)
    assert "2 of 3 file(s) could not be imported" in str(error)
    assert f"FAILED {text}: “notes.mp3” is not an audio or video file" in out
    assert f"FAILED {missing}: “{missing}” does not exist or is not a file." in out
    assert AudioFile.objects.get().uploaded_by == editor


def test_exit_status_is_non_zero_from_the_shell(project, make_media):
    with pytest.raises(SystemExit) as excinfo:
        from django.core.management import execute_from_command_line

        execute_from_command_line(
            ["manage.py", "import_media", "--project", str(project.pk), "/nonexistent.mp3"]
        )
    assert excinfo.value.code == 1


def test_archived_project_refuses_every_file(project, editor, make_media):
    from projects.services import project_archive

    project_archive(project=project, user=editor)
    out, error = run("--project", str(project.pk), str(make_media("mp3")))
    assert error is not None
    assert "is archived; restore it before adding recordings" in out
    assert not AudioFile.objects.exists()


@pytest.mark.parametrize("project_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_unknown_project_is_an_error(db, project_id, make_media):
    _out, error = run("--project", project_id, str(make_media("mp3")))
    assert f"No project with id “{project_id}”." in str(error)


def test_unknown_user_is_an_error(project, make_media):
    _out, error = run("--project", str(project.pk), "--user", "who@x.org", str(make_media("mp3")))
    assert "No user with email “who@x.org”." in str(error)
