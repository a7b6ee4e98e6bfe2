"""sandbox/telegram/media.py: durations from Ogg/WAV bytes, ffprobe for the rest, voice transcoding."""

from __future__ import annotations

import shutil
import struct

import pytest

from sandbox.telegram import media
from tests.sandbox.audio import Clips, ffprobe, require, sine_wav


def test_ogg_opus_duration_matches_ffprobe(clips: Clips) -> None:
    assert media.ogg_codec(clips.ogg_opus) == "opus" and media.is_ogg_opus(clips.ogg_opus)
    duration = media.ogg_duration(clips.ogg_opus)
    assert duration is not None and abs(duration - clips.seconds) < 0.1


def test_ogg_vorbis_duration_matches_ffprobe(clips: Clips) -> None:
    assert media.ogg_codec(clips.ogg_vorbis) == "vorbis"
    assert not media.is_ogg_opus(clips.ogg_vorbis)
    expected = ffprobe(clips.ogg_vorbis, clips.folder).duration
    duration = media.ogg_duration(clips.ogg_vorbis)
    assert expected is not None and duration is not None and abs(duration - expected) < 0.1


def test_ogg_pages_survive_damage(clips: Clips) -> None:
    # A truncated upload still has its earlier pages; junk before the stream is skipped.
    truncated = media.ogg_duration(clips.ogg_opus[: len(clips.ogg_opus) // 2])
    assert truncated is not None and 0 < truncated < clips.seconds
    assert media.ogg_duration(clips.ogg_opus + b"trailing junk") == media.ogg_duration(
        clips.ogg_opus
    )
    assert media.ogg_duration(b"OggS" + bytes(range(200)) * 30) is None
    assert not media.is_ogg_opus(b"OggS" + bytes(range(200)) * 30)
    assert media.ogg_duration(b"not an ogg file") is None
    assert media.ogg_codec(b"") is None


def test_wav_duration_from_the_header(clips: Clips) -> None:
    assert media.wav_duration(sine_wav(1.5)) == pytest.approx(1.5)
    assert media.wav_duration(sine_wav(0.25, rate=44_100, channels=2)) == pytest.approx(0.25)
    expected = ffprobe(clips.wav, clips.folder).duration
    duration = media.wav_duration(clips.wav)
    assert expected is not None and duration is not None and abs(duration - expected) < 0.01


def test_streamed_wav_counts_the_bytes_present() -> None:
    wav = sine_wav(2.0)
    # espeak-ng --stdout and ffmpeg to a pipe write a placeholder data size.
    data_at = wav.index(b"data")
    streamed = wav[: data_at + 4] + struct.pack("<I", 0x7FFFF000) + wav[data_at + 8 :]
    assert media.wav_duration(streamed) == pytest.approx(2.0)
    assert media.wav_duration(b"RIFF\x00\x00\x00\x00WAVE") is None
    assert media.wav_duration(b"RIFF....AVI LIST") is None


async def test_media_duration_falls_back_to_ffprobe_for_webm(clips: Clips) -> None:
    assert media.ogg_duration(clips.webm) is None and media.wav_duration(clips.webm) is None
    duration = await media.media_duration(clips.webm)
    assert duration is not None and abs(duration - clips.seconds) < 0.1
    assert await media.media_duration(clips.wav) == media.wav_duration(clips.wav)
    assert await media.media_duration(b"plain text, not media") is None


async def test_webm_is_transcoded_to_ogg_opus_mono_48k(clips: Clips) -> None:
    ogg = await media.transcode_to_ogg_opus(clips.webm)
    assert ogg is not None and media.is_ogg_opus(ogg)
    probe = ffprobe(ogg, clips.folder)
    assert (probe.format_name, probe.codec, probe.sample_rate, probe.channels) == (
        "ogg",
        "opus",
        48_000,
        1,
    )
    duration = media.ogg_duration(ogg)
    assert duration is not None and abs(duration - clips.seconds) < 0.1
    assert await media.transcode_to_ogg_opus(b"not audio at all") is None


async def test_without_ffmpeg_nothing_is_transcoded_or_probed(
    clips: Clips, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name, *args, **kwargs: None)
    assert not media.ffmpeg_available() and not media.ffprobe_available()
    assert await media.transcode_to_ogg_opus(clips.webm) is None
    assert await media.probe_duration(clips.webm) is None
    assert await media.media_duration(clips.webm) is None
    # The pure-Python parsers need nothing installed.
    assert await media.media_duration(clips.ogg_opus) == media.ogg_duration(clips.ogg_opus)


def test_whole_seconds_like_the_bot_api() -> None:
    assert media.whole_seconds(0) == 0
    assert media.whole_seconds(0.2) == 1
    assert media.whole_seconds(2.49) == 2
    assert media.whole_seconds(2.51) == 3


def test_require_skips_without_the_program() -> None:
    with pytest.raises(pytest.skip.Exception):
        require("definitely-not-installed-program")
