"""Who has a document open: one entry per open page (a socket, or a polling page), kept in
the cache and dropped when it has not been heard from for PRESENCE_SECONDS.

Several server processes add and remove pages of one document at the same moment, so each
change is atomic: with Redis (production, tests) one Lua script per change on a hash per
document (a page per field); without it (`make run`, one process) under a process lock.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

# KEYS[1]: the document's hash. ARGV: now, the freshness limit, the key's lifetime, then
# "touch" with the page and its entry, "leave" with the page, or "list". Stale pages are
# removed; the pages that remain are returned as JSON entries.
_SCRIPT = """
local key, now, limit, ttl, op = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], ARGV[4]
if op == "touch" then
  redis.call("HSET", key, ARGV[5], ARGV[6])
elseif op == "leave" then
  redis.call("HDEL", key, ARGV[5])
end
local fields = redis.call("HGETALL", key)
local alive = {}
for i = 1, #fields, 2 do
  local ok, entry = pcall(cjson.decode, fields[i + 1])
  if ok and type(entry) == "table" and now - (tonumber(entry["seen"]) or 0) < limit then
    table.insert(alive, fields[i + 1])
  else
    redis.call("HDEL", key, fields[i])
  end
end
if #alive > 0 then
  redis.call("EXPIRE", key, ttl)
end
return alive
"""

_local_lock = threading.Lock()


def _key(kind: str, document_id: Any) -> str:
    return f"collab:presence:{kind}:{document_id}"


def _fresh(entries: dict[str, dict], now: float) -> dict[str, dict]:
    limit = settings.COLLAB_PRESENCE_SECONDS
    return {k: v for k, v in entries.items() if now - v.get("seen", 0) < limit}


def _change(kind: str, document_id: Any, op: str, client: str = "", entry=None) -> list[dict]:
    now = time.time()
    limit = settings.COLLAB_PRESENCE_SECONDS
    key = _key(kind, document_id)
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        full_key = backend.make_and_validate_key(f"{key}:hash")
        try:
            client_ = backend._cache.get_client(full_key, write=True)
            rows = client_.eval(
                _SCRIPT, 1, full_key, now, limit, limit * 4, op, client, json.dumps(entry)
            )
        except RedisError:
            return []  # Redis is away: nobody is shown, as with any other cache miss
        return people({str(i): json.loads(row) for i, row in enumerate(rows)})
    with _local_lock:
        entries = _fresh(cache.get(key) or {}, now)
        if op == "touch":
            entries[client] = entry
        elif op == "leave":
            entries.pop(client, None)
        if op != "list":
            cache.set(key, entries, limit * 4)
    return people(entries)


def presence_touch(kind: str, document_id: Any, client: str, user) -> list[dict]:
    """Mark a page as open now; returns everyone who has the document open."""
    entry = {
        "user_id": str(user.pk),
        "name": user.get_full_name() or user.get_username(),
        "seen": time.time(),
    }
    return _change(kind, document_id, "touch", client, entry)


def presence_leave(kind: str, document_id: Any, client: str) -> list[dict]:
    return _change(kind, document_id, "leave", client)


def presence_list(kind: str, document_id: Any) -> list[dict]:
    return _change(kind, document_id, "list")


def people(entries: dict[str, dict]) -> list[dict]:
    """One row per person (several tabs of one user count once), in a stable order."""
    by_user: dict[str, dict] = {}
    for entry in entries.values():
        row = by_user.setdefault(
            entry["user_id"], {"user_id": entry["user_id"], "name": entry["name"], "pages": 0}
        )
        row["pages"] += 1
    return sorted(by_user.values(), key=lambda r: (r["name"].lower(), r["user_id"]))
