"""Real audio clips for the voice tests: speech from espeak-ng, encoded by ffmpeg, measured by
ffprobe. The programs are installed by scripts/system-deps.sh; tests skip without them."""

from __future__ import annotations

import io
import json
import math
import shutil
import struct
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

import pytest

SPOKEN_TEXT = "Hello, this is a voice note recorded in the Telegram sandbox."


def require(*programs: str) -> None:
    missing = [program for program in programs if shutil.which(program) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (scripts/system-deps.sh installs it)")


def run(*args: str | Path, stdin: bytes | None = None) -> bytes:
    return subprocess.run(
        [str(arg) for arg in args], input=stdin, capture_output=True, check=True, timeout=60
    ).stdout


def ffmpeg(*args: str | Path, stdin: bytes | None = None) -> bytes:
    return run("ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *args, stdin=stdin)


@dataclass(frozen=True)
class Probe:
    format_name: str
    codec: str
    sample_rate: int
    channels: int
    duration: float | None


def ffprobe(data: bytes, folder: Path) -> Probe:
    """What ffprobe says about the bytes (read from a file, so every container is seekable)."""
    path = folder / f"probe-{len(data)}-{hash(data) & 0xFFFFFF:x}"
    path.write_bytes(data)
    raw = run(
        "ffprobe",
        "-v",
        "error",
        "-of",
        "json",
        "-show_entries",
        "format=format_name,duration:stream=codec_name,sample_rate,channels",
        path,
    )
    info = json.loads(raw)
    stream = info["streams"][0]
    duration = info["format"].get("duration")
    return Probe(
        format_name=info["format"]["format_name"],
        codec=stream["codec_name"],
        sample_rate=int(stream.get("sample_rate", 0)),
        channels=int(stream.get("channels", 0)),
        duration=float(duration) if duration not in (None, "N/A") else None,
    )


@dataclass(frozen=True)
class Clips:
    """One spoken sentence in the shapes voice notes arrive in."""

    folder: Path
    wav: bytes  # espeak-ng -w (22.05 kHz mono PCM)
    ogg_opus: bytes  # what Telegram clients send
    ogg_vorbis: bytes
    webm: bytes  # like Chrome's MediaRecorder: streamed, no duration in the header
    seconds: float  # ffprobe's duration of the OGG/Opus clip


def make_clips(folder: Path) -> Clips:
    require("espeak-ng", "ffmpeg", "ffprobe")
    wav_path = folder / "out.wav"
    run("espeak-ng", "-v", "en-us", "-w", wav_path, SPOKEN_TEXT)
    ogg_path = folder / "out.ogg"
    ffmpeg("-i", wav_path, "-c:a", "libopus", "-ar", "48000", "-ac", "1", ogg_path)
    vorbis = ffmpeg("-i", wav_path, "-c:a", "libvorbis", "-f", "ogg", "pipe:1")
    # Written to a pipe, the WebM muxer cannot seek back to store the duration (as in Chrome).
    webm = ffmpeg("-i", wav_path, "-c:a", "libopus", "-f", "webm", "pipe:1")
    ogg_opus = ogg_path.read_bytes()
    seconds = ffprobe(ogg_opus, folder).duration
    assert seconds is not None and seconds > 1.0
    return Clips(folder, wav_path.read_bytes(), ogg_opus, vorbis, webm, seconds)


def sine_wav(seconds: float, rate: int = 16_000, channels: int = 1) -> bytes:
    """A PCM WAV written by the standard library (no external program needed)."""
    frames = int(seconds * rate)
    samples = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * n / rate))) * channels
        for n in range(frames)
    )
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(samples)
    return buffer.getvalue()
