"""Settings for the test suite: real PostgreSQL and Redis, strict templates."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/max")
# One Redis database per pytest-xdist worker, so one worker's cache.clear() never
# wipes another's drafts or counters.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "gw-1")
_worker_number = int(_worker.removeprefix("gw")) + 1 if _worker.startswith("gw") else 0
# Assigned, not setdefault: xdist workers inherit the controller's environment, which
# would otherwise hand every worker the controller's database.
os.environ["REDIS_URL"] = "{}/{}".format(
    os.environ.get("MAX_TEST_REDIS", "redis://127.0.0.1:6379"), 1 + _worker_number % 15
)
# The cache in that same database (the broker is in memory here, so nothing shares it).
os.environ["CACHE_REDIS_URL"] = os.environ["REDIS_URL"]
# The channel layer too (production puts it in database N+3, past the 16 Redis has).
os.environ["CHANNEL_REDIS_URL"] = os.environ["REDIS_URL"]

from max_site.settings import *  # noqa: F403
from max_site.settings import CACHES, TEMPLATES, VAR_DIR

DEBUG = False
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = "cache+memory://"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SESSION_COOKIE_SECURE = False
# The test client and live server speak plain HTTP (production redirects to HTTPS).
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
CSRF_COOKIE_SECURE = False
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
MEDIA_ROOT = VAR_DIR / "test-media" / os.environ.get("PYTEST_XDIST_WORKER", "main")
STORAGES["default"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": str(MEDIA_ROOT)},
}
for _alias in CACHES.values():
    _alias["KEY_PREFIX"] = "max-test-" + os.environ.get("PYTEST_XDIST_WORKER", "main")


class InvalidTemplateVariable(str):
    """An unknown template variable is a bug: make it fail loudly in tests."""

    def __mod__(self, name):
        from django.template import TemplateSyntaxError

        raise TemplateSyntaxError(f"Unknown template variable: {name}")


TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = InvalidTemplateVariable("%s")
TRANSCRIPTION_ENGINE = "local"
LLM_ENGINE = "offline"
OPENAI_API_KEY = ""
ANTHROPIC_API_KEY = ""
SONIX_API_KEY = ""
ELEVENLABS_API_KEY = ""
VENDOR_MAX_RETRIES = 2
