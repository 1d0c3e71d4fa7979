"""audio_file_upload: content validation, storage keys, metadata, and bad input."""

import tracemalloc
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile

from accounts.models import Activity
from media_files.models import AudioFile
from media_files.services import audio_file_upload, file_name_check, safe_file_name
from media_files.tests import media_factory
from media_files.tests.conftest import stored_files

pytestmark = pytest.mark.django_db

FORMATS = [
    ("mp3", "audio"),
    ("m4a", "audio"),
    ("aac", "audio"),
    ("wav", "audio"),
    ("flac", "audio"),
    ("ogg", "audio"),
    ("opus", "audio"),
    ("webm", "audio"),
    ("mkv", "audio"),
    ("mp4", "video"),
    ("mov", "video"),
    ("video.webm", "video"),
]


@pytest.mark.parametrize(("kind", "file_type"), FORMATS)
def test_every_accepted_format_is_stored_with_its_facts(
    kind, file_type, make_media, upload, media_storage, editor, project
):
    path = make_media(kind, seconds=1.0)
    audio_file = upload(path, name=f"Dr Soto lecture.{kind.rsplit('.', 1)[-1]}")

    assert audio_file.file_type == file_type
    assert abs(audio_file.duration_seconds - Decimal("1.0")) < Decimal("0.1")
    assert audio_file.file_size_bytes == path.stat().st_size
    assert audio_file.uploaded_by == editor
    assert audio_file.file_name == f"Dr Soto lecture.{kind.rsplit('.', 1)[-1]}"
    # The seed's key scheme: audio/<project_type_slug>/<uuid>-<safe original name>
    ext = kind.rsplit(".", 1)[-1]
    assert audio_file.file_path == f"audio/lecture/{audio_file.pk}-Dr-Soto-lecture.{ext}"
    assert (media_storage / audio_file.file_path).read_bytes() == path.read_bytes()


def test_upload_is_recorded_in_the_audit_trail(make_media, upload, editor, project):
    audio_file = upload(make_media("mp3"))
    entry = Activity.objects.get(action="audio_file.upload", target_id=audio_file.pk)
    assert entry.actor == editor
    assert entry.project_id == project.pk
    assert entry.details["file_type"] == "audio"
    assert entry.details["file_size_bytes"] == audio_file.file_size_bytes


def test_cover_art_in_an_mp3_does_not_make_it_a_video(tmp_path, upload):
    path = media_factory.write_mp3_with_cover(tmp_path / "with-cover.mp3")
    assert upload(path).file_type == "audio"


def test_content_decides_not_the_extension(make_media, upload):
    """A WAV named .mp3 is still a recording; it keeps its name, and is stored (so served
    and downloaded) as what it is."""
    audio_file = upload(make_media("wav"), name="actually-wav.mp3")
    assert audio_file.file_type == "audio"
    assert audio_file.file_name == "actually-wav.mp3"
    assert audio_file.file_path.endswith("-actually-wav.wav")


def test_a_fitting_extension_of_the_name_is_kept(make_media, upload):
    assert upload(make_media("mov"), name="talk.mov").file_path.endswith("-talk.mov")
    assert upload(make_media("m4a"), name="talk.mp4").file_path.endswith("-talk.mp4")
    assert upload(make_media("opus"), name="talk.opus").file_path.endswith("-talk.opus")
    assert upload(make_media("mp4"), name="video.m4a").file_path.endswith("-video.mp4")


def test_a_name_without_a_media_extension_gets_one_from_the_content(make_media, upload):
    audio_file = upload(make_media("m4a"), name="interview final")
    assert audio_file.file_name == "interview final"
    assert audio_file.file_path.endswith("-interview-final.m4a")


def test_an_in_memory_upload_is_probed_from_memory(make_media, project, editor, media_storage):
    data = make_media("flac").read_bytes()
    upload = SimpleUploadedFile("small.flac", data, content_type="audio/flac")
    audio_file = audio_file_upload(project=project, uploaded_file=upload, user=editor)
    assert (media_storage / audio_file.file_path).read_bytes() == data


# -- bad input: a clear message, no row, no file ---------------------------------------


def _assert_refused(excinfo, *fragments):
    message = " ".join(excinfo.value.messages)
    for fragment in fragments:
        assert fragment in message, message
    assert AudioFile.objects.count() == 0
    assert not Activity.objects.filter(action="audio_file.upload").exists()


