"""A planned interview question: what the bot asks and what the evaluator needs to score it.

Bank tasks, tailored questions and practice questions all become `PlannedQuestion`s in the
session's language, stored in `InterviewSession.plan`, so the flow treats them alike.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from services.interview.evaluation.schema import TaskKind


class PlannedQuestion(BaseModel):
    question_id: str | None = None  # the bank task's id; None for generated questions
    text: str
    key_points: list[str] = Field(default_factory=list)
    reference_answer: str = ""
    skills: list[str] = Field(default_factory=list)
    kind: TaskKind = TaskKind.TECHNICAL
    topic: str | None = None
