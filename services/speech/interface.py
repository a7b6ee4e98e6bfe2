"""The speech-to-text interface every engine implements, and the one error an engine raises
when it cannot give a transcript. Engines import this module, never the factory that picks
one of them (`engines.py`)."""

from __future__ import annotations

from typing import Literal, Protocol

from services.speech.audio import DecodedAudio
from services.speech.transcript import Transcript

UnavailableReason = Literal["language", "service"]
UNAVAILABLE_MESSAGES: dict[str, str] = {
    "language": "no speech recognition for this language",
    "service": "speech recognition failed and there is no fallback for this language",
}


class SpeechUnavailable(Exception):
    """No transcript: `reason` "language" (no engine for it, e.g. offline and Russian) or
    "service" (the provider failed and nothing could stand in)."""

    def __init__(self, reason: UnavailableReason, detail: str = "") -> None:
        super().__init__(detail or UNAVAILABLE_MESSAGES[reason])
        self.reason: UnavailableReason = reason


class SpeechToText(Protocol):
    name: str

    def supports(self, language: str) -> bool: ...

    async def transcribe(
        self, audio: DecodedAudio, original: bytes, language: str
    ) -> Transcript: ...

    async def close(self) -> None: ...
