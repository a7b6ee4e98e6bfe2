"""Feedback on one answer, as the HTML message the user reads after answering."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

from services.interview.evaluation import Evaluation, criterion_message_id, missed_point_remark

Translate = Callable[[str, dict[str, Any]], str]
TELEGRAM_TEXT_LIMIT = 4096
MAX_LISTED = 3
MAX_QUOTE_CHARS = 160


def _bullets(lines: list[str]) -> str:
    return "\n".join(f"• {escape(line)}" for line in lines[:MAX_LISTED])


def render_feedback_html(
    evaluation: Evaluation, translate: Translate, *, number: int, total: int, follow_up: bool
) -> str:
    """Score, strengths, what to improve, missed key points and a quote from the answer."""
    title_key = "interview-feedback-follow-up-title" if follow_up else "interview-feedback-title"
    parts = [translate(title_key, {"number": number, "total": total, "score": evaluation.overall})]
    criteria = " · ".join(
        f"{translate(criterion_message_id(criterion), {})} {score:g}"
        for criterion, score in evaluation.criteria.items()
    )
    parts.append(f"<i>{escape(criteria)}</i>")
    sections: list[tuple[str, list[str]]] = [
        ("interview-feedback-strengths", [r.render(translate) for r in evaluation.strengths]),
        ("interview-feedback-improve", [r.render(translate) for r in evaluation.weaknesses]),
        (
            "interview-feedback-missed",
            # In plain words, not the rubric's notes ("Mentions that …").
            [
                missed_point_remark(point).render(translate)
                for point in evaluation.missing_key_points
            ],
        ),
    ]
    for key, lines in sections:
        if lines:
            parts.append(f"<b>{escape(translate(key, {}))}</b>\n{_bullets(lines)}")
    if evaluation.evidence_quotes:
        quote = evaluation.evidence_quotes[0]
        if len(quote) > MAX_QUOTE_CHARS:
            quote = quote[: MAX_QUOTE_CHARS - 1] + "…"
        parts.append(
            f"<b>{escape(translate('interview-feedback-evidence', {}))}</b>\n"
            f"<blockquote>{escape(quote)}</blockquote>"
        )
    if evaluation.simplified:
        parts.append(translate("eval-simplified-notice", {}))
    text = "\n\n".join(parts)
    if len(text) > TELEGRAM_TEXT_LIMIT:  # long LLM remarks: drop the tail, keep valid HTML
        text = "\n\n".join([*parts[:2], translate("interview-feedback-truncated", {})])
    return text


def render_ideal_answer_html(evaluation: Evaluation, translate: Translate) -> str:
    ideal = evaluation.ideal_answer.strip()
    limit = TELEGRAM_TEXT_LIMIT - 200
    if len(ideal) > limit:
        ideal = ideal[: limit - 1] + "…"
    return f"<b>{escape(translate('interview-ideal-answer', {}))}</b>\n{escape(ideal)}"
