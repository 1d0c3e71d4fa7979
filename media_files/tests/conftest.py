"""Fixtures for recordings: isolated storage, real media files, Sonix and S3 servers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from media_files.tests import media_factory
from tests.factories import ProjectFactory, ProjectTypeFactory

BUCKET = "max-audio"


@pytest.fixture(autouse=True)
def media_storage(settings, tmp_path):
    """Each test writes its recordings to its own folder (local storage)."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    return root


@pytest.fixture(autouse=True)
def _no_auto_transcription(settings):
    # Uploads would otherwise queue a (real, eager) transcription job on commit.
    settings.TRANSCRIBE_AFTER_UPLOAD = False


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("media-fixtures")


@pytest.fixture(scope="session")
def make_media(media_dir):
    """make_media("m4a", seconds=1.0) → path of a real encoded file (cached per session)."""
    cache: dict[tuple, Path] = {}

    def make(kind: str, *, seconds: float = 1.0, audio: bool = True) -> Path:
        key = (kind, seconds, audio)
        if key not in cache:
            ext = kind.rsplit(".", 1)[-1]
            name = f"{kind.replace('.', '-')}-{seconds}-{'a' if audio else 'na'}.{ext}"
            cache[key] = media_factory.write_media(
                media_dir / name, kind, seconds=seconds, audio=audio
            )
        return cache[key]

    return make


@pytest.fixture
def lecture_type(db):
    return ProjectTypeFactory(slug="lecture")


@pytest.fixture
def project(editor, lecture_type):
    return ProjectFactory(created_by=editor, project_type=lecture_type, spring_series=True)


@pytest.fixture
def upload(project, editor):
    """upload(path_or_bytes, name=…) through the real service, from a file on disk."""
    from django.core.files import File

    from media_files.services import audio_file_upload

    def do(path: Path, *, name: str | None = None, into=None, user=None):
        with open(path, "rb") as fh:
            return audio_file_upload(
                project=into or project,
                uploaded_file=File(fh, name=name or path.name),
                user=user or editor,
            )

    return do


def stored_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.fixture(scope="session")
def moto_endpoint():
    """A real local S3 (moto in server mode) with the bucket created."""
    import boto3
    from moto.server import ThreadedMotoServer

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_bucket(Bucket=BUCKET)
    client.close()
    yield endpoint
    server.stop()


@pytest.fixture
def s3(settings, moto_endpoint):
    """Default storage switched to S3 (django-storages) on the local moto server."""
    import boto3

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": moto_endpoint,
                "region_name": "us-east-1",
                "access_key": "testing",
                "secret_key": "testing",
                "default_acl": None,
                "querystring_auth": True,
                "querystring_expire": 120,
                "file_overwrite": False,
                "signature_version": "s3v4",
                "addressing_style": "path",
            },
        },
    }
    client = boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    yield client
    client.close()
