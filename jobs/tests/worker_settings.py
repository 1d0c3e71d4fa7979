"""Settings of the real Celery worker that test_worker_faults.py starts and kills.

The test suite's settings, except that tasks go through a real broker (the test's own
Redis) to a separate process reading the test's database, and vendors are the test's
local fakes. Lease, sweep and time limits come from the environment (max_site.settings)."""

import os

from max_site.test_settings import *  # noqa: F403

MEDIA_ROOT = os.environ["MAX_WORKER_MEDIA_ROOT"]
STORAGES["default"]["OPTIONS"]["location"] = MEDIA_ROOT  # noqa: F405
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_URL = os.environ["MAX_WORKER_BROKER"]
CELERY_RESULT_BACKEND = os.environ["MAX_WORKER_RESULTS"]
# As long as production's (longer than any task): recovery must come from the sweep and the
# lease, not from Redis handing the message out again.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_IMPORTS = ["jobs.tests.tasks_for_tests"]
TRANSCRIPTION_ENGINE = os.environ.get("TRANSCRIPTION_ENGINE", "local")
OPENAI_API_KEY = os.environ.get("OPENAI_API_KEY", "")
OPENAI_BASE_URL = os.environ.get("OPENAI_BASE_URL") or None
LLM_ENGINE = os.environ.get("LLM_ENGINE", "offline")
ANTHROPIC_API_KEY = os.environ.get("ANTHROPIC_API_KEY", "")
ANTHROPIC_BASE_URL = os.environ.get("ANTHROPIC_BASE_URL") or None
ANTHROPIC_MODEL = os.environ.get("ANTHROPIC_MODEL", "claude-test-model")
VENDOR_MAX_RETRIES = 0
