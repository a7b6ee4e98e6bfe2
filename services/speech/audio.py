"""Voice answers in, 16 kHz mono PCM out: one decode per answer, with typed rejections.

The format is sniffed from the bytes, never from a file name or MIME type: an audio document
renamed to `.ogg` still decodes, a PDF sent as a voice note never reaches a decoder. Telegram's
voice notes (Ogg/Opus) are decoded in-process by libopus (`services/speech/opus.py`); anything
else by one ffmpeg run, only for sniffed containers, with the demuxer forced and only the
`file` protocol allowed, so a playlist or a crafted file cannot make it open anything else.
A too-long recording is refused from the duration its container tells (Ogg pages, ffmpeg's
probe) before it is decoded, and decoding is bounded by the limit in any case.

The decoded PCM is then checked (`analyse_pcm`): silence (too little above the silence
threshold) and music or steady noise instead of speech (`PcmAnalysis.speech_like`).
"""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
import subprocess
import tempfile
import threading
from collections import deque
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from services.speech.metrics import LONG_PAUSE_S
from services.speech.opus import decode_opus_packets, parse_ogg_opus

logger = logging.getLogger(__name__)

SAMPLE_RATE = 16000
FRAME_S = 0.01  # 10 ms analysis frames
FRAME = int(SAMPLE_RATE * FRAME_S)
# A recording may overrun the limit by this much (Telegram rounds durations to whole seconds).
DURATION_TOLERANCE_S = 1.0
# Less voiced sound than this is silence, whatever the length of the recording.
MIN_VOICED_S = 0.25
# Frames quieter than this (dBFS) are silence however quiet the rest of the recording is.
ABSOLUTE_SILENCE_DB = -50.0
FFMPEG_TIMEOUT_S = 120.0

# ffmpeg demuxer for every container `sniff_container` recognises.
DEMUXERS: dict[str, str] = {
    "ogg": "ogg",
    "mp3": "mp3",
    "wav": "wav",
    "flac": "flac",
    "m4a": "mov",
    "mp4": "mov",
    "mov": "mov",
    "3gp": "mov",
    "webm": "matroska",
    "mkv": "matroska",
    "aac": "aac",
    "amr": "amr",
    "aiff": "aiff",
    "caf": "caf",
    "asf": "asf",
}

DURATION_RE = re.compile(r"^\s*Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
NO_AUDIO_STREAM_RE = re.compile(r"matches no streams|does not contain any stream")
ASF_GUID = bytes.fromhex("3026B2758E66CF11A6D900AA0062CE6C")


class AudioProblem(StrEnum):
    EMPTY = "empty"
    CORRUPT = "corrupt"
    NOT_AUDIO = "not_audio"
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    SILENCE = "silence"
    NO_SPEECH = "no_speech"  # music or noise, no speech in it


class AudioRejected(Exception):
    """The recording cannot be an answer; `problem` says why (the bot explains it to the user)."""

    def __init__(self, problem: AudioProblem, duration_s: float | None = None) -> None:
        detail = f" ({duration_s:.1f} s)" if duration_s is not None else ""
        super().__init__(f"audio rejected: {problem.value}{detail}")
        self.problem = problem
        self.duration_s = duration_s


@dataclass(frozen=True)
class DecodedAudio:
    pcm: bytes  # 16 kHz mono signed 16-bit little endian
    duration_s: float
    voiced_s: float  # seconds above the silence threshold
    pauses: tuple[tuple[float, float], ...]  # (start, end) of inner silences longer than 2 s
    container: str | None  # sniffed from the content: "ogg", "mp3", "wav", "m4a", "mp4", ...
    SAMPLE_RATE: ClassVar[int] = SAMPLE_RATE


def sniff_container(data: bytes) -> str | None:
    """The audio/video container the bytes start with, or None when they are not one we know."""
    head = data[:64]
    if head.startswith(b"OggS"):
        return "ogg"
    if head[:4] in (b"RIFF", b"RF64") and head[8:12] == b"WAVE":
        return "wav"
    if head.startswith(b"fLaC"):
        return "flac"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"M4A ", b"M4B ", b"M4P "):
            return "m4a"
        if brand == b"qt  ":
            return "mov"
        if brand.startswith(b"3g"):
            return "3gp"
        return "mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm" if b"webm" in head else "mkv"
    if head.startswith(b"ID3"):
        return "mp3"
    if head.startswith(b"#!AMR"):
        return "amr"
    if head.startswith(b"FORM") and head[8:12] in (b"AIFF", b"AIFC"):
        return "aiff"
    if head.startswith(b"caff"):
        return "caf"
    if head.startswith(ASF_GUID):
        return "asf"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        layer = (head[1] >> 1) & 0b11
        if layer == 0b00:  # ADTS: an MPEG-sync with the layer bits zero
            return "aac" if head[1] & 0xF6 == 0xF0 else None
        if (head[1] >> 3) & 0b11 != 0b01:  # MPEG audio frame sync, version not reserved
            return "mp3"
    return None


