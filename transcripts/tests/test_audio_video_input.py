"""Video files decode to speech-ready PCM: the video track is skipped, not decoded."""

from integrations.transcription.audio import SAMPLE_RATE, iter_pcm
from media_files.tests.media_factory import write_media


def test_a_video_with_sound_decodes_its_audio_track(tmp_path):
    path = write_media(tmp_path / "talk.mp4", "mp4", seconds=1.0)
    samples = sum(block.size for block in iter_pcm(path))
    assert abs(samples - SAMPLE_RATE) < SAMPLE_RATE * 0.1
