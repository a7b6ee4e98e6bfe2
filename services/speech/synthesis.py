"""Questions read aloud: text to an OGG/Opus voice note, ready for ``sendVoice``.

Two engines behind one interface: an OpenAI-compatible text-to-speech API when a key is
configured (retried under the shared policy of ``services/llm_retry.py``), else espeak-ng
offline when it is installed (with ffmpeg to encode Opus); with neither, ``build_synthesizer``
returns None and the "read questions aloud" setting is hidden. External programs run as
asyncio subprocesses, so synthesis never blocks the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import html
import logging
import re
import shutil
import subprocess
import unicodedata
from typing import Protocol

from openai import AsyncOpenAI
from pydantic import SecretStr

from services.llm_retry import (
    DEFAULT_MAX_DELAY,
    AiKind,
    RetryableLLMError,
    openai_failures_as_retryable,
    with_retries,
)

logger = logging.getLogger(__name__)

# A question is a few sentences; anything longer is cut at a sentence end (OpenAI allows 4096).
MAX_SPEECH_CHARS = 1000
# espeak-ng voice per interface language.
ESPEAK_VOICES = {"en": "en-us", "ru": "ru"}
ESPEAK_WORDS_PER_MINUTE = 160
SUBPROCESS_TIMEOUT = 60.0
OPUS_SAMPLE_RATE = 48_000
# ffmpeg output options for a Telegram-like voice note: OGG/Opus, mono, 48 kHz, speech-tuned.
VOICE_NOTE_OUTPUT = (
    "-vn", "-c:a", "libopus", "-b:a", "32k", "-application", "voip",
    "-ar", str(OPUS_SAMPLE_RATE), "-ac", "1", "-f", "ogg",
)  # fmt: skip


class SynthesisFailed(Exception):
    """No voice note this time (the API kept failing, a program is missing or failed)."""


class SpeechSynthesizer(Protocol):
    name: str

    def supports(self, language: str) -> bool: ...

    async def synthesize(self, text: str, language: str) -> bytes:
        """OGG/Opus voice-note bytes of ``text`` read in ``language``; raises SynthesisFailed."""
        ...


# ----------------------------------------------------------------------------- text
_BLOCK_TAG_RE = re.compile(r"<\s*(br|/p|/div|/li|/pre|/blockquote|/h\d|/tr)\b[^>]*>", re.I)
_TAG_RE = re.compile(r"<[^>]*>")
_FENCE_RE = re.compile(r"^\s*```[^\n]*$", re.M)
_EMPHASIS_RE = re.compile(r"(\*\*|__|~~)(?=\S)(.+?)(?<=\S)\1", re.S)
_SPACES_RE = re.compile(r"[^\S\n]+")
_NEWLINES_RE = re.compile(r"\s*\n\s*")
_SENTENCE_END_RE = re.compile(r"[.!?…](?=\s)")
# Emoji glue: joiner, variation selectors, keycap, skin tones (emoji themselves are "So").
_SILENT_CHARACTERS = {"\u200d", "\ufe0f", "\ufe0e", "\u20e3"} | {
    chr(code) for code in range(0x1F3FB, 0x1F400)
}


def speech_text(text: str, limit: int = MAX_SPEECH_CHARS) -> str:
    """What should be read aloud of a message: no HTML tags or entities, no code backticks or
    Markdown emphasis marks, no emoji; whitespace collapsed; at most ``limit`` characters, cut
    at a sentence end (else a word) when longer."""
    text = _BLOCK_TAG_RE.sub("\n", text)
    text = html.unescape(_TAG_RE.sub("", text))
    text = _FENCE_RE.sub("", text).replace("`", "")
    text = _EMPHASIS_RE.sub(r"\2", text)
    text = "".join(
        char
        for char in text
        if unicodedata.category(char) != "So" and char not in _SILENT_CHARACTERS
    )
    text = _NEWLINES_RE.sub("\n", _SPACES_RE.sub(" ", text)).strip()
    if len(text) <= limit:
        return text
    head = text[:limit]
    sentence_ends = [match.end() for match in _SENTENCE_END_RE.finditer(head + " ")]
    if sentence_ends and sentence_ends[-1] >= limit // 2:
        return head[: sentence_ends[-1]].strip()
    cut = head.rsplit(None, 1)[0] if " " in head or "\n" in head else head
    return cut.rstrip(" ,;:-") + "…"


def base_language(language: str) -> str:
    """``"en-US"`` → ``"en"``."""
    return language.replace("_", "-").split("-", 1)[0].lower()


# ---------------------------------------------------------------------- subprocesses
async def _run(args: list[str], stdin: bytes, timeout: float) -> bytes:
    """The program's stdout; SynthesisFailed if it is missing, fails or takes too long."""
    try:
        process = await asyncio.create_subprocess_exec(
            *args,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
    except OSError as error:
        raise SynthesisFailed(f"cannot run {args[0]}: {error}") from error
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(stdin), timeout)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        raise SynthesisFailed(f"{args[0]} took longer than {timeout:.0f}s") from None
    if process.returncode != 0:
        detail = stderr.decode(errors="replace").strip()[-300:]
        raise SynthesisFailed(f"{args[0]} exited with {process.returncode}: {detail}")
    return stdout