def decode_audio(
    data: bytes, *, max_duration_s: float, min_duration_s: float = 0.5
) -> DecodedAudio:
    """Decodes any audio (or video with sound) to 16 kHz mono PCM and checks it is speech.

    Raises `AudioRejected`: EMPTY (no bytes, no samples), NOT_AUDIO (not a container we know,
    or one without an audio stream), CORRUPT (ffmpeg cannot read it), TOO_LONG (told by the
    container before decoding, or by the decoded length), TOO_SHORT, SILENCE, NO_SPEECH (music
    or steady noise).
    """
    if not data:
        raise AudioRejected(AudioProblem.EMPTY)
    container = sniff_container(data)
    if container is None:
        raise AudioRejected(AudioProblem.NOT_AUDIO)
    limit_s = max_duration_s + DURATION_TOLERANCE_S
    pcm: bytes | None = None
    told_s: float | None = None
    if container == "ogg" and (stream := parse_ogg_opus(data)) is not None:
        told_s = stream.duration_s
        if told_s is not None and told_s > limit_s:
            raise AudioRejected(AudioProblem.TOO_LONG, round(told_s, 2))
        pcm = decode_opus_packets(stream, SAMPLE_RATE, max_seconds=limit_s + 0.5)
    if pcm is None:
        pcm, told_s = _ffmpeg_decode(data, container, limit_s)
    duration_s = len(pcm) / 2 / SAMPLE_RATE
    if duration_s > limit_s:
        raise AudioRejected(AudioProblem.TOO_LONG, round(max(duration_s, told_s or 0.0), 2))
    if duration_s == 0:
        raise AudioRejected(AudioProblem.EMPTY, 0.0)
    if duration_s < min_duration_s:
        raise AudioRejected(AudioProblem.TOO_SHORT, round(duration_s, 2))
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
    analysis = analyse_pcm(samples)
    if analysis.voiced_s < MIN_VOICED_S:
        raise AudioRejected(AudioProblem.SILENCE, round(duration_s, 2))
    if not analysis.speech_like:
        raise AudioRejected(AudioProblem.NO_SPEECH, round(duration_s, 2))
    return DecodedAudio(
        pcm=pcm,
        duration_s=round(duration_s, 3),
        voiced_s=analysis.voiced_s,
        pauses=analysis.pauses,
        container=container,
    )


async def decode_audio_async(
    data: bytes, *, max_duration_s: float, min_duration_s: float = 0.5
) -> DecodedAudio:
    """`decode_audio` in a worker thread (libopus, ffmpeg and numpy all release the GIL)."""
    return await asyncio.to_thread(
        decode_audio, data, max_duration_s=max_duration_s, min_duration_s=min_duration_s
    )


def _ffmpeg() -> str:
    path = shutil.which("ffmpeg")
    if path is None:
        raise RuntimeError("ffmpeg is not installed (scripts/system-deps.sh installs it)")
    return path


def _ffmpeg_decode(data: bytes, container: str, limit_s: float) -> tuple[bytes, float | None]:
    """(PCM, the duration the container tells) from one ffmpeg run.

    The input's duration is read from ffmpeg's log as soon as it has opened the file: past the
    limit, ffmpeg is stopped before it decodes (a 30-minute file costs a probe, not a decode).
    Otherwise at most `limit_s` + 0.5 s is decoded, so a file that hides its length is bounded.
    """
    with tempfile.TemporaryDirectory(prefix="easyflow-voice-") as directory:
        source = Path(directory) / f"in.{container}"
        target = Path(directory) / "out.pcm"
        source.write_bytes(data)
        command = [
            _ffmpeg(), "-nostdin", "-hide_banner", "-nostats", "-loglevel", "info",
            "-protocol_whitelist", "file", "-f", DEMUXERS[container], "-i", str(source),
            "-map", "0:a:0", "-vn", "-sn", "-dn", "-ac", "1", "-ar", str(SAMPLE_RATE),
            "-t", f"{limit_s + 0.5:.3f}", "-f", "s16le", "-acodec", "pcm_s16le", "-y", str(target),
        ]  # fmt: skip
        told_s: float | None = None
        log: deque[str] = deque(maxlen=40)  # the tail is enough to tell why it failed
        with subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        ) as process:
            assert process.stderr is not None
            timer = threading.Timer(FFMPEG_TIMEOUT_S, process.kill)
            timer.start()
            try:
                for raw_line in process.stderr:
                    line = raw_line.decode("utf-8", "replace")
                    log.append(line)
                    match = DURATION_RE.search(line) if told_s is None else None
                    if match:
                        hours, minutes, seconds = match.groups()
                        told_s = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
                        if told_s > limit_s:
                            process.kill()
                            process.wait()
                            raise AudioRejected(AudioProblem.TOO_LONG, round(told_s, 2))
                returncode = process.wait()
            finally:
                timer.cancel()
        pcm = target.read_bytes() if target.exists() else b""
    if returncode != 0 and not pcm:
        text = "".join(log)
        logger.info("ffmpeg cannot decode a %s file: %s", container, text[-300:])
        if NO_AUDIO_STREAM_RE.search(text):
            raise AudioRejected(AudioProblem.NOT_AUDIO)
        raise AudioRejected(AudioProblem.CORRUPT)
    return pcm[: len(pcm) - len(pcm) % 2], told_s


