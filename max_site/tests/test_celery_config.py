import subprocess
import sys

import pytest

from max_site.celery import app


def test_queues_are_separate_per_workload():
    routes = app.conf.task_routes
    assert routes["transcripts.tasks.*"]["queue"] == "transcription"
    assert routes["translations.tasks.*"]["queue"] == "translation"
    assert routes["summaries.tasks.*"]["queue"] == "summaries"
    assert app.conf.task_acks_late is True


def _brokers_for(*envs):
    """The broker URL Django's settings give Celery under each environment, each read by a
    fresh interpreter (the settings are read once per process); the interpreters run at once."""
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='max_site.settings'; "
        "django.setup(); from max_site.celery import app; print(app.conf.broker_url)"
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", code],
            env={"PATH": "/usr/bin:/bin", "DEBUG": "true", "REDIS_URL": "", **extra},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for extra in envs
    ]
    brokers = []
    for process in processes:
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        brokers.append(out.strip())
    return brokers


@pytest.mark.slow
def test_broker_is_redis_when_configured_and_the_filesystem_otherwise():
    assert _brokers_for({"REDIS_URL": "redis://127.0.0.1:6379/5"}, {}) == [
        "redis://127.0.0.1:6379/5",
        "filesystem://",
    ]
