"""Key points said in other words: recall and false credit on a labelled paraphrase set.

The set (tests/unit/data/paraphrases.yaml) holds answers to real bank questions written in the
candidate's words, each labelled with the key points it covers and those it clearly does not.
The figures, printed with `-s`:

    .venv/bin/python -m pytest -q -s tests/unit/test_paraphrase_recall.py
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.interview.bank import evaluation_request_for, load_default_bank
from services.interview.evaluation import OfflineEvaluator

DATA = Path(__file__).resolve().parent / "data" / "paraphrases.yaml"
MIN_RECALL = 0.85
MAX_FALSE_CREDIT = 0.15


@dataclass(slots=True)
class Figures:
    credited: int = 0
    covered: int = 0
    false_credits: int = 0
    not_covered: int = 0
    mistakes: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.credited / self.covered if self.covered else 1.0

    @property
    def false_credit(self) -> float:
        return self.false_credits / self.not_covered if self.not_covered else 0.0

    def summary(self) -> str:
        return (
            f"paraphrase recall: {self.recall:.2f} ({self.credited}/{self.covered}), "
            f"false credit: {self.false_credit:.2f} ({self.false_credits}/{self.not_covered})"
        )


def load_items() -> list[dict[str, Any]]:
    document = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    return list(document["items"])


def measure(evaluator: Any = None) -> Figures:
    """Runs every item through the evaluator (the offline one by default) and counts."""
    evaluator = evaluator or OfflineEvaluator()
    bank = load_default_bank()
    figures = Figures()
    for number, item in enumerate(load_items(), start=1):
        task = bank.task(item["question"])
        assert task is not None, item["question"]
        request = evaluation_request_for(task, item["language"], item["answer"])
        credited = set(evaluator.evaluate_now(request).covered_key_points)
        where = f"#{number} {item['question']} ({item['language']})"
        for index in item["covers"]:
            figures.covered += 1
            if request.key_points[index] in credited:
                figures.credited += 1
            else:
                figures.mistakes.append(f"{where} missed {index}: {request.key_points[index]}")
        for index in item["misses"]:
            figures.not_covered += 1
            if request.key_points[index] in credited:
                figures.false_credits += 1
                figures.mistakes.append(f"{where} credited {index}: {request.key_points[index]}")
    return figures


def test_the_set_is_labelled_consistently() -> None:
    bank = load_default_bank()
    items = load_items()
    languages = [item["language"] for item in items]
    assert len(items) >= 40
    assert languages.count("en") >= 20 and languages.count("ru") >= 20
    for item in items:
        task = bank.task(item["question"])
        assert task is not None, item["question"]
        labelled = [*item["covers"], *item["misses"]]
        assert len(set(labelled)) == len(labelled), item
        assert all(0 <= index < len(task.key_points) for index in labelled), item
    assert sum(len(item["misses"]) for item in items) >= 60  # negatives keep recall honest


def test_paraphrased_key_points_are_credited(record_property: pytest.RecordProperty) -> None:
    figures = measure()
    record_property("paraphrase_recall", round(figures.recall, 3))
    record_property("paraphrase_false_credit", round(figures.false_credit, 3))
    print("\n" + figures.summary())
    details = "\n".join([figures.summary(), *figures.mistakes])
    assert figures.recall >= MIN_RECALL, details
    assert figures.false_credit <= MAX_FALSE_CREDIT, details


if __name__ == "__main__":
    result = measure()
    print(result.summary())
    print("\n".join(result.mistakes))
