"""Real audio for the speech tests, generated at test time with espeak-ng and ffmpeg.

Plain functions (no pytest fixtures), so unit and end-to-end tests share them; each result is
cached for the session (files in one temporary folder, removed at exit).

    speech_ogg("Um, so an index is a tree.")          # a Telegram-like voice note (Ogg/Opus)
    speech_ogg('First. <break time="2500ms"/> Second.')  # SSML breaks make pauses
    speech_ogg("Ну, индекс — это дерево.", language="ru", speed=150)
    music_ogg(6), silence_ogg(3), noise_ogg(4), long_ogg(1800), mp3_bytes("Hello there.")
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import shutil
import subprocess
import tempfile
from pathlib import Path

# Telegram's voice notes: Opus, 48 kHz, mono, in an Ogg container.
VOICE_NOTE_ARGS = ["-ac", "1", "-ar", "48000", "-c:a", "libopus", "-b:a", "32k",
                   "-application", "voip", "-f", "ogg"]  # fmt: skip

# Synthetic music made by ffmpeg's aevalsrc: chords, a melody, plucked notes, staccato notes,
# drums with a hi-hat. Each has rhythm; none is speech.
MUSIC: dict[str, str] = {
    "chords": (
        "0.25*exp(-2*mod(t,0.5))*(sin(2*PI*t*(220+110*mod(floor(t*2),4)))"
        "+sin(2*PI*t*1.25*(220+110*mod(floor(t*2),4)))"
        "+sin(2*PI*t*1.5*(220+110*mod(floor(t*2),4))))"
    ),
    "melody": "0.5*sin(2*PI*t*440*pow(2,floor(mod(t*4,8))/12))*(0.3+0.7*exp(-6*mod(t,0.25)))",
    "pluck": (
        "0.5*exp(-12*mod(t,0.4))*(sin(2*PI*t*262*pow(2,floor(mod(t*2.5,7))/12))"
        "+0.5*sin(4*PI*t*262*pow(2,floor(mod(t*2.5,7))/12)))"
    ),
    "staccato": "0.5*sin(2*PI*t*(330*pow(2,floor(mod(t*3,5))/12)))*lt(mod(t,0.333),0.12)",
    "drums": (
        "0.3*sin(2*PI*110*t)*exp(-6*mod(t,0.5))+0.15*(random(0)*2-1)*exp(-40*mod(t,0.25))"
        "+0.2*sin(2*PI*t*(440+110*mod(floor(t*2),4)))*exp(-3*mod(t,0.5))"
    ),
}

LONG_ENGLISH_ANSWER = (
    "Well, I think the main idea of a database index is simple. We keep the values of a column "
    "sorted in a separate structure, usually a B-tree, so a lookup walks a few levels of the "
    "tree instead of scanning the whole table. Um, the cost is that every insert, update and "
    "delete has to change the index too, so writes get slower, and each index takes disk space "
    "and memory. So I would not index every column. I would look at the queries first, you "
    "know, the slow ones in the logs, and add an index for the columns they filter and sort "
    "by. For example, on a users table with ten million rows, an index on the email column "
    "makes the login lookup instant. A flag with two values, like active or blocked, is a bad "
    "candidate, because the planner would scan the table anyway. Basically, I measure, I add "
    "the index, and I measure again, and I keep an eye on the write latency after the change. "
    "That is how we handled it on my last project, and it worked well for us."
)


@functools.cache
def _folder() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="easyflow-speech-"))
    atexit.register(shutil.rmtree, folder, True)
    return folder


def _run(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True, timeout=120)


def _ffmpeg(*arguments: str) -> None:
    _run("ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *arguments)


def _output(name: str) -> Path:
    return _folder() / name


@functools.cache
def speech_wav(text: str, language: str = "en", speed: int = 160, voice: str | None = None) -> Path:
    """espeak-ng's WAV (22.05 kHz mono) of `text`; SSML (`<break time="2s"/>`) is allowed."""
    key = hashlib.sha1(repr((text, language, speed, voice)).encode()).hexdigest()[:16]
    path = _output(f"speech-{key}.wav")
    command = ["espeak-ng", "-v", voice or language, "-s", str(speed), "-w", str(path)]
    if "<" in text:
        command += ["-m", f"<speak>{text}</speak>"]
    else:
        command.append(text)
    _run(*command)
    return path


@functools.cache
def speech_ogg(
    text: str, language: str = "en", speed: int = 160, voice: str | None = None
) -> bytes:
    """`text` spoken by espeak-ng as a Telegram-like voice note (Ogg/Opus 48 kHz mono)."""
    source = speech_wav(text, language, speed, voice)
    target = source.with_suffix(".ogg")
    _ffmpeg("-i", str(source), *VOICE_NOTE_ARGS, str(target))
    return target.read_bytes()


@functools.cache
def long_speech_ogg(seconds: float = 60.0) -> bytes:
    """A `seconds`-long English voice note of varied sentences (the answer, repeated)."""
    source = speech_wav(LONG_ENGLISH_ANSWER, "en", 150)
    target = _output(f"long-speech-{seconds:g}.ogg")
    _ffmpeg("-stream_loop", "-1", "-i", str(source), "-t", f"{seconds:g}", *VOICE_NOTE_ARGS,
            str(target))  # fmt: skip
    return target.read_bytes()


