"""Installs are reproducible: the lock files pin every package (with hashes) within the ranges
of requirements*.in, and every make target installs what it needs from them."""

import re
import subprocess
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def ranges(path: Path) -> dict[str, Requirement]:
    """The requirements an .in file names (following -r includes, ignoring -c constraints)."""
    found: dict[str, Requirement] = {}
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("-c"):
            continue
        if line.startswith("-r"):
            found.update(ranges(path.parent / line.removeprefix("-r").strip()))
            continue
        requirement = Requirement(line)
        found[canonicalize_name(requirement.name)] = requirement
    return found


def pins(path: Path) -> dict[str, tuple[str, int]]:
    """{package: (version, number of hashes)} of a lock file."""
    text = path.read_text().replace("\\\n", " ")
    found: dict[str, tuple[str, int]] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = re.match(r"^([A-Za-z0-9_.\-\[\],]+)==(\S+)\s*(.*)$", line)
        assert match, f"{path.name}: not an exact pin: {line[:80]}"
        name = canonicalize_name(match.group(1).split("[")[0])
        found[name] = (match.group(2), match.group(3).count("--hash=sha256:"))
    return found


@pytest.mark.parametrize(
    ("source", "lock"),
    [("requirements.in", "requirements.txt"), ("requirements-dev.in", "requirements-dev.txt")],
)
def test_every_package_is_pinned_with_hashes_within_its_range(source, lock):
    wanted = ranges(ROOT / source)
    pinned = pins(ROOT / lock)
    for name, requirement in wanted.items():
        assert name in pinned, f"{name} is in {source} but not locked in {lock}: run make lock"
        version, _hashes = pinned[name]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{lock} pins {name}=={version}, outside {source}'s {requirement.specifier}"
        )
    assert all(hashes for _, hashes in pinned.values()), f"{lock} has a pin without a hash"


def test_the_dev_lock_keeps_the_runtime_pins():
    runtime = pins(ROOT / "requirements.txt")
    dev = pins(ROOT / "requirements-dev.txt")
    assert {name: dev[name][0] for name in runtime} == {
        name: version for name, (version, _) in runtime.items()
    }


def dry_run(target: str) -> str:
    """What `make <target>` would run on a machine where nothing is installed yet (-B)."""
    return subprocess.run(
        ["make", "-n", "-B", target], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.parametrize("target", ["run", "test", "bench", "lint", "migrate"])
def test_every_make_target_installs_what_it_needs_from_the_locks(target):
    commands = dry_run(target)
    assert "-m venv" in commands
    lock = "requirements.txt" if target in ("run", "migrate") else "requirements-dev.txt"
    assert f"install -q --require-hashes -r {lock}" in commands


@pytest.mark.parametrize("target", ["test", "bench"])
def test_targets_that_need_chromium_and_the_services_set_them_up(target):
    commands = dry_run(target)
    assert "apt-get install -y -qq chromium" in commands
    # What the browser tests drive when it is there (tests/chromium.py).
    assert "apt-get install -y -qq chromium-headless-shell" in commands
    assert "bin/services-up" in commands


def test_bench_installs_the_speech_tools_its_lectures_are_made_with():
    assert "apt-get install -y -qq espeak-ng sox" in dry_run("bench")
