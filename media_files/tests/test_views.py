"""Upload page, recording page and the streaming view (local storage)."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import Activity
from media_files.models import AudioFile
from media_files.tests.conftest import stored_files

pytestmark = pytest.mark.django_db


def upload_url(project):
    return reverse("media_files:upload", args=[project.pk])


def as_upload(path, name=None, content_type="application/octet-stream"):
    return SimpleUploadedFile(name or path.name, path.read_bytes(), content_type=content_type)


# -- upload -------------------------------------------------------------------------


def test_upload_page_offers_a_multiple_file_input(editor_client, project):
    response = editor_client.get(upload_url(project))
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<input type="file"[^>]*name="files"[^>]*multiple', html)
    assert 'enctype="multipart/form-data"' in html
    assert "js/upload.js" in html


def test_plain_form_post_uploads_several_files_and_reports_each(
    editor_client, project, make_media, media_storage
):
    response = editor_client.post(
        upload_url(project),
        {
            "files": [
                as_upload(make_media("mp3"), "one.mp3"),
                as_upload(make_media("mp4"), "two.mp4"),
                SimpleUploadedFile("notes.mp3", b"just some text\n" * 100),
            ]
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == project.get_absolute_url()
    messages = [str(m) for m in response.context["messages"]]
    assert "Uploaded “one.mp3”." in messages
    assert "Uploaded “two.mp4”." in messages
    assert any("“notes.mp3” is not an audio or video file" in m for m in messages)
    files = {a.file_name: a for a in AudioFile.objects.all()}
    assert set(files) == {"one.mp3", "two.mp4"}
    assert files["two.mp4"].file_type == "video"
    assert len(stored_files(media_storage)) == 2
    html = response.content.decode()
    assert "one.mp3" in html and "two.mp4" in html  # listed on the project page


def test_script_upload_gets_json_per_file(editor_client, project, make_media):
    ok = editor_client.post(
        upload_url(project),
        {"files": as_upload(make_media("wav"), "take 1.wav")},
        headers={"accept": "application/json"},
    )
    assert ok.status_code == 200
    (result,) = ok.json()["results"]
    audio_file = AudioFile.objects.get()
    assert result == {
        "name": "take 1.wav",
        "ok": True,
        "id": str(audio_file.pk),
        "url": audio_file.get_absolute_url(),
        "file_type": "audio",
        "duration_seconds": 1.0,
        "file_size_bytes": audio_file.file_size_bytes,
    }

    bad = editor_client.post(
        upload_url(project),
        {"files": SimpleUploadedFile("empty.m4a", b"")},
        headers={"accept": "application/json"},
    )
    assert bad.status_code == 400
    assert bad.json()["results"] == [
        {"name": "empty.m4a", "ok": False, "error": "“empty.m4a” is empty (0 bytes)."}
    ]


def test_a_file_claiming_a_trillion_seconds_is_a_message_not_a_500(
    editor_client, project, make_media, tmp_path
):
    from media_files.tests import media_factory

    lying = media_factory.claim_duration(
        make_media("video.webm", seconds=5.0), tmp_path / "lying.webm", seconds=10**12
    )
    response = editor_client.post(
        upload_url(project),
        {"files": as_upload(lying, "keynote.webm")},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 400
    (result,) = response.json()["results"]
    assert result["ok"] is False
    assert "“keynote.webm” says it is 277,777,777 hours long" in result["error"]
    assert not AudioFile.objects.exists()


def test_posting_no_file_says_so(editor_client, project):
    response = editor_client.post(upload_url(project), {}, follow=True)
    assert "Choose at least one file to upload." in [str(m) for m in response.context["messages"]]


def test_oversize_file_is_refused_while_it_arrives(
    settings, editor_client, project, make_media, media_storage, tmp_path
):
    """The size-limit handler drops the file mid-stream: nothing spooled, nothing stored."""
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1000  # spool to disk, as big uploads do
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "spool")
    (tmp_path / "spool").mkdir()
    small = make_media("mp3")
    big = make_media("wav", seconds=2.0)
    settings.MAX_UPLOAD_BYTES = big.stat().st_size - 10
    response = editor_client.post(
        upload_url(project),
        {"files": [as_upload(big, "big.wav"), as_upload(small, "small.mp3")]},
        headers={"accept": "application/json"},
    )
    results = response.json()["results"]
    assert response.status_code == 400, results
    assert results[0]["name"] == "big.wav" and not results[0]["ok"]
    assert "“big.wav” is larger than the" in results[0]["error"]
    assert results[1]["name"] == "small.mp3" and results[1]["ok"]
    assert [a.file_name for a in AudioFile.objects.all()] == ["small.mp3"]
    assert len(stored_files(media_storage)) == 1
    assert list((tmp_path / "spool").iterdir()) == []


def test_a_path_in_the_multipart_filename_is_stripped(editor_client, project, make_media):
    response = editor_client.post(
        upload_url(project),
        {"files": as_upload(make_media("mp3"), "../../../etc/evil.mp3")},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 200
    audio_file = AudioFile.objects.get()
    assert audio_file.file_name == "evil.mp3"
    assert audio_file.file_path == f"audio/lecture/{audio_file.pk}-evil.mp3"


def test_upload_into_an_archived_project_is_refused(editor_client, project, editor, make_media):
    from projects.services import project_archive

    project_archive(project=project, user=editor)
    response = editor_client.post(
        upload_url(project),
        {"files": as_upload(make_media("mp3"))},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 400
    assert (
        "is archived; restore it before adding recordings" in response.json()["results"][0]["error"]
    )
    assert not AudioFile.objects.exists()


def test_upload_needs_a_csrf_token(editor, project, make_media):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    response = client.post(upload_url(project), {"files": as_upload(make_media("mp3"))})
    assert response.status_code == 403
    assert not AudioFile.objects.exists()


def test_anonymous_users_cannot_upload_or_stream(client, project, make_media, upload):
    audio_file = upload(make_media("mp3"))
    for url in (upload_url(project), reverse("media_files:stream", args=[audio_file.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


# -- the recording page ---------------------------------------------------------------


def test_recording_page_has_the_player_and_the_transcription_panel(
    editor_client, make_media, upload
):
    audio_file = upload(make_media("m4a"), name="Lecture 7.m4a")
    response = editor_client.get(audio_file.get_absolute_url())
    html = response.content.decode()
    stream_url = reverse("media_files:stream", args=[audio_file.pk])
    assert response.status_code == 200
    assert re.search(rf'<audio id="player" data-player [^>]*src="{stream_url}"', html)
    assert 'id="transcription-panel"' in html
    assert "Lecture 7.m4a" in html and "0:01" in html and "Erin Editor" in html


def test_video_plays_in_a_video_element(editor_client, make_media, upload):
    audio_file = upload(make_media("mp4"))
    html = editor_client.get(audio_file.get_absolute_url()).content.decode()
    assert re.search(r'<video id="player" data-player ', html)


def test_archive_and_restore_a_recording(editor_client, editor, make_media, upload, project):
    audio_file = upload(make_media("mp3"))
    response = editor_client.post(reverse("media_files:archive", args=[audio_file.pk]))
    assert response.status_code == 302
    audio_file.refresh_from_db()
    assert audio_file.archived
    page = editor_client.get(project.get_absolute_url()).content.decode()
    assert f'data-audio-file="{audio_file.pk}"' not in page
    assert "Show 1 archived" in page
    page = editor_client.get(project.get_absolute_url() + "?archived=1").content.decode()
    assert f'data-audio-file="{audio_file.pk}"' in page

    editor_client.post(reverse("media_files:restore", args=[audio_file.pk]))
    audio_file.refresh_from_db()
    assert not audio_file.archived
    actions = list(
        Activity.objects.filter(target_id=audio_file.pk).values_list("action", flat=True)
    )
    assert {"audiofile.archive", "audiofile.restore"} <= set(actions)


def test_archive_needs_post(editor_client, make_media, upload):
    audio_file = upload(make_media("mp3"))
    url = reverse("media_files:archive", args=[audio_file.pk])
    assert editor_client.get(url).status_code == 405


# -- streaming with HTTP Range ---------------------------------------------------------


@pytest.fixture
def stored(make_media, upload):
    path = make_media("wav", seconds=2.0)
    audio_file = upload(path, name="range test.wav")
    return audio_file, path.read_bytes()


def stream(client, audio_file, **headers):
    return client.get(reverse("media_files:stream", args=[audio_file.pk]), headers=headers)


def body(response):
    return b"".join(response.streaming_content)


def test_whole_file_is_200_with_accept_ranges(editor_client, stored):
    audio_file, data = stored
    response = stream(editor_client, audio_file)
    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Length"] == str(len(data))
    assert response["Content-Type"] == "audio/wav"
    assert response["Content-Disposition"] == 'inline; filename="range test.wav"'
    assert "private" in response["Cache-Control"]
    assert body(response) == data


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=1000-1999", 1000, 1999),
        ("bytes=1000-", 1000, None),
        ("bytes=-500", -500, None),
        ("bytes=60000-999999", 60000, None),  # end past the file is clamped
    ],
)
def test_range_requests_get_206_with_content_range(editor_client, stored, header, start, end):
    audio_file, data = stored
    size = len(data)
    first = start if start >= 0 else size + start
    last = end if end is not None else size - 1
    response = stream(editor_client, audio_file, range=header)
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {first}-{last}/{size}"
    assert response["Content-Length"] == str(last - first + 1)
    assert body(response) == data[first : last + 1]


@pytest.mark.parametrize("header", ["bytes=999999-", "bytes={size}-{size}", "bytes=-0"])
def test_unsatisfiable_ranges_get_416(editor_client, stored, header):
    audio_file, data = stored
    response = stream(editor_client, audio_file, range=header.format(size=len(data)))
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(data)}"


@pytest.mark.parametrize("header", ["items=0-5", "bytes=5-2", "bytes=0-1,4-5", "bytes=x-"])
def test_ranges_we_do_not_serve_fall_back_to_the_whole_file(editor_client, stored, header):
    audio_file, data = stored
    response = stream(editor_client, audio_file, range=header)
    assert response.status_code == 200
    assert body(response) == data


def test_if_range_with_a_stale_etag_sends_the_whole_file(editor_client, stored):
    audio_file, data = stored
    fresh = stream(editor_client, audio_file)
    etag = fresh["ETag"]
    body(fresh)
    matching = stream(editor_client, audio_file, range="bytes=0-9", if_range=etag)
    assert matching.status_code == 206
    assert body(matching) == data[:10]
    stale = stream(editor_client, audio_file, range="bytes=0-9", if_range='"old"')
    assert stale.status_code == 200
    assert body(stale) == data


def test_head_answers_headers_only(editor_client, stored):
    audio_file, _data = stored
    response = editor_client.head(
        reverse("media_files:stream", args=[audio_file.pk]), headers={"range": "bytes=0-9"}
    )
    assert response.status_code == 206
    assert response["Content-Length"] == "10"
    assert response.content == b""


def test_download_link_is_an_attachment(editor_client, stored):
    audio_file, data = stored
    response = editor_client.get(
        reverse("media_files:stream", args=[audio_file.pk]) + "?download=1"
    )
    assert response["Content-Disposition"] == 'attachment; filename="range test.wav"'
    assert body(response) == data


def test_a_download_is_named_by_what_the_file_is(editor_client, make_media, upload):
    audio_file = upload(make_media("wav"), name="Lecture 3.mp3")  # a WAV, named .mp3
    response = editor_client.get(
        reverse("media_files:stream", args=[audio_file.pk]) + "?download=1"
    )
    assert response["Content-Disposition"] == 'attachment; filename="Lecture 3.wav"'
    assert response["Content-Type"] == "audio/wav"
    body(response)


@pytest.mark.parametrize(
    ("stored_name", "downloaded"),
    [
        ("invoice\u202egnp.exe", "invoicegnp.exe.wav"),  # shows as "invoiceexe.png"
        ("\u2067talk\u2069.wav", "talk.wav"),
        ("a/b\\c.wav", "a-b-c.wav"),
        ("\u200b", "recording.wav"),
    ],
)
def test_download_names_lose_invisible_and_direction_characters(
    editor_client, stored, stored_name, downloaded
):
    """Names older than the upload check, or set elsewhere, are cleaned when served."""
    audio_file, _ = stored
    AudioFile.objects.filter(pk=audio_file.pk).update(file_name=stored_name)
    response = editor_client.get(
        reverse("media_files:stream", args=[audio_file.pk]) + "?download=1"
    )
    disposition = response["Content-Disposition"]
    assert disposition in (
        f'attachment; filename="{downloaded}"',
        f"attachment; filename*=utf-8''{downloaded}",
    )
    body(response)


def test_missing_file_is_404(editor_client, stored, media_storage):
    audio_file, _ = stored
    (media_storage / audio_file.file_path).unlink()
    assert stream(editor_client, audio_file).status_code == 404


def test_file_names_are_escaped_everywhere(editor_client, project, make_media, upload):
    audio_file = upload(make_media("mp3"), name='<img src=x onerror="alert(1)">.mp3')
    for url in (project.get_absolute_url(), audio_file.get_absolute_url()):
        html = editor_client.get(url).content.decode()
        assert "<img src=x" not in html
        assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;.mp3" in html
