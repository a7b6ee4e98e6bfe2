"""The feedback message after an answer: what was missing in plain words, never the rubric's
internal notes ("Mentions that …") in quotes."""

from __future__ import annotations

import pytest

from services.interview.evaluation import Criterion, Evaluation
from services.interview.feedback import render_feedback_html
from tests.fluent import translator


def _evaluation(missing: list[str]) -> Evaluation:
    return Evaluation(
        overall=5.0,
        criteria={criterion: 5.0 for criterion in Criterion},
        missing_key_points=missing,
        evaluator="offline",
    )


@pytest.mark.parametrize(
    ("language", "missing", "expected"),
    [
        (
            "en",
            ["Mentions that every index slows down writes", "Adds a suitable index"],
            ["• Every index slows down writes", "• A strong candidate also adds a suitable index"],
        ),
        (
            "ru",
            ["Упоминает, что каждый индекс замедляет запись"],
            ["• Каждый индекс замедляет запись"],
        ),
    ],
)
def test_missed_points_are_said_in_plain_words(
    language: str, missing: list[str], expected: list[str]
) -> None:
    html = render_feedback_html(
        _evaluation(missing), translator(language), number=1, total=3, follow_up=False
    )
    for line in expected:
        assert line in html
    assert "Mentions that" not in html and "Упоминает" not in html
    assert "“" not in html and "«" not in html  # no quoted rubric line