def is_ogg_opus(audio: bytes) -> bool:
    """An Ogg stream whose first packet is an Opus header (what Telegram plays as a voice note)."""
    if not audio.startswith(b"OggS") or len(audio) < 28:
        return False
    segments = audio[26]
    return audio[27 + segments : 35 + segments] == b"OpusHead"


async def encode_ogg_opus(
    audio: bytes,
    *,
    ffmpeg: str = "ffmpeg",
    input_format: str | None = None,
    timeout: float = SUBPROCESS_TIMEOUT,
) -> bytes:
    """Any audio ffmpeg reads → OGG/Opus mono 48 kHz, the shape of a Telegram voice note."""
    source = ["-f", input_format] if input_format else []
    encoded = await _run(
        [
            ffmpeg,
            "-hide_banner",
            "-loglevel",
            "error",
            *source,
            "-i",
            "pipe:0",
            *VOICE_NOTE_OUTPUT,
            "pipe:1",
        ],
        audio,
        timeout,
    )
    if not is_ogg_opus(encoded):
        raise SynthesisFailed("ffmpeg produced no OGG/Opus audio")
    return encoded


# --------------------------------------------------------------------------- OpenAI
class OpenAISpeechSynthesizer:
    """An OpenAI-compatible ``/audio/speech`` endpoint, asked for Opus (in Ogg).

    Rate limits, 5xx, timeouts and connection errors are retried with the jittered backoff
    of ``services/llm_retry.py``; SynthesisFailed after the last attempt or at once for a
    request the API refuses (bad key, unknown model or voice). The model reads any language.
    """

    name = "openai"

    def __init__(
        self,
        client: AsyncOpenAI,
        model: str,
        voice: str,
        *,
        attempts: int = 3,
        base_delay: float = 0.5,
        max_delay: float = DEFAULT_MAX_DELAY,
    ) -> None:
        self.client = client
        self.model = model
        self.voice = voice
        self.attempts = attempts
        self.base_delay = base_delay
        self.max_delay = max_delay

    def supports(self, language: str) -> bool:
        return True

    async def synthesize(self, text: str, language: str) -> bytes:
        words = speech_text(text)
        if not words:
            raise SynthesisFailed("nothing to read aloud")
        audio = await with_retries(
            lambda: self._request(words),
            purpose="text-to-speech",
            kind=AiKind.TTS,
            engine=self.name,
            attempts=self.attempts,
            base_delay=self.base_delay,
            max_delay=self.max_delay,
        )
        if audio is None:
            raise SynthesisFailed("the text-to-speech API did not answer with audio")
        if is_ogg_opus(audio):
            return audio
        # Some compatible servers ignore response_format; ffmpeg makes it a voice note anyway.
        if shutil.which("ffmpeg") is None:
            raise SynthesisFailed("the text-to-speech API answered with audio that is not Opus")
        return await encode_ogg_opus(audio)

    async def _request(self, words: str) -> bytes:
        with openai_failures_as_retryable():
            response = await self.client.audio.speech.create(
                model=self.model, voice=self.voice, input=words, response_format="opus"
            )
            audio = await response.aread()
        if not audio:
            raise RetryableLLMError("empty audio")
        return audio


