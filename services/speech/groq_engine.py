"""Groq's hosted Whisper: word timings, filler words kept, retried with backoff.

The upload is the user's original file when Groq takes its container (named by the sniffed
container: Ogg is `answer.ogg`, since Groq refuses `.oga`), else, or when the original is the
bigger of the two, the decoded PCM as WAV. The prompt is a line of fillers in the answer's
language (`whisper_reply.FILLER_PROMPTS`). Rate limits, server errors and timeouts are retried
(services/llm_retry.py); any other HTTP error ends at once; either way the caller gets
`SpeechUnavailable` and may fall back. The reply becomes a transcript, or
`AudioRejected(NO_SPEECH)`, in `whisper_reply.py`. Without a language Groq detects it.
"""

from __future__ import annotations

import io
import logging
import wave
from typing import Any

import groq

from services.llm_retry import AiKind, RetryableLLMError, retry_after_seconds, with_retries
from services.speech.audio import DecodedAudio
from services.speech.interface import SpeechUnavailable
from services.speech.transcript import Transcript, normalize_language
from services.speech.whisper_reply import FILLER_PROMPTS, reply_language, transcript_from_reply

logger = logging.getLogger(__name__)

# What Groq accepts, by file extension; and the size of a free-tier upload.
GROQ_CONTAINERS = frozenset(
    {"flac", "mp3", "mp4", "mpeg", "mpga", "m4a", "ogg", "opus", "wav", "webm"}
)
GROQ_MAX_UPLOAD_BYTES = 25 * 1024 * 1024
WAV_HEADER_BYTES = 44


class GroqSpeechToText:
    name = "groq"

    def __init__(
        self, client: groq.AsyncGroq, model: str, *, attempts: int = 3, base_delay: float = 0.5
    ) -> None:
        self.client = client
        self.model = model
        self.attempts = attempts
        self.base_delay = base_delay

    async def transcribe(
        self, audio: DecodedAudio, original: bytes, language: str | None
    ) -> Transcript:
        language = normalize_language(language) if language else None
        upload = upload_for(audio, original)
        prompt = FILLER_PROMPTS.get(language) if language else None

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
            raise SpeechUnavailable("Groq speech-to-text failed")
        return transcript_from_reply(
            reply,
            language=language or reply_language(reply),
            duration_s=audio.duration_s,
            engine=self.name,
            prompt=prompt,
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
    language: str | None,
    prompt: str | None,
) -> dict[str, Any]:
    """One verbose_json transcription with word and segment timings, as a plain dict.

    Raises `RetryableLLMError` for what another attempt may fix (429, 5xx, 408, 409, timeouts,
    lost connections) and lets `groq.APIStatusError` through for what it cannot.
    """
    options: dict[str, Any] = {"prompt": prompt} if prompt else {}
    if language:
        options["language"] = language
    try:
        reply = await client.audio.transcriptions.create(
            file=upload,
            model=model,
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
