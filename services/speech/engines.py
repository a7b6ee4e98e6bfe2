"""Speech-to-text engines chosen by configuration (the interface is in `interface.py`).

`build_speech_to_text` gives Groq's hosted Whisper (`groq_engine.py`) with the offline Whisper
(`whisper_engine.py`) as its fallback when GROQ_API_KEY is set, and the offline Whisper alone
otherwise. Both hear English and Russian. An engine that cannot transcribe raises
`SpeechUnavailable` (the bot then asks for a typed answer) or, when the recording holds no
speech after all, `AudioRejected(NO_SPEECH)`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Protocol

from pydantic import SecretStr

from services.llm_retry import AiKind, count_fallback
from services.speech.audio import DecodedAudio
from services.speech.interface import SpeechToText, SpeechUnavailable
from services.speech.transcript import Transcript

logger = logging.getLogger(__name__)


class FallbackSpeechToText:
    """The primary engine; the fallback when the primary fails. `AudioRejected` (no speech) is
    final: another engine would not hear more."""

    def __init__(self, primary: SpeechToText, fallback: SpeechToText) -> None:
        self.primary = primary
        self.fallback = fallback
        self.name = f"{primary.name}+{fallback.name}"

    async def transcribe(
        self, audio: DecodedAudio, original: bytes, language: str | None
    ) -> Transcript:
        try:
            return await self.primary.transcribe(audio, original, language)
        except SpeechUnavailable as error:
            logger.warning(
                "%s unavailable (%s); transcribing with %s",
                self.primary.name,
                error,
                self.fallback.name,
            )
            count_fallback(AiKind.STT, self.primary.name)
        return await self.fallback.transcribe(audio, original, language)

    async def warm_up(self) -> None:
        for engine in (self.primary, self.fallback):
            warm_up = getattr(engine, "warm_up", None)
            if warm_up is not None:
                await warm_up()

    async def close(self) -> None:
        try:
            await self.primary.close()
        finally:
            await self.fallback.close()


class SpeechToTextSettings(Protocol):
    """What choosing an engine reads from the platform's settings."""

    speech_workers: int
    speech_model_dir: Path
    groq_api_key: SecretStr | None
    groq_base_url: str | None
    stt_model: str
    stt_timeout_seconds: float


def build_speech_to_text(settings: SpeechToTextSettings) -> SpeechToText:
    """Groq with the offline fallback when GROQ_API_KEY is set, else the offline engine."""
    from services.speech.whisper_engine import WhisperSpeechToText

    offline = WhisperSpeechToText(settings.speech_model_dir, workers=settings.speech_workers)
    if settings.groq_api_key is None or not settings.groq_api_key.get_secret_value():
        return offline

    import groq

    from services.speech.groq_engine import GroqSpeechToText

    # The SDK's own retries are off: GroqSpeechToText retries with backoff (services/llm_retry).
    client = groq.AsyncGroq(
        api_key=settings.groq_api_key.get_secret_value(),
        base_url=settings.groq_base_url,
        timeout=settings.stt_timeout_seconds,
        max_retries=0,
    )
    return FallbackSpeechToText(GroqSpeechToText(client, settings.stt_model), offline)
