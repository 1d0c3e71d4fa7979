"""Serving a recording to its player: HTTP Range on local storage, a short-lived
presigned URL on S3. Media is never public; the view calling this needs a login."""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePosixPath

from django.core.files.storage import default_storage
from django.db import connections
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.utils.http import content_disposition_header

from media_files.models import AudioFile
from media_files.probe import ACCEPTED_EXTENSIONS
from media_files.services import is_sonix_only

STREAM_CHUNK_BYTES = 256 * 1024
CONTENT_TYPES = {
    "mp3": "audio/mpeg",
    "m4a": "audio/mp4",
    "aac": "audio/aac",
    "wav": "audio/wav",
    "flac": "audio/flac",
    "ogg": "audio/ogg",
    "opus": "audio/ogg",
    "mp4": "video/mp4",
    "mov": "video/quicktime",
    "webm": "video/webm",
    "mkv": "video/x-matroska",
}
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class RangeNotSatisfiable(Exception):
    pass


def content_type_for(audio_file: AudioFile) -> str:
    ext = PurePosixPath(audio_file.file_path).suffix.lower().lstrip(".")
    content_type = CONTENT_TYPES.get(ext, "application/octet-stream")
    if ext == "webm" and audio_file.file_type == AudioFile.FileType.AUDIO:
        return "audio/webm"
    return content_type


def download_name(audio_file: AudioFile) -> str:
    """The name a browser saves the recording under: the original name without invisible
    characters (bidirectional overrides turn "talk\u202e3pm.exe" into "talkexe.mp3" on
    screen), ending in the extension of what the file is (the stored key's, set from its
    content at upload), whatever the name claimed."""
    ext = PurePosixPath(audio_file.file_path).suffix.lower().lstrip(".")
    if ext not in CONTENT_TYPES:
        ext = ""
    name = unicodedata.normalize("NFC", audio_file.file_name or "")
    # Cc controls, Cf formats (bidi overrides and isolates, zero-width), line separators.
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp"))
    name = re.sub(r"[/\\]+", "-", name).strip(" .")
    stem, dot, own = name.rpartition(".")
    if dot and own.lower() in ACCEPTED_EXTENSIONS:
        name = stem.strip(" .")
    name = name or "recording"
    return f"{name}.{ext}" if ext else name


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The one byte range asked for, inclusive, or None to send the whole file.

    A header we do not understand (other units, several ranges, bad syntax) is
    ignored, as RFC 9110 allows; a well-formed range outside the file raises
    RangeNotSatisfiable (416).
    """
    if not header:
        return None
    match = _RANGE.match(header.strip().replace(" ", ""))
    if not match:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # suffix: the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            raise RangeNotSatisfiable()
        return max(0, size - length), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None
    if start >= size:
        raise RangeNotSatisfiable()
    return start, min(end, size - 1)


class _FileRange:
    """Iterates `length` bytes of an open file from `start`; Django closes it."""

    def __init__(self, fh, start: int, length: int):
        self.fh = fh
        self.remaining = length
        fh.seek(start)

    def __iter__(self):
        while self.remaining > 0:
            data = self.fh.read(min(STREAM_CHUNK_BYTES, self.remaining))
            if not data:
                break
            self.remaining -= len(data)
            yield data

    def close(self) -> None:
        self.fh.close()


def stream_response(request: HttpRequest, audio_file: AudioFile) -> HttpResponse:
    if is_sonix_only(audio_file):
        raise Http404("This recording was imported from Sonix; its audio plays in Sonix.")
    key = audio_file.file_path
    as_attachment = request.GET.get("download") == "1"
    disposition = content_disposition_header(as_attachment, download_name(audio_file))
    content_type = content_type_for(audio_file)
    try:
        default_storage.path(key)
    except NotImplementedError:
        return _presigned_redirect(key, content_type=content_type, disposition=disposition)
    if not default_storage.exists(key):
        raise Http404("The recording's file is missing from storage.")

    size = default_storage.size(key)
    etag = f'"{audio_file.pk.hex}-{size}"'
    range_header = request.headers.get("Range")
    if_range = request.headers.get("If-Range")
    if if_range and if_range.strip() != etag:
        range_header = None  # the client's partial copy is of another version
    try:
        byte_range = parse_range(range_header, size)
    except RangeNotSatisfiable:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        response["Accept-Ranges"] = "bytes"
        return response

    start, end = byte_range if byte_range else (0, size - 1)
    length = end - start + 1
    if request.method == "HEAD":
        response = HttpResponse(status=206 if byte_range else 200, content_type=content_type)
    else:
        _release_database_connections()
        response = StreamingHttpResponse(
            _FileRange(default_storage.open(key, "rb"), start, length),
            status=206 if byte_range else 200,
            content_type=content_type,
        )
    if byte_range:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    response["Content-Disposition"] = disposition
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _release_database_connections() -> None:
    """A player may hold a stream open for minutes, reading as it plays; that must not
    pin a database connection (and, with many listeners, exhaust the server's pool).
    Django reconnects on the next query. Inside a transaction (tests) nothing closes."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close()


def _presigned_redirect(key: str, *, content_type: str, disposition: str) -> HttpResponse:
    """S3 answers Range requests itself; the link expires after the storage's
    `querystring_expire` (AWS_QUERYSTRING_EXPIRE, 300 s by default)."""
    try:
        url = default_storage.url(
            key,
            parameters={
                "ResponseContentType": content_type,
                "ResponseContentDisposition": disposition,
            },
        )
    except TypeError:  # a remote storage without S3's signing options
        url = default_storage.url(key)
    response = HttpResponseRedirect(url)
    response["Cache-Control"] = "private, no-store"
    return response
