"""How the candidate spoke: the delivery section of the report and of /progress.

Each spoken answer keeps its `SpeechMetrics`; an interview's delivery pools them (pace over all
speaking time, fillers per minute of speech, long pauses in total) and picks the one tip that
matters most, with the same rules as a single answer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from services.speech.metrics import (
    DeliveryTip,
    Pace,
    SpeechMetrics,
    choose_tip,
    pace_of,
)

Translate = Callable[[str, dict[str, Any]], str]


def parse_speech(stored: Mapping[str, Any] | None) -> SpeechMetrics | None:
    """Stored metrics of a spoken answer; None for typed answers or a row that no longer fits."""
    if not stored:
        return None
    try:
        return SpeechMetrics.from_json(dict(stored))
    except (KeyError, TypeError, ValueError):
        return None


@dataclass(frozen=True)
class DeliveryLine:
    number: int  # the question's number as shown (1-based)
    follow_up: bool
    metrics: SpeechMetrics


@dataclass(frozen=True)
class DeliverySummary:
    lines: tuple[DeliveryLine, ...]
    speech_s: float
    wpm: float
    fillers_per_min: float
    top_fillers: tuple[tuple[str, int], ...]
    long_pauses: int
    pace: Pace
    tip: DeliveryTip


def summarize_delivery(lines: Iterable[DeliveryLine]) -> DeliverySummary | None:
    """Pools the spoken answers; None when nothing was spoken."""
    spoken = tuple(lines)
    if not spoken:
        return None
    speech_s = sum(line.metrics.speech_s for line in spoken)
    minutes = speech_s / 60
    words = sum(line.metrics.words for line in spoken)
    fillers = Counter[str]()
    for line in spoken:
        fillers.update(dict(line.metrics.top_fillers))
    fillers_total = sum(line.metrics.fillers_total for line in spoken)
    wpm = words / minutes if minutes > 0 else 0.0
    fillers_per_min = fillers_total / minutes if minutes > 0 else 0.0
    long_pauses = sum(line.metrics.long_pauses for line in spoken)
    return DeliverySummary(
        lines=spoken,
        speech_s=speech_s,
        wpm=wpm,
        fillers_per_min=fillers_per_min,
        top_fillers=tuple(fillers.most_common(3)),
        long_pauses=long_pauses,
        pace=pace_of(wpm),
        tip=choose_tip(
            wpm=wpm,
            fillers_per_min=fillers_per_min,
            long_pauses_per_min=long_pauses / minutes if minutes > 0 else 0.0,
        ),
    )


def delivery_html_lines(summary: DeliverySummary | None, translate: Translate) -> list[str]:
    """The summary message's delivery section (empty when no answer was spoken)."""
    if summary is None:
        return []
    lines = [
        "",
        translate("report-delivery-header", {"answers": len(summary.lines)}),
        translate(
            "report-delivery-overall",
            {
                "wpm": round(summary.wpm),
                "pace": translate(f"voice-pace-{summary.pace.value}", {}),
                "fillers": f"{summary.fillers_per_min:.1f}",
                "top": _fillers_text(summary.top_fillers),
                "pauses": summary.long_pauses,
            },
        ),
    ]
    for line in summary.lines:
        lines.append(
            translate(
                "report-delivery-line",
                {
                    "number": line.number,
                    "follow_up": "yes" if line.follow_up else "no",
                    "wpm": round(line.metrics.wpm),
                    "fillers": f"{line.metrics.fillers_per_min:.1f}",
                    "pauses": line.metrics.long_pauses,
                },
            )
        )
    lines.append(translate("report-delivery-tip", {"tip": translate(_tip_key(summary.tip), {})}))
    return lines


def delivery_text(metrics: SpeechMetrics, translate: Translate) -> str:
    """One line about one spoken answer, for the PDF."""
    return translate(
        "report-pdf-delivery",
        {
            "wpm": round(metrics.wpm),
            "pace": translate(f"voice-pace-{metrics.pace.value}", {}),
            "fillers": f"{metrics.fillers_per_min:.1f}",
            "top": _fillers_text(metrics.top_fillers),
            "pauses": metrics.long_pauses,
        },
    )


def _tip_key(tip: DeliveryTip) -> str:
    return f"voice-tip-{tip.value}"


def _fillers_text(top: Sequence[tuple[str, int]]) -> str:
    return ", ".join(f"{word} ×{count}" for word, count in top) or "—"