@pytest.fixture
def bad_file(tmp_path):
    def make(name: str, content: bytes) -> Path:
        path = tmp_path / "bad-input"
        path.write_bytes(content)
        return path

    return make


def test_empty_file_is_refused(bad_file, upload, media_storage):
    with pytest.raises(ValidationError) as excinfo:
        upload(bad_file("x", b""), name="empty.mp3")
    _assert_refused(excinfo, "“empty.mp3” is empty")
    assert stored_files(media_storage) == []


def test_text_file_named_mp3_is_refused(bad_file, upload, media_storage):
    with pytest.raises(ValidationError) as excinfo:
        upload(bad_file("x", b"Meeting notes, not audio.\n" * 200), name="notes.mp3")
    _assert_refused(excinfo, "“notes.mp3” is not an audio or video file we can read")
    assert stored_files(media_storage) == []


def test_executable_named_mp3_is_refused(bad_file, upload, media_storage):
    elf = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + bytes(range(256)) * 8
    with pytest.raises(ValidationError) as excinfo:
        upload(bad_file("x", elf), name="setup.mp3")
    _assert_refused(excinfo, "“setup.mp3” is not an audio or video file")
    assert stored_files(media_storage) == []


def test_video_without_an_audio_track_is_refused(make_media, upload, media_storage):
    with pytest.raises(ValidationError) as excinfo:
        upload(make_media("mp4", audio=False), name="silent-film.mp4")
    _assert_refused(excinfo, "“silent-film.mp4” has no audio track")
    assert stored_files(media_storage) == []


def test_truncated_file_is_refused(make_media, bad_file, upload, media_storage):
    cut = make_media("mp3").read_bytes()[:120]
    with pytest.raises(ValidationError) as excinfo:
        upload(bad_file("x", cut), name="cut.mp3")
    _assert_refused(excinfo, "“cut.mp3”")
    assert stored_files(media_storage) == []


def test_file_over_the_size_limit_is_refused(settings, make_media, upload, media_storage):
    path = make_media("wav")
    settings.MAX_UPLOAD_BYTES = path.stat().st_size - 1
    with pytest.raises(ValidationError) as excinfo:
        upload(path, name="long.wav")
    _assert_refused(excinfo, "“long.wav” is 31.3\xa0KB; the upload limit is 31.3\xa0KB")
    assert stored_files(media_storage) == []


def test_file_exactly_at_the_limit_is_accepted(settings, make_media, upload):
    path = make_media("wav")
    settings.MAX_UPLOAD_BYTES = path.stat().st_size
    assert upload(path).file_size_bytes == settings.MAX_UPLOAD_BYTES


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("../../etc/passwd.mp3", "may not contain “/”"),
        ("..\\..\\boot.ini.mp3", "may not contain “/”"),
        ("lectures/part1.mp3", "may not contain “/”"),
        ("..", "be “..”"),
        ("bad\x00name.mp3", "control characters"),
        ("line\nbreak.mp3", "control characters"),
        ("bell\x07.mp3", "control characters"),
        ("invoice\u202egpj.mp3", "control characters"),
        ("é" * 252 + ".mp3", "too long (256 characters; at most 255)"),
        ("   ", "has no name"),
    ],
)
def test_unsafe_names_are_refused(name, fragment, make_media, upload, media_storage):
    with pytest.raises(ValidationError) as excinfo:
        upload(make_media("mp3"), name=name)
    _assert_refused(excinfo, fragment)
    assert stored_files(media_storage) == []


def test_long_unicode_name_within_the_limit_is_kept_and_its_key_shortened(make_media, upload):
    name = "歯内療法の講義" * 30 + ".mp3"  # 214 characters, 634 bytes in UTF-8
    audio_file = upload(make_media("mp3"), name=name)
    assert audio_file.file_name == name
    basename = audio_file.file_path.rsplit("/", 1)[1]
    assert len(basename.encode()) <= 200
    assert basename.endswith(".mp3") and "歯内療法" in basename


def test_unicode_letters_and_marks_survive_in_keys():
    assert safe_file_name("नमस्ते डॉक्टर.mp3", ext="mp3") == "नमस्ते-डॉक्टर.mp3"
    assert safe_file_name("Endo: 101 (final)!.WAV", ext="wav") == "Endo-101-final.wav"
    assert safe_file_name("....mp3", ext="mp3") == "recording.mp3"
    assert safe_file_name(".hidden.mp3", ext="mp3") == "hidden.mp3"


