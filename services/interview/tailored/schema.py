"""What a tailored-interview planner returns, and the one interface both planners implement."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from enum import StrEnum
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

from services.interview.plan import PlannedQuestion

# Bank questions for the extracted skills (bank skill keys) and a count, in the interview's
# language. The caller holds the database, so it supplies them; sync or async.
BankQuestions = Callable[[list[str], int], list[PlannedQuestion] | Awaitable[list[PlannedQuestion]]]
# Skill key → its title by language ({"en": "Caching", "ru": "Кэширование"}), as in the bank.
BankSkills = Mapping[str, Mapping[str, str]]
# (language, Fluent message id, arguments) → text.
LocalizedTranslate = Callable[[str, str, Mapping[str, Any]], str]

PlannerName = Literal["llm", "offline"]


class Seniority(StrEnum):
    JUNIOR = "junior"
    MIDDLE = "middle"
    SENIOR = "senior"


class TailoredPlan(BaseModel):
    # Display names of the skills found, most relevant (required by the job) first.
    skills: list[str] = Field(default_factory=list)
    # The bank's skill keys those skills map to: what bank questions and progress use.
    skill_keys: list[str] = Field(default_factory=list)
    seniority: Seniority | None = None
    requirements: list[str] = Field(default_factory=list)
    projects: list[str] = Field(default_factory=list)
    questions: list[PlannedQuestion] = Field(default_factory=list)
    # A short summary of the vacancy for the evaluator's job-alignment criterion.
    job_context: str = ""
    planner: PlannerName = "offline"
    # True when the LLM planner was configured but failed and the offline one stood in.
    simplified: bool = False


class TailoredPlanner(Protocol):
    async def plan(
        self,
        resume_text: str,
        job_description: str,
        *,
        language: str,
        count: int,
        bank_questions: BankQuestions | None = None,
    ) -> TailoredPlan: ...
