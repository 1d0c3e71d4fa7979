"""The editor's ES modules are all preloaded by the page, so the browser fetches them at
once instead of one import level after another."""

import re
from pathlib import Path

import pytest

MODULES = Path(__file__).resolve().parents[1] / "static" / "documents" / "js"

pytestmark = pytest.mark.django_db


def test_the_editor_page_preloads_every_module_it_can_import(editor_client, transcription):
    html = editor_client.get(transcription.get_absolute_url()).content.decode()
    preloaded = set(re.findall(r'rel="modulepreload" href="/static/documents/js/([\w.-]+)"', html))
    assert preloaded == {path.name for path in MODULES.glob("*.js")}


def test_every_module_the_editor_imports_exists():
    for path in MODULES.glob("*.js"):
        for name in re.findall(r'^import .* from "\./([\w.-]+)";$', path.read_text(), re.M):
            assert (MODULES / name).exists(), f"{path.name} imports a missing {name}"
