"""Accuracy of `match_intent` over a labelled JSON-lines file.

Each line: `{"text": ..., "language": "ru"|"en", "intent": "<Intent value>", "split": ...}`;
`split` is "tune" (the patterns were written against it) or a holdout part ("holdout",
"holdout2", ...), and defaults to "tune". `evaluate(path)` reads it and reports accuracy overall,
per language, per split (every split present in the file), the confusion counts and every
mistake.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from services.marketplace.intents import Intent, match_intent


@dataclass(frozen=True)
class LabelledMessage:
    text: str
    language: str
    intent: Intent
    split: str = "tune"


@dataclass(frozen=True)
class Mistake:
    message: LabelledMessage
    predicted: Intent


@dataclass(frozen=True)
class Accuracy:
    correct: int
    total: int

    @property
    def value(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def __str__(self) -> str:
        return f"{self.value:.3f} ({self.correct}/{self.total})"


@dataclass(frozen=True)
class IntentReport:
    overall: Accuracy
    by_language: dict[str, Accuracy]
    by_split: dict[str, Accuracy]
    by_intent: dict[Intent, Accuracy]
    # (expected, predicted) -> count, mistakes and hits alike.
    confusion: Counter[tuple[Intent, Intent]] = field(default_factory=Counter)
    mistakes: list[Mistake] = field(default_factory=list)


def load_labelled(path: str | Path) -> list[LabelledMessage]:
    messages: list[LabelledMessage] = []
    with Path(path).open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                messages.append(
                    LabelledMessage(
                        text=str(row["text"]),
                        language=str(row["language"]),
                        intent=Intent(row["intent"]),
                        split=str(row.get("split", "tune")),
                    )
                )
            except (ValueError, KeyError, TypeError) as error:
                raise ValueError(f"{path}:{number}: {error}") from error
    return messages


def _accuracy(pairs: list[tuple[LabelledMessage, Intent]]) -> Accuracy:
    return Accuracy(
        correct=sum(message.intent is predicted for message, predicted in pairs), total=len(pairs)
    )


def evaluate(path: str | Path) -> IntentReport:
    """Run `match_intent` over every labelled message in `path`."""
    pairs = [(message, match_intent(message.text)) for message in load_labelled(path)]

    def grouped(key: str) -> dict[str, Accuracy]:
        values = sorted({getattr(message, key) for message, _ in pairs})
        return {
            value: _accuracy([pair for pair in pairs if getattr(pair[0], key) == value])
            for value in values
        }

    return IntentReport(
        overall=_accuracy(pairs),
        by_language=grouped("language"),
        by_split=grouped("split"),
        by_intent={
            intent: _accuracy([pair for pair in pairs if pair[0].intent is intent])
            for intent in Intent
        },
        confusion=Counter((message.intent, predicted) for message, predicted in pairs),
        mistakes=[
            Mistake(message=message, predicted=predicted)
            for message, predicted in pairs
            if message.intent is not predicted
        ],
    )
