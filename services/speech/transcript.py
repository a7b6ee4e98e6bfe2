"""What a speech-to-text engine heard: the text, and each word with its time in the audio."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Word:
    text: str
    start: float  # seconds from the start of the recording
    end: float


@dataclass(frozen=True)
class Transcript:
    text: str
    language: str  # the language asked for, or the one detected ("en", "ru")
    engine: str  # which engine heard it: "groq" or "whisper" (offline)
    duration_s: float  # of the whole recording
    words: tuple[Word, ...]  # in order; empty when the engine gives no timings


def normalize_language(language: str) -> str:
    """A language tag's primary subtag: "en-US" → "en", "ru_RU" → "ru"."""
    return language.split("-")[0].split("_")[0].lower()
