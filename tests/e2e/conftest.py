"""Start Max the way `make run` does (web + real Celery worker, embedded defaults) for a browser.

`running_max` runs `manage.py migrate`, `manage.py demo_data` and `bin/run-dev` (what
`make run` runs) with a scratch MAX_VAR_DIR: SQLite, local files, Celery's filesystem
broker, offline engines. The browser is pytest-playwright's session `browser` (one
Playwright per test process: a second `sync_playwright()` beside the plugin's would
refuse to start). When a test using `running_max` fails, the tail of the app's log is
added to the report.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests import chromium

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
E2E_EMAIL = "journey@example.com"
E2E_PASSWORD = "journey-pass-2026"
SIGN_IN = f"as {E2E_EMAIL} / {E2E_PASSWORD}"
START_TIMEOUT = 90
LOG_TAIL_LINES = 80


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return "(no log written)"
    return "\n".join(text.splitlines()[-lines:])


def _wait_until_up(process: subprocess.Popen, url: str, log: Path) -> str:
    """The web server answers, the Celery worker says it is ready and bin/run-dev has printed
    the sign-in line (or fail with the log). Returns what was printed until a moment after
    the sign-in line."""
    deadline = time.monotonic() + START_TIMEOUT
    web_up = worker_up = signed = False
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"bin/run-dev exited with {process.returncode}:\n{log_tail(log)}")
        if not web_up:
            try:
                with urllib.request.urlopen(url, timeout=2):
                    web_up = True
            except OSError:
                pass
        printed = log.read_text(errors="replace")
        worker_up = worker_up or re.search(r"celery@\S+ ready\.", printed) is not None
        signed = signed or SIGN_IN in printed
        if web_up and worker_up and signed:
            time.sleep(1.5)  # whatever start-up still prints would come now
            return log.read_text(errors="replace")
        time.sleep(0.3)
    raise RuntimeError(
        f"Max did not come up in {START_TIMEOUT} s (web: {web_up}, worker: {worker_up}, "
        f"sign-in printed: {signed}):\n" + log_tail(log)
    )


@pytest.fixture(scope="session")
def running_max(tmp_path_factory):
    """`make run` in a scratch var/ dir: SQLite, local files, filesystem broker, offline engines."""
    var_dir = tmp_path_factory.mktemp("max-var")
    port = _free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        "LANG": os.environ.get("LANG", "C.UTF-8"),
        "DEBUG": "true",
        "MAX_VAR_DIR": str(var_dir),
        "PORT": str(port),
        "WORKER_CONCURRENCY": "2",
        # Empty values win over a developer's .env (read without overwriting): the
        # embedded defaults, offline engines, no vendor reachable.
        "DATABASE_URL": "",
        "REDIS_URL": "",
        "MEDIA_ROOT": "",
        "STATIC_ROOT": "",
        "AWS_STORAGE_BUCKET_NAME": "",
        "OPENAI_API_KEY": "",
        "ANTHROPIC_API_KEY": "",
        "SONIX_API_KEY": "",
        "ELEVENLABS_API_KEY": "",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "TRANSCRIPTION_ENGINE": "local",
        "LLM_ENGINE": "offline",
        "DEMO_ADMIN_EMAIL": E2E_EMAIL,
        "DEMO_ADMIN_PASSWORD": E2E_PASSWORD,
        "PYTHONUNBUFFERED": "1",
        # Other work in the same checkout must not restart the server mid-test.
        "RUNSERVER_OPTIONS": "--noreload",
    }
    # The interpreter running the tests has Max's requirements; bin/run-dev is handed it
    # through a wrapper that notes each start, so a test can tell it was used.
    python = sys.executable
    python_calls = var_dir / "python-calls.log"
    wrapper = var_dir / "python"
    wrapper.write_text(f'#!/bin/sh\necho "$*" >> "{python_calls}"\nexec "{python}" "$@"\n')
    wrapper.chmod(0o755)
    env["MAX_PYTHON"] = str(wrapper)
    for args in (["migrate", "--no-input"], ["demo_data"]):
        done = subprocess.run(
            [python, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
        )
        if done.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    log_path = var_dir / "run.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        ["bash", "bin/run-dev"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        started = _wait_until_up(process, f"http://127.0.0.1:{port}/accounts/login/", log_path)
        yield {
            "url": f"http://127.0.0.1:{port}",
            "var_dir": var_dir,
            "log": log_path,
            "start_up_output": started,
            "python_calls": python_calls,
        }
    finally:
        try:
            os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C does to `make run`
            # The worker's warm shutdown takes seconds; its scratch dir is thrown away, so
            # the suite does not wait for it.
            process.wait(timeout=2)
        except ProcessLookupError:
            process.wait()
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": chromium.executable(),
        "args": chromium.ARGS,
    }


@pytest.fixture
def e2e_page(browser, running_max):
    """A fresh browser context on the running app (downloads allowed), closed afterwards."""
    context = browser.new_context(
        base_url=running_max["url"], accept_downloads=True, viewport={"width": 1400, "height": 900}
    )
    context.set_default_timeout(15_000)
    # Two app processes, Chromium and other tests share the cores under `make test -n 2`.
    expect.set_options(timeout=10_000)
    page = context.new_page()
    yield page
    expect.set_options(timeout=5_000)  # Playwright's default, for the tests that follow
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    app = getattr(item, "funcargs", {}).get("running_max")
    if app is not None and report.failed:
        report.sections.append(("Max run.log (tail)", log_tail(app["log"])))
    return report
