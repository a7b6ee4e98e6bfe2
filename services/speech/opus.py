"""A fast path for Telegram voice notes: Ogg/Opus decoded in-process by the system libopus.

Telegram records voice notes as Opus in an Ogg container. libopus decodes straight to 16 kHz
mono (no resampling) and the Ogg pages give the exact duration before any decoding, so a note
is measured and decoded without starting ffmpeg (whose start-up alone costs ~0.1 s). libopus
is the library ffmpeg itself links (scripts/system-deps.sh installs it with ffmpeg); when it
is missing, or the file is anything but one plain Opus stream (several logical streams,
multichannel mapping, a bad page or packet), `decode_ogg_opus` returns None and the caller
uses ffmpeg, which also decides whether a broken file is corrupt.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
import struct
from dataclasses import dataclass

import numpy as np

logger = logging.getLogger(__name__)

OPUS_RATE = 48000  # granule positions and pre-skip are counted at 48 kHz
MAX_FRAME_48K = 5760  # 120 ms, the longest Opus packet


@dataclass(frozen=True)
class OggOpus:
    packets: list[bytes]  # audio packets, headers removed
    pre_skip: int  # at 48 kHz
    final_granule: int  # at 48 kHz; -1 when no page says

    @property
    def duration_s(self) -> float | None:
        if self.final_granule < 0:
            return None
        return max(0, self.final_granule - self.pre_skip) / OPUS_RATE


def parse_ogg_opus(data: bytes) -> OggOpus | None:
    """The packets of a single-stream Ogg/Opus file, or None for anything else."""
    packets: list[bytes] = []
    pending = bytearray()
    serial: int | None = None
    final_granule = -1
    position = 0
    size = len(data)
    while position < size:
        if size - position < 27 or data[position : position + 4] != b"OggS":
            return None
        if data[position + 4] != 0:
            return None
        granule, page_serial = struct.unpack_from("<qI", data, position + 6)
        if serial is None:
            serial = page_serial
        elif page_serial != serial:
            return None  # several logical streams (chained or multiplexed): ffmpeg's job
        segments = data[position + 26]
        lacing = data[position + 27 : position + 27 + segments]
        body = position + 27 + segments
        if len(lacing) != segments or body + sum(lacing) > size:
            return None  # truncated page
        for length in lacing:
            pending += data[body : body + length]
            body += length
            if length < 255:
                packets.append(bytes(pending))
                pending.clear()
        if granule >= 0:
            final_granule = granule
        position = body
    if len(packets) < 2 or not packets[0].startswith(b"OpusHead") or len(packets[0]) < 19:
        return None
    head = packets[0]
    channels, pre_skip = head[9], struct.unpack_from("<H", head, 10)[0]
    mapping_family = head[18]
    if channels not in (1, 2) or mapping_family != 0:
        return None
    if not packets[1].startswith(b"OpusTags"):
        return None
    return OggOpus(packets=packets[2:], pre_skip=pre_skip, final_granule=final_granule)


@functools.cache
def _libopus() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("opus")
    if name is None:
        logger.info("libopus not found; voice notes are decoded by ffmpeg")
        return None
    try:
        library = ctypes.CDLL(name)
    except OSError:
        logger.info("libopus cannot be loaded; voice notes are decoded by ffmpeg")
        return None
    library.opus_decoder_create.restype = ctypes.c_void_p
    library.opus_decoder_create.argtypes = [
        ctypes.c_int32, ctypes.c_int, ctypes.POINTER(ctypes.c_int),
    ]  # fmt: skip
    library.opus_decode.restype = ctypes.c_int
    library.opus_decode.argtypes = [
        ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int32,
        ctypes.c_void_p, ctypes.c_int, ctypes.c_int,  # the output: an address in a numpy array
    ]  # fmt: skip
    library.opus_decoder_destroy.restype = None
    library.opus_decoder_destroy.argtypes = [ctypes.c_void_p]
    return library


def libopus_available() -> bool:
    return _libopus() is not None


def decode_opus_packets(
    stream: OggOpus, sample_rate: int, *, max_seconds: float | None = None
) -> bytes | None:
    """All packets decoded to mono s16le at `sample_rate`, trimmed by pre-skip and the final
    granule; None when libopus is missing or a packet does not decode. Decoding stops past
    `max_seconds` (a file whose pages understate its length is still bounded)."""
    library = _libopus()
    if library is None or OPUS_RATE % sample_rate:
        return None
    ratio = OPUS_RATE // sample_rate
    frame_capacity = MAX_FRAME_48K // ratio
    limit = (
        None if max_seconds is None else int(max_seconds * sample_rate) + stream.pre_skip // ratio
    )
    expected = stream.final_granule // ratio if stream.final_granule > 0 else 0
    output = np.empty(max(expected, sample_rate) + 2 * frame_capacity, dtype=np.int16)
    error = ctypes.c_int()
    decoder = library.opus_decoder_create(sample_rate, 1, ctypes.byref(error))
    if not decoder or error.value != 0:
        return None
    written = 0
    try:
        for packet in stream.packets:
            if not packet:
                continue  # an empty packet asks for loss concealment: nothing was recorded
            if limit is not None and written > limit:
                break
            if written + frame_capacity > len(output):
                output = np.concatenate((output, np.empty(len(output), dtype=np.int16)))
            decoded = library.opus_decode(
                decoder, packet, len(packet), output.ctypes.data + 2 * written, frame_capacity, 0
            )
            if decoded < 0:
                return None
            written += decoded
    finally:
        library.opus_decoder_destroy(decoder)
    start = min(written, stream.pre_skip // ratio)
    end = written
    if stream.final_granule >= 0:
        told = stream.final_granule // ratio
        if written > told + sample_rate:
            return None  # more sound than the pages admit: let ffmpeg measure it
        end = min(written, max(start, told))
    return output[start:end].astype("<i2", copy=False).tobytes()
