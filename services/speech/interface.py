"""The speech-to-text interface every engine implements, and the one error an engine raises
when it cannot give a transcript. Engines import this module, never the factory that picks
one of them (`engines.py`)."""

from __future__ import annotations

from typing import Protocol

from services.speech.audio import DecodedAudio
from services.speech.transcript import Transcript


class SpeechUnavailable(Exception):
    """No transcript: the engine failed (the provider kept failing, the offline model was
    refused or its worker died) and nothing could stand in. The bot asks for a typed answer."""

    def __init__(self, detail: str = "speech recognition failed") -> None:
        super().__init__(detail)


class SpeechToText(Protocol):
    """Every engine hears English and Russian (the languages EasyFlow speaks). `language` is
    the answer's language ("en", "ru"), or None to detect it; the transcript says which it
    heard."""

    name: str

    async def transcribe(
        self, audio: DecodedAudio, original: bytes, language: str | None
    ) -> Transcript: ...

    async def close(self) -> None: ...