# --- analysis of the decoded PCM -------------------------------------------------------------

# Music and noise vs speech: two documented cues, tuned on espeak-ng speech (en and ru, six
# voices, 120-230 words per minute, pauses, background noise) against synthetic music made with
# ffmpeg (chords, melodies, arpeggios, plucked and staccato notes, drums, vibrato) and steady
# noise (white, pink, brown, mains hum); see tests/unit/test_speech_audio.py.
#
# 1. Syllabic dips (Scheirer & Slaney's "low-energy frames"): within each second of sound,
#    speech spends most 10 ms frames below half the second's mean power, because energy comes
#    in syllable nuclei 4-8 times a second with consonants and gaps between them. Measured:
#    speech 0.53-0.69, sustained music and noise 0-0.33. Threshold 0.40.
# 2. Pitch steadiness: music holds a note at a constant pitch, a voice glides. Among pairs of
#    consecutive voiced frames, the share whose pitch changes by less than 0.3 %: speech
#    0.10-0.38, notes 0.80-1.00 (plucked or staccato music passes cue 1). Threshold 0.60.
MIN_LOW_ENERGY_SHARE = 0.40
MAX_PITCH_STEADINESS = 0.60
STEADY_PITCH_CHANGE = 0.003
MIN_PITCH_PAIRS = 30
PITCH_WINDOW = 640  # 40 ms
PITCH_FFT = 1024
MAX_PITCH_FRAMES = 2500  # 25 s of sound is plenty to tell a voice from an instrument
MIN_PITCH_HZ, MAX_PITCH_HZ = 60, 500
VOICING_CORRELATION = 0.6
BLIP_FRAMES = 5  # a click or a breath shorter than 50 ms does not end a pause

FloatArray = NDArray[np.float32] | NDArray[np.float64]


@dataclass(frozen=True)
class PcmAnalysis:
    voiced_s: float
    pauses: tuple[tuple[float, float], ...]
    low_energy_share: float
    pitch_steadiness: float | None  # None: too little pitched sound to tell
    threshold_db: float

    @property
    def speech_like(self) -> bool:
        if self.low_energy_share < MIN_LOW_ENERGY_SHARE:
            return False
        return self.pitch_steadiness is None or self.pitch_steadiness < MAX_PITCH_STEADINESS


def analyse_pcm(samples: FloatArray) -> PcmAnalysis:
    """Voiced time, inner pauses and the speech/music cues of mono float samples at 16 kHz."""
    count = len(samples) // FRAME
    if count == 0:
        return PcmAnalysis(0.0, (), 0.0, None, ABSOLUTE_SILENCE_DB)
    frames = np.asarray(samples[: count * FRAME], dtype=np.float64).reshape(count, FRAME)
    power = np.mean(frames * frames, axis=1)
    levels = 10 * np.log10(np.maximum(power, 1e-10))
    threshold = silence_threshold_db(levels)
    voiced = levels > threshold
    loud = levels > max(threshold, float(np.percentile(levels, 95)) - 25.0)
    return PcmAnalysis(
        voiced_s=round(float(voiced.sum()) * FRAME_S, 2),
        pauses=find_pauses(voiced),
        low_energy_share=low_energy_share(power, voiced),
        pitch_steadiness=pitch_steadiness(samples, loud),
        threshold_db=threshold,
    )


