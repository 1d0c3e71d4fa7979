"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py max_site.wsgi`."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
# Large uploads stream through the worker; give them time.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 600))
graceful_timeout = 30
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker):
    """Load the glossary's matchers before the worker takes requests (from the file the
    last build wrote: a fraction of a second), so no editor waits for them."""
    from django.db import connections

    try:
        from glossary.registry import matcher_warm

        matcher_warm()
    except Exception:  # a worker that cannot warm up still serves; the first editor loads them
        worker.log.exception("Glossary matchers not loaded at start-up")
    finally:
        connections.close_all()  # opened in this thread only; requests run in others
