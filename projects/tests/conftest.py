# The recording fixtures (isolated storage, real media files, a project) are shared.
from media_files.tests.conftest import (  # noqa: F401
    _no_auto_transcription,
    lecture_type,
    make_media,
    media_dir,
    media_storage,
    project,
    upload,
)
