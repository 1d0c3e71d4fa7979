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


def _broker_for(env_extra):
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='max_site.settings'; "
        "django.setup(); from max_site.celery import app; print(app.conf.broker_url)"
    )
    env = {"PATH": "/usr/bin:/bin", "DEBUG": "true", "REDIS_URL": "", **env_extra}
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.mark.slow
def test_broker_is_redis_when_configured_and_the_filesystem_otherwise():
    assert _broker_for({"REDIS_URL": "redis://127.0.0.1:6379/5"}) == "redis://127.0.0.1:6379/5"
    assert _broker_for({}) == "filesystem://"
