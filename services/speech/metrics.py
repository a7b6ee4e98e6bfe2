"""How an answer was spoken: pace, pauses and filler words, with one delivery tip.

Definitions (pure functions of the transcript, so they are the same for every engine):

- speaking time (`speech_s`): from the first word's start to the last word's end, minus the
  long pauses in between; without word timings, the recording's length minus the long
  silences the audio analysis found.
- pace: words per minute of speaking time. 130-160 is comfortable, slower is slow, faster is
  fast (the reference's norms for presentations and interviews).
- long pauses: gaps between consecutive words longer than 2 s (or, without word timings, the
  audio's silences longer than 2 s); silence before the first or after the last word is not a
  pause.
- fillers: `services/speech/fillers.py` decides what counts; per minute of speaking time.
  Up to 5 a minute go unnoticed, around 12 a minute hurt an answer.

The one tip (`choose_tip`), the first that applies: fillers that hurt (>= 12/min) → FILLERS;
a pace out of the band (judged from 10 words up) → TOO_FAST / TOO_SLOW; fillers that are
noticed (> 5/min) → FILLERS; long pauses at one a minute or more (at least two of them), or
one of 5 s or more → PAUSES; otherwise GOOD. The filler tips need at least two fillers: one
"um" in a short answer is not a habit.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise
from typing import Any

from services.speech.fillers import find_fillers
from services.speech.transcript import Transcript, Word

COMFORTABLE_WPM = (130, 160)
LONG_PAUSE_S = 2.0
FILLERS_NOTICED_PER_MIN = 5.0
FILLERS_HARMFUL_PER_MIN = 12.0
MIN_FILLERS_FOR_TIP = 2
MIN_WORDS_FOR_PACE_TIP = 10
MIN_PAUSES_FOR_TIP = 2
PAUSES_PER_MIN_FOR_TIP = 1.0
LONGEST_PAUSE_FOR_TIP_S = 5.0
TOP_FILLERS = 3

WORD_RE = re.compile(r"\w+(?:['’-]\w+)*")


class Pace(StrEnum):
    SLOW = "slow"
    COMFORTABLE = "comfortable"
    FAST = "fast"


class DeliveryTip(StrEnum):
    TOO_FAST = "too-fast"
    TOO_SLOW = "too-slow"
    FILLERS = "fillers"
    PAUSES = "pauses"
    GOOD = "good"


@dataclass(frozen=True)
class SpeechMetrics:
    duration_s: float
    speech_s: float
    words: int
    wpm: float
    fillers_total: int
    fillers_per_min: float
    top_fillers: tuple[tuple[str, int], ...]  # most used first, at most 3
    long_pauses: int
    longest_pause_s: float
    pace: Pace
    tip: DeliveryTip

    def to_json(self) -> dict[str, Any]:
        return {
            "duration_s": self.duration_s,
            "speech_s": self.speech_s,
            "words": self.words,
            "wpm": self.wpm,
            "fillers_total": self.fillers_total,
            "fillers_per_min": self.fillers_per_min,
            "top_fillers": [[name, count] for name, count in self.top_fillers],
            "long_pauses": self.long_pauses,
            "longest_pause_s": self.longest_pause_s,
            "pace": self.pace.value,
            "tip": self.tip.value,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SpeechMetrics:
        return cls(
            duration_s=float(data["duration_s"]),
            speech_s=float(data["speech_s"]),
            words=int(data["words"]),
            wpm=float(data["wpm"]),
            fillers_total=int(data["fillers_total"]),
            fillers_per_min=float(data["fillers_per_min"]),
            top_fillers=tuple((str(name), int(count)) for name, count in data["top_fillers"]),
            long_pauses=int(data["long_pauses"]),
            longest_pause_s=float(data["longest_pause_s"]),
            pace=Pace(data["pace"]),
            tip=DeliveryTip(data["tip"]),
        )


def count_fillers(text: str, language: str) -> Counter[str]:
    """How many times each filler occurs in `text`, by name ("um", "you know", "э-э")."""
    return Counter(find_fillers(text, language))


def pace_of(wpm: float) -> Pace:
    low, high = COMFORTABLE_WPM
    if wpm < low:
        return Pace.SLOW
    if wpm > high:
        return Pace.FAST
    return Pace.COMFORTABLE


def word_gaps(words: Sequence[Word]) -> list[float]:
    """Silences between consecutive words (overlapping timings count as no gap)."""
    return [max(0.0, later.start - earlier.end) for earlier, later in pairwise(words)]


def measure_speech(
    transcript: Transcript, *, audio_pauses: Sequence[tuple[float, float]] = ()
) -> SpeechMetrics:
    """Pace, pauses, fillers and the tip for one transcript (see the module docstring)."""
    words = transcript.words
    if words:
        pauses = [gap for gap in word_gaps(words) if gap > LONG_PAUSE_S]
        span = max(0.0, words[-1].end - words[0].start)
        speech_s = max(0.0, span - sum(pauses))
        word_count = len(words)
    else:
        pauses = [end - start for start, end in audio_pauses if end - start > LONG_PAUSE_S]
        speech_s = max(0.0, transcript.duration_s - sum(pauses))
        word_count = len(WORD_RE.findall(transcript.text))
    minutes = speech_s / 60
    wpm = word_count / minutes if minutes > 0 else 0.0
    fillers = count_fillers(transcript.text, transcript.language)
    fillers_total = sum(fillers.values())
    fillers_per_min = fillers_total / minutes if minutes > 0 else 0.0
    pace = pace_of(wpm)
    longest = max(pauses, default=0.0)
    return SpeechMetrics(
        duration_s=round(transcript.duration_s, 2),
        speech_s=round(speech_s, 2),
        words=word_count,
        wpm=round(wpm, 1),
        fillers_total=fillers_total,
        fillers_per_min=round(fillers_per_min, 1),
        top_fillers=tuple(fillers.most_common(TOP_FILLERS)),
        long_pauses=len(pauses),
        longest_pause_s=round(longest, 2),
        pace=pace,
        tip=choose_tip(
            wpm=wpm,
            fillers_per_min=fillers_per_min,
            long_pauses_per_min=len(pauses) / minutes if minutes > 0 else 0.0,
            words=word_count,
            fillers_total=fillers_total,
            long_pauses=len(pauses),
            longest_pause_s=longest,
        ),
    )


def choose_tip(
    *,
    wpm: float,
    fillers_per_min: float,
    long_pauses_per_min: float,
    words: int | None = None,
    fillers_total: int | None = None,
    long_pauses: int | None = None,
    longest_pause_s: float = 0.0,
) -> DeliveryTip:
    """The one delivery tip: the first rule of the module docstring that applies.

    Rates are enough (an interview's pooled answers pass only them); the counts of a single
    answer, when given, keep one "um" or one thinking pause in a short answer from being a tip.
    """
    pace = pace_of(wpm)
    enough_fillers = fillers_total is None or fillers_total >= MIN_FILLERS_FOR_TIP
    enough_words = words is None or words >= MIN_WORDS_FOR_PACE_TIP
    enough_pauses = long_pauses is None or long_pauses >= MIN_PAUSES_FOR_TIP
    if enough_fillers and fillers_per_min >= FILLERS_HARMFUL_PER_MIN:
        return DeliveryTip.FILLERS
    if enough_words and pace is Pace.FAST:
        return DeliveryTip.TOO_FAST
    if enough_words and pace is Pace.SLOW:
        return DeliveryTip.TOO_SLOW
    if enough_fillers and fillers_per_min > FILLERS_NOTICED_PER_MIN:
        return DeliveryTip.FILLERS
    if (enough_pauses and long_pauses_per_min >= PAUSES_PER_MIN_FOR_TIP) or (
        longest_pause_s >= LONGEST_PAUSE_FOR_TIP_S
    ):
        return DeliveryTip.PAUSES
    return DeliveryTip.GOOD
