"""What the emulator works out from media bytes the way Telegram does: durations, voice notes,
image sizes.

Durations come from the content when the sender gave none: Ogg (Opus and Vorbis) and WAV are
parsed here in pure Python; anything else goes to ``ffprobe`` when it is installed. A voice
note that is not OGG/Opus (browsers record WebM/Opus) is transcoded to OGG/Opus mono 48 kHz
with ``ffmpeg``, as Telegram clients do before sending. Without ffmpeg/ffprobe the bytes are
kept as they are and the duration is left out. External programs run as asyncio subprocesses,
so the emulator's event loop never blocks on them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import shutil
import struct
import tempfile
from pathlib import Path

from services.speech.synthesis import OPUS_SAMPLE_RATE, VOICE_NOTE_OUTPUT

logger = logging.getLogger(__name__)

# Capture pattern, version, header type, granule position, serial, sequence, CRC, segments.
OGG_PAGE_HEADER = struct.Struct("<4sBBqIIIB")
NO_GRANULE = -1  # a page on which no packet ends
SUBPROCESS_TIMEOUT = 30.0

# Media kinds whose messages carry a duration.
TIMED_KINDS = frozenset({"voice", "audio", "video_note"})


# --------------------------------------------------------------------------------- images
def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) read from a PNG, JPEG, GIF, WebP or BMP header; None otherwise."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return width, height
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp_size(data)
    if data.startswith(b"BM") and len(data) >= 26:
        width, height = struct.unpack("<ii", data[18:26])
        return abs(width), abs(height)
    return None


# JPEG start-of-frame markers (baseline, progressive, lossless...; not DHT/JPG/DAC).
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # markers without a length
            position += 2
            continue
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        if marker in _JPEG_SOF:
            if position + 9 > len(data):
                return None
            height, width = struct.unpack(">HH", data[position + 5 : position + 9])
            return (width, height) if width and height else None
        position += 2 + length
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(data) >= 30:
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    return None


# ------------------------------------------------------------------------------------ Ogg
def _ogg_pages(data: bytes) -> list[tuple[int, int, slice]]:
    """(granule, serial, payload span) of every well-formed page, in order.

    Bytes that are not a page are skipped up to the next ``OggS`` capture pattern, as a
    demuxer resynchronises after damage.
    """
    pages = []
    position = data.find(b"OggS")
    while position >= 0 and position + OGG_PAGE_HEADER.size <= len(data):
        capture, version, _type, granule, serial, _seq, _crc, segments = (
            OGG_PAGE_HEADER.unpack_from(data, position)
        )
        table_start = position + OGG_PAGE_HEADER.size
        table_end = table_start + segments
        if capture != b"OggS" or version != 0 or table_end > len(data):
            position = data.find(b"OggS", position + 1)
            continue
        body_end = table_end + sum(data[table_start:table_end])
        if body_end > len(data):
            position = data.find(b"OggS", position + 1)
            continue
        pages.append((granule, serial, slice(table_end, body_end)))
        position = body_end if data.startswith(b"OggS", body_end) else data.find(b"OggS", body_end)
    return pages


def ogg_codec(data: bytes) -> str | None:
    """``"opus"``, ``"vorbis"`` or another codec name for an Ogg stream; None if not Ogg."""
    if not data.startswith(b"OggS"):
        return None
    head = data[:65_536]
    pages = _ogg_pages(head)
    if not pages:
        return None
    first = head[pages[0][2]]
    if first.startswith(b"OpusHead"):
        return "opus"
    if first.startswith(b"\x01vorbis"):
        return "vorbis"
    if first.startswith(b"Speex   "):
        return "speex"
    if first.startswith(b"\x7fFLAC"):
        return "flac"
    return "unknown"


def is_ogg_opus(data: bytes) -> bool:
    return ogg_codec(data) == "opus"


def ogg_duration(data: bytes) -> float | None:
    """Seconds of an Ogg Opus or Ogg Vorbis stream from its last granule position.

    Opus: (last granule - pre-skip) / 48000 (RFC 7845). Vorbis: last granule / sample rate.
    Only the first logical stream counts (a voice note has one). None for anything else.
    """
    if not data.startswith(b"OggS"):
        return None
    pages = _ogg_pages(data)
    if not pages:
        return None
    _, serial, span = pages[0]
    head = data[span]
    if head.startswith(b"OpusHead") and len(head) >= 19:
        pre_skip = struct.unpack_from("<H", head, 10)[0]
        rate, offset = OPUS_SAMPLE_RATE, pre_skip
    elif head.startswith(b"\x01vorbis") and len(head) >= 16:
        rate, offset = struct.unpack_from("<I", head, 12)[0], 0
    else:
        return None
    granules = [
        granule
        for granule, page_serial, _ in pages
        if page_serial == serial and granule not in (NO_GRANULE, 0)
    ]
    if not granules or rate <= 0:
        return None
    return max(0.0, (granules[-1] - offset) / rate)


# ------------------------------------------------------------------------------------ WAV
def wav_duration(data: bytes) -> float | None:
    """Seconds of a RIFF/WAVE file: the data chunk's size over the fmt chunk's byte rate.

    A streamed WAV (``espeak-ng --stdout``, ffmpeg to a pipe) has a placeholder size; then the
    bytes actually present count.
    """
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return None
    position, byte_rate = 12, None
    while position + 8 <= len(data):
        chunk_id = data[position : position + 4]
        size = struct.unpack_from("<I", data, position + 4)[0]
        body = position + 8
        if chunk_id == b"fmt " and size >= 16 and body + 16 <= len(data):
            byte_rate = struct.unpack_from("<I", data, body + 8)[0]
        elif chunk_id == b"data":
            if not byte_rate:
                return None
            available = len(data) - body
            return min(size, available) / byte_rate
        position = body + size + (size & 1)  # chunks are padded to even sizes
    return None


# ------------------------------------------------------------------------ ffmpeg / ffprobe
def ffmpeg_available() -> bool:
    return shutil.which("ffmpeg") is not None


def ffprobe_available() -> bool:
    return shutil.which("ffprobe") is not None


async def _run(args: list[str], stdin: bytes | None = None) -> tuple[int, bytes, bytes]:
    """Runs a program without blocking the loop; (exit code, stdout, stderr)."""
    process = await asyncio.create_subprocess_exec(
        *args,
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(stdin), SUBPROCESS_TIMEOUT)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        return -1, b"", b"timed out"
    return process.returncode if process.returncode is not None else -1, stdout, stderr


async def probe_duration(data: bytes) -> float | None:
    """Seconds according to ffprobe (None without ffprobe or when it cannot tell).

    The bytes go through a temporary file so that containers with their index at the end
    (MP4) can be read. When the container states no duration (a browser's WebM recording),
    the end of the last packet counts.
    """
    executable = shutil.which("ffprobe")
    if executable is None or not data:
        return None
    with tempfile.TemporaryDirectory(prefix="sandbox-probe-") as folder:
        path = Path(folder) / "media"
        await asyncio.to_thread(path.write_bytes, data)
        base = [executable, "-v", "error", "-of", "json"]
        code, stdout, _ = await _run([*base, "-show_entries", "format=duration", str(path)])
        if code == 0:
            duration = _json_float(stdout, ("format", "duration"))
            if duration is not None:
                return duration
        packets_query = ["-select_streams", "a:0", "-show_entries", "packet=pts_time,duration_time"]
        code, stdout, _ = await _run([*base, *packets_query, str(path)])
    if code != 0:
        return None
    try:
        packets = json.loads(stdout).get("packets", [])
    except ValueError:
        return None
    ends = [
        float(packet["pts_time"]) + float(packet.get("duration_time") or 0)
        for packet in packets
        if packet.get("pts_time") not in (None, "N/A")
    ]
    return max(ends) if ends else None


def _json_float(raw: bytes, keys: tuple[str, ...]) -> float | None:
    try:
        value: object = json.loads(raw)
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        return float(value) if value not in (None, "N/A") else None  # type: ignore[arg-type]
    except (ValueError, TypeError):
        return None


async def media_duration(data: bytes) -> float | None:
    """Seconds of audio or video content: Ogg and WAV parsed here, the rest by ffprobe."""
    duration = ogg_duration(data)
    if duration is None:
        duration = wav_duration(data)
    if duration is None:
        duration = await probe_duration(data)
    return duration


def whole_seconds(duration: float) -> int:
    """The Bot API's integer duration: rounded, and at least 1 for any sound at all."""
    return max(1, round(duration)) if duration > 0 else 0


async def transcode_to_ogg_opus(data: bytes) -> bytes | None:
    """OGG/Opus mono 48 kHz, as Telegram clients record voice notes; None if ffmpeg is missing
    or cannot read the input."""
    executable = shutil.which("ffmpeg")
    if executable is None or not data:
        return None
    with tempfile.TemporaryDirectory(prefix="sandbox-voice-") as folder:
        source = Path(folder) / "input"
        await asyncio.to_thread(source.write_bytes, data)
        code, stdout, stderr = await _run(
            [
                executable,
                "-hide_banner",
                "-loglevel",
                "error",
                "-i",
                str(source),
                "-map_metadata",
                "-1",
                *VOICE_NOTE_OUTPUT,
                "pipe:1",
            ]
        )
    if code != 0 or not is_ogg_opus(stdout):
        logger.info("voice note kept as sent: ffmpeg failed (%s)", stderr.decode(errors="replace"))
        return None
    return stdout
