"""A voice answer, heard: decode once, transcribe, measure the delivery.

`hear_answer` is what the bot calls with the downloaded bytes. It reports each step through
`on_step` (the bot shows "transcribing…"), and raises `SpeechUnavailable` or `AudioRejected`
for the bot to explain.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

from services.speech.audio import decode_audio_async
from services.speech.interface import SpeechToText
from services.speech.metrics import SpeechMetrics, measure_speech
from services.speech.transcript import Transcript


class HearingStep(StrEnum):
    DECODING = "decoding"
    TRANSCRIBING = "transcribing"
    MEASURING = "measuring"


@dataclass(frozen=True)
class HeardAnswer:
    transcript: Transcript
    metrics: SpeechMetrics


async def hear_answer(
    data: bytes,
    *,
    language: str | None,
    stt: SpeechToText,
    max_duration_s: float,
    on_step: Callable[[HearingStep], Awaitable[None]] | None = None,
) -> HeardAnswer:
    """The transcript and speech metrics of one recording (any audio or video with sound), in
    `language` or, when it is None, in the language the engine detects.

    Raises `AudioRejected` for a recording that is not a usable answer, and `SpeechUnavailable`
    when recognition failed with no fallback.
    """

    async def step(name: HearingStep) -> None:
        if on_step is not None:
            await on_step(name)

    await step(HearingStep.DECODING)
    audio = await decode_audio_async(data, max_duration_s=max_duration_s)
    await step(HearingStep.TRANSCRIBING)
    transcript = await stt.transcribe(audio, data, language)
    await step(HearingStep.MEASURING)
    metrics = measure_speech(transcript, audio_pauses=audio.pauses)
    return HeardAnswer(transcript=transcript, metrics=metrics)