# ------------------------------------------------------------------------- espeak-ng
@functools.cache
def _espeak_has_voice(executable: str, voice: str) -> bool:
    """Whether ``espeak-ng --voices=<language>`` lists the voice (asked once per voice)."""
    try:
        listing = subprocess.run(
            [executable, f"--voices={voice.split('-')[0]}"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return any(
        len(columns) > 1 and columns[1].lower() == voice
        for columns in (line.split() for line in listing.splitlines()[1:])
    )


class EspeakSynthesizer:
    """Offline speech: ``espeak-ng --stdout`` (WAV) piped through ffmpeg into OGG/Opus.

    Voices: en-us for English, ru for Russian; ``supports`` also checks the voice is
    installed (asked once per voice, a few milliseconds).
    """

    name = "espeak-ng"

    def __init__(
        self,
        executable: str = "espeak-ng",
        *,
        ffmpeg: str = "ffmpeg",
        words_per_minute: int = ESPEAK_WORDS_PER_MINUTE,
        timeout: float = SUBPROCESS_TIMEOUT,
    ) -> None:
        self.executable = executable
        self.ffmpeg = ffmpeg
        self.words_per_minute = words_per_minute
        self.timeout = timeout

    @staticmethod
    def voice_for(language: str) -> str | None:
        return ESPEAK_VOICES.get(base_language(language))

    def supports(self, language: str) -> bool:
        voice = self.voice_for(language)
        return voice is not None and _espeak_has_voice(self.executable, voice)

    async def synthesize(self, text: str, language: str) -> bytes:
        voice = self.voice_for(language)
        if voice is None:
            raise SynthesisFailed(f"espeak-ng has no voice for {language!r}")
        words = speech_text(text)
        if not words:
            raise SynthesisFailed("nothing to read aloud")
        # The text goes through stdin (-b 1: UTF-8), so nothing in it is read as an option.
        wav = await _run(
            [
                self.executable,
                "-v",
                voice,
                "-s",
                str(self.words_per_minute),
                "-b",
                "1",
                "--stdin",
                "--stdout",
            ],
            words.encode(),
            self.timeout,
        )
        if not wav.startswith(b"RIFF"):
            raise SynthesisFailed("espeak-ng produced no WAV audio")
        return await encode_ogg_opus(
            wav, ffmpeg=self.ffmpeg, input_format="wav", timeout=self.timeout
        )


def espeak_available() -> bool:
    """espeak-ng to speak and ffmpeg to encode the voice note are both installed."""
    return shutil.which("espeak-ng") is not None and shutil.which("ffmpeg") is not None


class SynthesisSettings(Protocol):
    """What choosing a voice reads from the platform's settings."""

    openai_api_key: SecretStr | None
    openai_base_url: str | None
    llm_timeout_seconds: float
    tts_model: str
    tts_voice: str


def build_synthesizer(settings: SynthesisSettings) -> SpeechSynthesizer | None:
    """OpenAI-compatible speech with OPENAI_API_KEY, else espeak-ng when installed, else None
    (then questions are not read aloud and the setting is hidden)."""
    api_key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
    if api_key:
        # The SDK's own retries are off: the shared policy in services/llm_retry.py retries.
        client = AsyncOpenAI(
            api_key=api_key,
            base_url=settings.openai_base_url,
            timeout=settings.llm_timeout_seconds,
            max_retries=0,
        )
        return OpenAISpeechSynthesizer(client, settings.tts_model, settings.tts_voice)
    if espeak_available():
        return EspeakSynthesizer()
    return None
