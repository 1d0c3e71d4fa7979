"""What other apps may hear from recordings without media_files knowing them."""

from django.dispatch import Signal

# Sent inside the upload's transaction with `audio_file` and `user`; the transcription
# pipeline starts the first transcript from it.
recording_uploaded = Signal()