def test_names_are_normalised():
    assert file_name_check("  Cafe\u0301.mp3 ") == "Café.mp3"


def test_archived_project_refuses_uploads(make_media, upload, project, editor, media_storage):
    from projects.services import project_archive

    project_archive(project=project, user=editor)
    project.refresh_from_db()
    with pytest.raises(ValidationError) as excinfo:
        upload(make_media("mp3"))
    _assert_refused(excinfo, "“Endodontics 101” is archived; restore it")
    assert stored_files(media_storage) == []


def test_archived_project_type_refuses_uploads(make_media, upload, project, media_storage):
    project.project_type.archived = True
    project.project_type.save()
    with pytest.raises(ValidationError) as excinfo:
        upload(make_media("mp3"))
    _assert_refused(excinfo, "project type “Lecture” is archived")
    assert stored_files(media_storage) == []


def test_file_is_removed_when_the_row_cannot_be_saved(
    make_media, upload, media_storage, monkeypatch
):
    """A failure after the file is stored (here: the audit insert) leaves no orphan."""
    import media_files.services as services

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "activity_record", broken)
    with pytest.raises(RuntimeError):
        upload(make_media("mp3"))
    assert AudioFile.objects.count() == 0
    assert stored_files(media_storage) == []


def test_project_archived_while_the_file_was_stored_refuses_and_cleans_up(
    make_media, upload, project, media_storage, monkeypatch
):
    from django.core.files.storage import FileSystemStorage

    from projects.models import Project

    real_save = FileSystemStorage.save

    def save_then_archive(self, name, content, max_length=None):
        stored = real_save(self, name, content, max_length=max_length)
        Project.objects.filter(pk=project.pk).update(archived=True)
        return stored

    monkeypatch.setattr(FileSystemStorage, "save", save_then_archive)
    with pytest.raises(ValidationError, match="is archived"):
        upload(make_media("mp3"))
    assert AudioFile.objects.count() == 0
    assert stored_files(media_storage) == []


# -- large files stream ---------------------------------------------------------------


def test_large_file_is_copied_in_chunks_not_held_in_memory(tmp_path, project, editor):
    path = media_factory.write_wav(tmp_path / "long.wav", seconds=1200, rate=16000, silent=True)
    size = path.stat().st_size  # 38.4 MB
    tracemalloc.start()
    try:
        with path.open("rb") as fh:
            audio_file = audio_file_upload(
                project=project, uploaded_file=File(fh, name="long.wav"), user=editor
            )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert audio_file.file_size_bytes == size
    assert audio_file.duration_seconds == Decimal("1200.000")
    assert peak < 8 * 1024 * 1024, f"peak Python memory {peak / 1e6:.1f} MB for {size / 1e6} MB"


def test_spooled_upload_is_moved_into_storage(make_media, project, editor, media_storage):
    data = make_media("m4a").read_bytes()
    spooled = TemporaryUploadedFile("spooled.m4a", "audio/mp4", len(data), None)
    spooled.write(data)
    spooled.seek(0)
    temp_path = spooled.temporary_file_path()
    audio_file = audio_file_upload(project=project, uploaded_file=spooled, user=editor)
    spooled.close()
    assert (media_storage / audio_file.file_path).read_bytes() == data
    assert not Path(temp_path).exists()


# -- handing over to the transcription pipeline ----------------------------------------


def test_upload_starts_transcription_when_the_pipeline_offers_it(
    settings, make_media, upload, django_capture_on_commit_callbacks
):
    from jobs.models import Job

    settings.TRANSCRIBE_AFTER_UPLOAD = True
    with django_capture_on_commit_callbacks(execute=False):
        audio_file = upload(make_media("mp3"))
    assert Job.for_target(audio_file, "transcribe").count() == 1


def test_a_failing_pipeline_never_undoes_the_upload(make_media, upload, monkeypatch, caplog):
    from transcripts import receivers

    def broken(**kwargs):
        raise RuntimeError("queue is down")

    monkeypatch.setattr(receivers, "transcription_start_after_upload", broken)
    audio_file = upload(make_media("mp3"))
    assert AudioFile.objects.filter(pk=audio_file.pk).exists()
    assert "Could not start transcription" in caplog.text


# -- reading back (the transcription pipeline's entry points) --------------------------


