"""The recording page and the upload form in headless Chromium."""

import os

import pytest
from django.core.files import File
from playwright.sync_api import expect

from media_files.models import AudioFile
from media_files.services import audio_file_upload
from media_files.tests import media_factory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, user):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", "editor-pass-123")
    page.click("button[type=submit]")
    expect(page.get_by_role("heading", name="Projects")).to_be_visible()


def test_player_loads_and_seeks_with_range_requests(page, editor, project, tmp_path):
    # Ten minutes of 8 kHz audio (9.6 MB): seeking far in needs a byte range from the server.
    path = media_factory.write_wav(tmp_path / "long lecture.wav", seconds=600, silent=True)
    with path.open("rb") as fh:
        audio_file = audio_file_upload(
            project=project, uploaded_file=File(fh, name=path.name), user=editor
        )
    ranges = []
    page.on(
        "response",
        lambda r: (
            ranges.append((r.request.headers.get("range"), r.status, r.headers))
            if "/stream/" in r.url
            else None
        ),
    )
    log_in(page, editor)
    page.goto(audio_file.get_absolute_url())

    player = page.locator("#player[data-player]")
    expect(player).to_be_attached()
    page.wait_for_function(
        "() => document.getElementById('player').readyState >= 1", timeout=15_000
    )
    duration = page.evaluate("document.getElementById('player').duration")
    assert 599 < duration < 601
    # The browser offers seeking across the whole file only when ranges work.
    assert page.evaluate("document.getElementById('player').seekable.end(0)") > 599

    page.evaluate(
        """() => new Promise((resolve) => {
            const player = document.getElementById('player');
            player.addEventListener('seeked', resolve, { once: true });
            player.currentTime = 480;
        })"""
    )
    page.wait_for_function(
        "() => document.getElementById('player').readyState >= 2", timeout=15_000
    )
    assert abs(page.evaluate("document.getElementById('player').currentTime") - 480) < 0.5

    partial = [(rng, headers) for rng, status, headers in ranges if status == 206]
    assert partial, ranges
    far = [
        headers["content-range"]
        for rng, headers in partial
        if rng and int(rng.removeprefix("bytes=").split("-")[0]) > 7_000_000
    ]
    # 480 s into 8 kHz 16-bit mono is byte 7 680 044: the seek fetched from there.
    assert far, [rng for rng, _ in partial]
    assert far[0].endswith(f"/{path.stat().st_size}")


def test_several_files_upload_with_a_progress_bar_each(page, editor, project, make_media, tmp_path):
    text = tmp_path / "notes.mp3"
    text.write_text("not audio\n" * 100)
    files = [str(make_media("mp3")), str(make_media("mp4")), str(text)]
    posts = []
    page.on(
        "request",
        lambda r: posts.append(r.url) if r.method == "POST" and "/media/upload/" in r.url else None,
    )
    log_in(page, editor)
    page.goto(project.get_absolute_url())
    expect(page.locator("#media-list")).to_contain_text("No recordings yet.")

    page.set_input_files("#upload-files", files)
    page.get_by_role("button", name="Upload").click()

    items = page.locator("[data-upload-item]")
    expect(items).to_have_count(3)
    expect(items.nth(0)).to_have_class("upload__item upload__item--done")
    expect(items.nth(1)).to_have_class("upload__item upload__item--done")
    expect(items.nth(2)).to_have_class("upload__item upload__item--failed")
    expect(items.nth(0).locator("progress")).to_have_attribute("value", "100")
    expect(items.nth(2).get_by_role("alert")).to_contain_text(
        "“notes.mp3” is not an audio or video file we can read"
    )
    expect(items.nth(0).get_by_role("link", name="Open")).to_be_visible()
    assert len(posts) == 3  # one request per file

    # The list below refreshes without a reload.
    expect(page.locator("#media-list")).to_contain_text("Recordings (2)")
    names = set(AudioFile.objects.values_list("file_name", flat=True))
    assert names == {os.path.basename(files[0]), os.path.basename(files[1])}
    for name in names:
        expect(page.locator("#media-list")).to_contain_text(name)
