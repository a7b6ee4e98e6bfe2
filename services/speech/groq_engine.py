"""Groq's hosted Whisper: word timings, filler words kept, retried with backoff.

The upload is the user's original file when Groq takes its container (named by the sniffed
container: Ogg is `answer.ogg`, since Groq refuses `.oga`), else, or when the original is the
bigger of the two, the decoded PCM as WAV. The
prompt is a line of fillers in the answer's language, which keeps Whisper from tidying them
away. Rate limits, server errors and timeouts are retried (services/llm_retry.py); any other
HTTP error ends at once; either way the caller gets `SpeechUnavailable("service")` and may
fall back. A reply without speech (empty text, a bare "[Music]", the prompt echoed back, or
segments that Whisper itself marks as no speech) is `AudioRejected(NO_SPEECH)`.
"""

from __future__ import annotations

import io
import logging
import re
import wave
from collections.abc import Sequence
from typing import Any

import groq

from services.llm_retry import AiKind, RetryableLLMError, retry_after_seconds, with_retries
from services.speech.audio import AudioProblem, AudioRejected, DecodedAudio
from services.speech.interface import SpeechUnavailable
from services.speech.transcript import Transcript, Word, normalize_language

logger = logging.getLogger(__name__)

# What Groq accepts, by file extension; and the size of a free-tier upload.
GROQ_CONTAINERS = frozenset(
    {"flac", "mp3", "mp4", "mpeg", "mpga", "m4a", "ogg", "opus", "wav", "webm"}
)
GROQ_MAX_UPLOAD_BYTES = 25 * 1024 * 1024
WAV_HEADER_BYTES = 44
FILLER_PROMPTS: dict[str, str] = {
    "en": "Um, uh, hmm, like, you know.",
    "ru": "Ну, э-э, как бы, типа.",
}
# Whisper's own rule marks a segment silent when no_speech_prob > 0.6 and avg_logprob < -1;
# a reply counts as no speech when every segment is, or every segment is >= 0.8 sure.
NO_SPEECH_PROB = 0.6
NO_SPEECH_LOGPROB = -1.0
SURE_NO_SPEECH_PROB = 0.8
NON_SPEECH_RE = re.compile(r"\[[^\]]*\]|\([^)]*\)|[♪♫🎵🎶*]")
LETTER_RE = re.compile(r"[^\W\d_]")


class GroqSpeechToText:
    name = "groq"

    def __init__(
        self, client: groq.AsyncGroq, model: str, *, attempts: int = 3, base_delay: float = 0.5
    ) -> None:
        self.client = client
        self.model = model
        self.attempts = attempts
        self.base_delay = base_delay

    def supports(self, language: str) -> bool:
        return True  # Whisper speaks every language EasyFlow does

    async def transcribe(self, audio: DecodedAudio, original: bytes, language: str) -> Transcript:
        language = normalize_language(language)
        upload = upload_for(audio, original)
        prompt = FILLER_PROMPTS.get(language)

        async def attempt_once() -> dict[str, Any]:
            return await request_transcription(
                self.client, model=self.model, upload=upload, language=language, prompt=prompt
            )

        reply = await with_retries(
            attempt_once,
            purpose="speech-to-text",
            kind=AiKind.STT,
            engine=self.name,
            attempts=self.attempts,
            base_delay=self.base_delay,
            permanent=(groq.APIStatusError,),
        )
        if reply is None:
            raise SpeechUnavailable("service", "Groq speech-to-text failed")
        return transcript_from_reply(
            reply, language=language, duration_s=audio.duration_s, prompt=prompt
        )

    async def close(self) -> None:
        await self.client.close()


def upload_for(audio: DecodedAudio, original: bytes) -> tuple[str, bytes]:
    """(file name, bytes) to send: the original when Groq takes its container, else the
    decoded PCM as WAV. The WAV also replaces an original that is bigger than it (a video
    note, a 48 kHz WAV): Whisper hears 16 kHz mono anyway, and a smaller upload is faster."""
    wav_size = WAV_HEADER_BYTES + len(audio.pcm)
    container = audio.container
    if (
        container in GROQ_CONTAINERS
        and len(original) <= GROQ_MAX_UPLOAD_BYTES
        and len(original) <= wav_size
    ):
        return f"answer.{container}", original
    return "answer.wav", pcm_to_wav(audio.pcm, audio.SAMPLE_RATE)