def test_open_and_local_path_on_local_storage(make_media, upload, media_storage):
    from media_files.services import audio_file_local_path, audio_file_open

    path = make_media("opus")
    audio_file = upload(path)
    with audio_file_open(audio_file) as fh:
        assert fh.read() == path.read_bytes()
    with audio_file_local_path(audio_file) as local:
        assert local == media_storage / audio_file.file_path  # the file itself, no copy
        assert local.read_bytes() == path.read_bytes()


def test_a_file_missing_from_storage_is_a_clear_permanent_error(make_media, upload, media_storage):
    from integrations.errors import PermanentError
    from media_files.services import audio_file_local_path

    audio_file = upload(make_media("mp3"))
    (media_storage / audio_file.file_path).unlink()
    with (
        pytest.raises(PermanentError, match="missing from storage"),
        audio_file_local_path(audio_file),
    ):
        pass


# -- work per upload: what the file really holds, its length, its sample rate ------------------


@pytest.mark.parametrize(
    ("kind", "claimed", "says"),
    [
        ("video.webm", 10**12, "277,777,777 hours"),  # was a 500 (numeric overflow)
        ("mkv", 1000 * 3600, "1,000 hours"),  # was accepted as 1,000 hours
    ],
)
def test_a_header_claiming_far_more_than_the_audio_holds_is_refused(
    kind, claimed, says, make_media, tmp_path, upload, media_storage
):
    real = make_media(kind, seconds=5.0)
    lying = media_factory.claim_duration(real, tmp_path / f"claims.{real.suffix}", seconds=claimed)
    with pytest.raises(ValidationError) as excinfo:
        upload(lying, name=f"talk{real.suffix}")
    _assert_refused(excinfo, f"says it is {says} long, but its audio stops at 0:05", "cut off")
    assert stored_files(media_storage) == []


def test_a_truncated_mp3_is_refused_at_upload_not_failed_later(make_media, bad_file, upload):
    whole = make_media("mp3", seconds=60.0).read_bytes()
    # The first third: the header (Xing) still says a minute.
    with pytest.raises(ValidationError) as excinfo:
        upload(bad_file("x", whole[: len(whole) // 3]), name="lecture.mp3")
    _assert_refused(excinfo, "“lecture.mp3” says it is 1:00 long, but its audio stops at 0:19")


def test_a_header_that_says_less_than_the_audio_holds_gives_way_to_the_audio(
    make_media, tmp_path, upload
):
    real = make_media("mkv", seconds=30.0)
    short = media_factory.claim_duration(real, tmp_path / "short.mkv", seconds=3)
    audio_file = upload(short, name="short.mkv")
    assert abs(audio_file.duration_seconds - Decimal("30")) < Decimal("0.1")


def test_a_recording_at_1_hz_is_refused(tmp_path, upload, media_storage):
    # 100 KB that would be 13.9 hours of audio for a per-minute-billed engine.
    path = media_factory.write_wav(tmp_path / "tiny.wav", seconds=50_000, rate=1)
    with pytest.raises(ValidationError) as excinfo:
        upload(path, name="tiny.wav")
    _assert_refused(excinfo, "“tiny.wav” is recorded at 1 Hz; speech needs at least 8,000 Hz")
    assert stored_files(media_storage) == []


def test_8_khz_telephone_audio_is_accepted(tmp_path, upload):
    path = media_factory.write_wav(tmp_path / "phone.wav", seconds=2, rate=8000)
    assert upload(path).duration_seconds == Decimal("2.000")


def test_the_longest_recording_is_six_hours_by_default_and_a_setting(
    settings, tmp_path, upload, media_storage
):
    from max_site import settings as defaults

    assert defaults.MAX_RECORDING_SECONDS == 6 * 3600
    settings.MAX_RECORDING_SECONDS = 60
    at_limit = media_factory.write_wav(tmp_path / "minute.wav", seconds=60, rate=8000)
    assert upload(at_limit).duration_seconds == Decimal("60.000")
    over = media_factory.write_wav(tmp_path / "over.wav", seconds=61, rate=8000)
    with pytest.raises(ValidationError) as excinfo:
        upload(over, name="over.wav")
    message = " ".join(excinfo.value.messages)
    assert "“over.wav” is 1:01 long; recordings can be at most 1:00" in message
    assert AudioFile.objects.count() == 1  # only the first
