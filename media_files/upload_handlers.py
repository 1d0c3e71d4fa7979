"""Refuse an oversize upload while it arrives, instead of spooling gigabytes to disk first."""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile


class SizeLimitUploadHandler(FileUploadHandler):
    """First in the chain: passes data on until a file passes MAX_UPLOAD_BYTES, then
    skips the rest of that file (its partial temp file is discarded) and remembers
    its name, so the view can say which file was too large."""

    def __init__(self, request=None):
        super().__init__(request)
        self.limit = settings.MAX_UPLOAD_BYTES
        self.too_large: list[str] = []

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self.too_large.append(self.file_name or "")
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size):
        return None