def pcm_to_wav(pcm: bytes, sample_rate: int) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(sample_rate)
        file.writeframes(pcm)
    return buffer.getvalue()


async def request_transcription(
    client: groq.AsyncGroq,
    *,
    model: str,
    upload: tuple[str, bytes],
    language: str,
    prompt: str | None,
) -> dict[str, Any]:
    """One verbose_json transcription with word and segment timings, as a plain dict.

    Raises `RetryableLLMError` for what another attempt may fix (429, 5xx, 408, 409, timeouts,
    lost connections) and lets `groq.APIStatusError` through for what it cannot.
    """
    options: dict[str, Any] = {"prompt": prompt} if prompt else {}
    try:
        reply = await client.audio.transcriptions.create(
            file=upload,
            model=model,
            language=language,
            response_format="verbose_json",
            timestamp_granularities=["word", "segment"],
            temperature=0.0,
            **options,
        )
    except groq.RateLimitError as error:
        raise RetryableLLMError("rate limited", retry_after_seconds(error.response)) from error
    except groq.APITimeoutError as error:
        raise RetryableLLMError("timed out") from error
    except groq.APIConnectionError as error:
        raise RetryableLLMError("connection failed") from error
    except groq.APIStatusError as error:
        if error.status_code >= 500 or error.status_code in (408, 409):
            raise RetryableLLMError(
                f"HTTP {error.status_code}", retry_after_seconds(error.response)
            ) from error
        raise
    data = reply.model_dump() if hasattr(reply, "model_dump") else reply
    if not isinstance(data, dict):
        raise RetryableLLMError("reply is not a transcription object")
    return data


def transcript_from_reply(
    data: dict[str, Any], *, language: str, duration_s: float, prompt: str | None = None
) -> Transcript:
    """A Transcript from verbose_json; AudioRejected(NO_SPEECH) when it heard no speech."""
    text = " ".join(str(data.get("text") or "").split())
    segments = [segment for segment in data.get("segments") or [] if isinstance(segment, dict)]
    if not _has_speech(text, segments, prompt):
        raise AudioRejected(AudioProblem.NO_SPEECH, duration_s)
    words = _words(data.get("words") or []) or _words_from_segments(segments)
    return Transcript(
        text=text, language=language, engine="groq", duration_s=duration_s, words=words
    )


def _has_speech(text: str, segments: Sequence[dict[str, Any]], prompt: str | None) -> bool:
    if not LETTER_RE.search(NON_SPEECH_RE.sub(" ", text)):
        return False  # empty, or only "[Music]", "♪♪"
    if prompt and _letters(text) == _letters(prompt):
        return False  # Whisper echoes its prompt over silence or music
    probabilities = [
        (float(segment.get("no_speech_prob") or 0.0), segment.get("avg_logprob"))
        for segment in segments
    ]
    silent = [
        probability >= SURE_NO_SPEECH_PROB
        or (
            probability > NO_SPEECH_PROB
            and logprob is not None
            and float(logprob) < NO_SPEECH_LOGPROB
        )
        for probability, logprob in probabilities
    ]
    return not (silent and all(silent))


def _letters(text: str) -> str:
    return "".join(LETTER_RE.findall(text.lower()))


def _words(items: Sequence[Any]) -> tuple[Word, ...]:
    words: list[Word] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        text = str(item.get("word") or "").strip()
        try:
            start, end = float(item["start"]), float(item["end"])
        except (KeyError, TypeError, ValueError):
            continue
        if text:
            words.append(Word(text, start, max(start, end)))
    return tuple(words)


def _words_from_segments(segments: Sequence[dict[str, Any]]) -> tuple[Word, ...]:
    """Without word timings: each segment's words spread evenly over the segment."""
    words: list[Word] = []
    for segment in segments:
        texts = str(segment.get("text") or "").split()
        try:
            start, end = float(segment["start"]), float(segment["end"])
        except (KeyError, TypeError, ValueError):
            continue
        if not texts or end < start:
            continue
        step = (end - start) / len(texts)
        words += [
            Word(text, round(start + i * step, 3), round(start + (i + 1) * step, 3))
            for i, text in enumerate(texts)
        ]
    return tuple(words)
