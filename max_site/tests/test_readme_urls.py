"""The README's table of pages names addresses that exist: a page that moves takes its row."""

import re
import uuid
from pathlib import Path

import pytest
from django.urls import Resolver404, resolve

README = Path(__file__).resolve().parents[2] / "README.md"


def _page_table_paths() -> list[str]:
    text = README.read_text(encoding="utf-8")
    table = text.split("## What editors do (and where)", 1)[1].split("\n## ", 1)[0]
    paths = []
    for row in table.splitlines():
        cells = row.split("|")
        if len(cells) < 3:
            continue
        paths += re.findall(r"`(/[^`]*)`", cells[-2])
    return paths


def test_the_table_lists_pages():
    assert len(_page_table_paths()) >= 10


@pytest.mark.parametrize("path", _page_table_paths())
def test_each_page_in_the_table_resolves(path):
    concrete = path.replace("<id>", str(uuid.uuid4())).split("?", 1)[0]
    try:
        resolve(concrete)
    except Resolver404:
        pytest.fail(f"README names {path}, which no URL pattern serves")
