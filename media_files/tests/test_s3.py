"""The S3 path, against a real local S3 server (moto in server mode), not a mock object."""

import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from media_files.models import AudioFile
from media_files.services import audio_file_local_path, audio_file_open
from media_files.tests.conftest import BUCKET

pytestmark = pytest.mark.django_db


def bucket_keys(s3) -> list[str]:
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def test_upload_lands_in_the_bucket_under_the_seed_key(s3, make_media, upload):
    path = make_media("m4a")
    audio_file = upload(path, name="Webinar Q3.m4a")
    assert audio_file.file_path == f"audio/lecture/{audio_file.pk}-Webinar-Q3.m4a"
    stored = s3.get_object(Bucket=BUCKET, Key=audio_file.file_path)["Body"].read()
    assert stored == path.read_bytes()


def test_bad_input_leaves_nothing_in_the_bucket(s3, upload, tmp_path):
    before = bucket_keys(s3)
    text = tmp_path / "notes.mp3"
    text.write_text("not audio at all\n" * 100)
    with pytest.raises(ValidationError):
        upload(text)
    assert bucket_keys(s3) == before
    assert not AudioFile.objects.exists()


def test_failed_row_removes_the_uploaded_object(s3, make_media, upload, monkeypatch):
    import media_files.services as services

    before = bucket_keys(s3)

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "activity_record", broken)
    with pytest.raises(RuntimeError):
        upload(make_media("mp3"))
    assert bucket_keys(s3) == before


def test_stream_redirects_to_a_short_lived_presigned_url(s3, editor_client, make_media, upload):
    path = make_media("wav")
    audio_file = upload(path, name="lecture.wav")
    response = editor_client.get(reverse("media_files:stream", args=[audio_file.pk]))
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    url = response["Location"]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert query["X-Amz-Expires"] == ["120"]
    assert "X-Amz-Signature" in query
    assert query["response-content-type"] == ["audio/wav"]
    assert f"/{BUCKET}/{audio_file.file_path}" in urllib.parse.unquote(url)

    # The browser follows it and seeks with Range requests, which S3 answers itself.
    request = urllib.request.Request(url, headers={"Range": "bytes=10-19"})
    with urllib.request.urlopen(request, timeout=10) as reply:
        assert reply.status == 206
        assert reply.read() == path.read_bytes()[10:20]


def test_open_and_local_path_read_the_object(s3, make_media, upload):
    path = make_media("flac")
    audio_file = upload(path)
    with audio_file_open(audio_file) as fh:
        assert fh.read() == path.read_bytes()
    with audio_file_local_path(audio_file) as local:
        assert local.read_bytes() == path.read_bytes()
        assert local.suffix == ".flac"
        temp = Path(local)
    assert not temp.exists()  # the temporary copy is removed afterwards


def test_big_upload_goes_up_in_parts(s3, tmp_path, project, editor):
    """A file larger than boto3's multipart threshold (8 MB) is sent in parts, streamed.

    (Memory is measured on local storage, test_upload_service.py: here the in-process
    moto server's own copy of the object would be counted too.)"""
    from django.core.files import File

    from media_files.services import audio_file_upload
    from media_files.tests.media_factory import write_wav

    path = write_wav(tmp_path / "long.wav", seconds=400, rate=16000, silent=True)  # 12.8 MB
    with path.open("rb") as fh:
        audio_file = audio_file_upload(
            project=project, uploaded_file=File(fh, name="long.wav"), user=editor
        )
    head = s3.head_object(Bucket=BUCKET, Key=audio_file.file_path)
    assert head["ContentLength"] == path.stat().st_size
    assert "-" in head["ETag"]  # a multipart upload's ETag is "<md5>-<parts>"
