"""Voice answers: decoding, speech-to-text (Groq or offline Whisper) and speech metrics.

No aiogram here: the bot downloads the file and calls `hear_answer`.
"""

from services.speech.audio import (
    AudioProblem,
    AudioRejected,
    DecodedAudio,
    decode_audio,
    decode_audio_async,
    sniff_container,
)
from services.speech.engines import FallbackSpeechToText, build_speech_to_text
from services.speech.groq_engine import GroqSpeechToText
from services.speech.interface import SpeechToText, SpeechUnavailable
from services.speech.metrics import (
    COMFORTABLE_WPM,
    LONG_PAUSE_S,
    DeliveryTip,
    Pace,
    SpeechMetrics,
    count_fillers,
    measure_speech,
)
from services.speech.pipeline import HeardAnswer, HearingStep, hear_answer
from services.speech.transcript import Transcript, Word
from services.speech.whisper_engine import WhisperSpeechToText

__all__ = [
    "COMFORTABLE_WPM",
    "LONG_PAUSE_S",
    "AudioProblem",
    "AudioRejected",
    "DecodedAudio",
    "DeliveryTip",
    "FallbackSpeechToText",
    "GroqSpeechToText",
    "HeardAnswer",
    "HearingStep",
    "Pace",
    "SpeechMetrics",
    "SpeechToText",
    "SpeechUnavailable",
    "Transcript",
    "WhisperSpeechToText",
    "Word",
    "build_speech_to_text",
    "count_fillers",
    "decode_audio",
    "decode_audio_async",
    "hear_answer",
    "measure_speech",
    "sniff_container",
]