def silence_threshold_db(levels: FloatArray) -> float:
    """10 dB above the noise floor (the 10th percentile), at most 15 dB under the loud frames
    (the 95th percentile), and never under -50 dBFS, so digital silence and a quiet room are
    both silence while speech over steady background noise still has pauses."""
    floor = float(np.percentile(levels, 10))
    loud = float(np.percentile(levels, 95))
    return max(ABSOLUTE_SILENCE_DB, min(floor + 10.0, loud - 15.0))


def find_pauses(voiced: NDArray[np.bool_]) -> tuple[tuple[float, float], ...]:
    """Silences longer than LONG_PAUSE_S between the first and the last voiced frame."""
    voiced = _without_blips(voiced)
    indices = np.flatnonzero(voiced)
    if len(indices) < 2:
        return ()
    gaps = np.diff(indices)
    long_gaps = np.flatnonzero((gaps - 1) * FRAME_S > LONG_PAUSE_S)
    return tuple(
        (round(float(indices[i] + 1) * FRAME_S, 2), round(float(indices[i + 1]) * FRAME_S, 2))
        for i in long_gaps
    )


def _without_blips(voiced: NDArray[np.bool_]) -> NDArray[np.bool_]:
    cleaned = voiced.copy()
    edges = np.flatnonzero(np.diff(np.concatenate(([0], voiced.astype(np.int8), [0]))))
    for start, end in zip(edges[::2], edges[1::2], strict=True):
        if end - start < BLIP_FRAMES:
            cleaned[start:end] = False
    return cleaned if cleaned.any() else voiced


def low_energy_share(power: FloatArray, voiced: NDArray[np.bool_]) -> float:
    """Cue 1: the mean share of frames under half their second's mean power, over the seconds
    that hold sound (at least a fifth of their frames voiced)."""
    window = min(100, len(power))
    shares: list[float] = []
    for start in range(0, len(power) - window + 1, window // 2 or 1):
        if voiced[start : start + window].mean() < 0.2:
            continue
        chunk = power[start : start + window]
        shares.append(float(np.mean(chunk < 0.5 * chunk.mean())))
    return float(np.mean(shares)) if shares else 0.0


def pitch_steadiness(samples: FloatArray, loud: NDArray[np.bool_]) -> float | None:
    """Cue 2: among consecutive loud frames that are both pitched, the share whose
    autocorrelation pitch changes by less than STEADY_PITCH_CHANGE; None with too few pairs."""
    if len(samples) < PITCH_WINDOW:
        return None
    indices = np.flatnonzero(loud)[:MAX_PITCH_FRAMES]
    if len(indices) < MIN_PITCH_PAIRS:
        return None
    starts = np.clip(
        indices * FRAME + FRAME // 2 - PITCH_WINDOW // 2, 0, len(samples) - PITCH_WINDOW
    )
    min_lag = SAMPLE_RATE // MAX_PITCH_HZ
    max_lag = SAMPLE_RATE // MIN_PITCH_HZ
    taper = np.hanning(PITCH_WINDOW).astype(np.float32)
    f0 = np.empty(len(indices))
    correlation = np.empty(len(indices))
    for chunk in range(0, len(indices), 2000):
        block = starts[chunk : chunk + 2000]
        windows = np.asarray(samples, dtype=np.float32)[
            block[:, None] + np.arange(PITCH_WINDOW)[None, :]
        ]
        windows = (windows - windows.mean(axis=1, keepdims=True)) * taper
        spectrum = np.fft.rfft(windows, n=PITCH_FFT)
        autocorrelation = np.fft.irfft(spectrum.real**2 + spectrum.imag**2, n=PITCH_FFT)
        energy = autocorrelation[:, 0] + 1e-12
        span = autocorrelation[:, min_lag : max_lag + 2] / energy[:, None]
        best = np.argmax(span[:, :-1], axis=1)
        rows = np.arange(len(block))
        before = span[rows, np.maximum(best - 1, 0)]
        peak = span[rows, best]
        after = span[rows, best + 1]
        curvature = before - 2 * peak + after
        with np.errstate(divide="ignore", invalid="ignore"):
            offset = np.where(np.abs(curvature) > 1e-12, 0.5 * (before - after) / curvature, 0.0)
        lag = best + min_lag + np.clip(offset, -1.0, 1.0)
        f0[chunk : chunk + len(block)] = SAMPLE_RATE / lag
        correlation[chunk : chunk + len(block)] = peak
    pitched = correlation > VOICING_CORRELATION
    pairs = (np.diff(indices) == 1) & pitched[1:] & pitched[:-1]
    if pairs.sum() < MIN_PITCH_PAIRS:
        return None
    change = np.abs(np.diff(f0)) / f0[1:]
    return float(np.mean(change[pairs] < STEADY_PITCH_CHANGE))
