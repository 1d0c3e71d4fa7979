"""A Redis cache that treats an unreachable Redis as an empty cache.

Django's RedisCache raises on every call while Redis is down, so any page that touches the
cache answers 500: the login page (failure counters), the editor (its draft lookup), a
running job (its checkpoints). Nothing the default cache holds is the only copy of
anything, so a miss is always a correct answer: reads return the default, writes are
dropped, and each failure is logged. Drafts are the exception and use the strict
`drafts` alias (transcripts/drafts.py), so a draft that was not stored is never
reported as saved.
"""

from __future__ import annotations

import functools
import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def _degrade(fallback):
    """Run the cache call; on a Redis error log it and return `fallback(*args, **kwargs)`."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except RedisError as exc:
                logger.warning("Cache unavailable, %s() skipped: %s", method.__name__, exc)
                return fallback(*args, **kwargs)

        return wrapper

    return decorate


def _default(key, default=None, *args, **kwargs):
    return default


def _false(*args, **kwargs):
    return False


def _none(*args, **kwargs):
    return None


def _empty(*args, **kwargs):
    return {}


def _no_failed_keys(data, *args, **kwargs):
    return list(data)


def _zero(*args, **kwargs):
    return 0


class ResilientRedisCache(RedisCache):
    get = _degrade(_default)(RedisCache.get)
    get_many = _degrade(_empty)(RedisCache.get_many)
    has_key = _degrade(_false)(RedisCache.has_key)
    add = _degrade(_false)(RedisCache.add)
    set = _degrade(_none)(RedisCache.set)
    set_many = _degrade(_no_failed_keys)(RedisCache.set_many)
    touch = _degrade(_false)(RedisCache.touch)
    delete = _degrade(_false)(RedisCache.delete)
    delete_many = _degrade(_none)(RedisCache.delete_many)
    incr = _degrade(_zero)(RedisCache.incr)
    clear = _degrade(_false)(RedisCache.clear)