@functools.cache
def mp3_bytes(text: str, language: str = "en", speed: int = 160) -> bytes:
    """`text` spoken by espeak-ng as an MP3 (as an audio document would be)."""
    source = speech_wav(text, language, speed)
    target = source.with_suffix(".mp3")
    _ffmpeg("-i", str(source), "-ac", "1", "-c:a", "libmp3lame", "-b:a", "64k", str(target))
    return target.read_bytes()


@functools.cache
def video_note_mp4(text: str, language: str = "en") -> bytes:
    """A round-video-like MP4 (H.264 + AAC) whose sound is `text` spoken by espeak-ng."""
    source = speech_wav(text, language)
    target = source.with_suffix(".mp4")
    _ffmpeg("-f", "lavfi", "-i", "testsrc=s=240x240:r=25", "-i", str(source), "-shortest",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
            "-movflags", "+faststart", str(target))  # fmt: skip
    return target.read_bytes()


@functools.cache
def silence_ogg(seconds: float) -> bytes:
    """Digital silence as a voice note."""
    target = _output(f"silence-{seconds:g}.ogg")
    _ffmpeg("-f", "lavfi", "-i", "anullsrc=r=48000:cl=mono", "-t", f"{seconds:g}",
            *VOICE_NOTE_ARGS, str(target))  # fmt: skip
    return target.read_bytes()


@functools.cache
def music_ogg(seconds: float, kind: str = "chords") -> bytes:
    """Synthetic music (see MUSIC) as a voice note."""
    target = _output(f"music-{kind}-{seconds:g}.ogg")
    _ffmpeg("-f", "lavfi", "-i", f"aevalsrc='{MUSIC[kind]}':s=48000:d={seconds:g}",
            *VOICE_NOTE_ARGS, str(target))  # fmt: skip
    return target.read_bytes()


@functools.cache
def noise_ogg(seconds: float, color: str = "pink") -> bytes:
    """Steady noise (white, pink, brown) as a voice note."""
    target = _output(f"noise-{color}-{seconds:g}.ogg")
    _ffmpeg("-f", "lavfi", "-i", f"anoisesrc=c={color}:a=0.3:r=48000:d={seconds:g}",
            *VOICE_NOTE_ARGS, str(target))  # fmt: skip
    return target.read_bytes()


@functools.cache
def long_ogg(seconds: float) -> bytes:
    """A cheap `seconds`-long Ogg file (FLAC-coded digital silence at 8 kHz: 30 minutes take
    well under a second to make and ~0.4 MB)."""
    target = _output(f"long-{seconds:g}.ogg")
    _ffmpeg("-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono", "-t", f"{seconds:g}",
            "-c:a", "flac", "-f", "ogg", str(target))  # fmt: skip
    return target.read_bytes()


@functools.cache
def clipped_speech_ogg(text: str, seconds: float, language: str = "en") -> bytes:
    """The first `seconds` of `text` spoken, as a voice note (e.g. a 0.2-second tap)."""
    source = speech_wav(text, language)
    target = _output(f"{source.stem}-clip-{seconds:g}.ogg")
    _ffmpeg("-i", str(source), "-t", f"{seconds:g}", *VOICE_NOTE_ARGS, str(target))
    return target.read_bytes()


@functools.cache
def without_audio_mp4(text: str) -> bytes:
    """`video_note_mp4(text)` with its sound track removed."""
    source = _folder() / f"with-audio-{hashlib.sha1(text.encode()).hexdigest()[:16]}.mp4"
    source.write_bytes(video_note_mp4(text))
    target = source.with_name(source.stem + "-silent.mp4")
    _ffmpeg("-i", str(source), "-an", "-c:v", "copy", str(target))
    return target.read_bytes()


# Other containers and codecs an audio document may come in (ffmpeg muxer and codec options).
FORMATS: dict[str, tuple[str, ...]] = {
    "flac": ("-c:a", "flac", "-f", "flac"),
    "m4a": ("-c:a", "aac", "-f", "ipod"),
    "ogg-vorbis": ("-c:a", "libvorbis", "-f", "ogg"),
    "ogg-opus-stereo": ("-ac", "2", "-c:a", "libopus", "-f", "ogg"),
    "webm": ("-c:a", "libopus", "-f", "webm"),
    "mkv": ("-c:a", "libopus", "-f", "matroska"),
    "wav-48k-stereo": ("-ar", "48000", "-ac", "2", "-f", "wav"),
    "aac": ("-c:a", "aac", "-f", "adts"),
    "aiff": ("-f", "aiff"),
}


@functools.cache
def speech_as(text: str, format_name: str, language: str = "en") -> bytes:
    """`text` spoken by espeak-ng in one of FORMATS."""
    source = speech_wav(text, language)
    target = _output(f"{source.stem}.{format_name}")
    _ffmpeg("-i", str(source), *FORMATS[format_name], str(target))
    return target.read_bytes()


# espeak-ng's Russian voice is hard to follow, even for people, and Whisper base gets few of its
# words right (bench/voice_accuracy.py measures how few). What a test can hold the offline
# engine to is that it hears Russian as Russian: told nothing, Whisper took this voice for Greek.
RUSSIAN_ANSWER = "Когда наш сервис замедлился, я добавил индексы."


def heard_as_russian(text: str) -> bool:
    """At least ten letters, nine in ten of them Cyrillic."""
    letters = [char for char in text if char.isalpha()]
    cyrillic = [char for char in letters if "а" <= char.lower() <= "я" or char in "ёЁ"]
    return len(letters) >= 10 and len(cyrillic) >= 0.9 * len(letters)
