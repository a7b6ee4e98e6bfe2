"""The evaluator's contract: what it is asked, what it answers, and how the overall score is made.

Both evaluators (the LLM judge and the offline heuristics) return the same `Evaluation`, so the
bot renders feedback the same way whichever one answered.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Literal, Protocol, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

Language = Literal["en", "ru"]
EvaluatorName = Literal["llm", "offline"]
RemarkArg = str | int | float
Translate = Callable[[str, dict[str, RemarkArg]], str]


class Criterion(StrEnum):
    RELEVANCE = "relevance"
    EXAMPLES = "examples"
    CLARITY = "clarity"
    ACCURACY = "accuracy"
    JOB_ALIGNMENT = "job_alignment"


RUBRIC_WEIGHTS: Mapping[Criterion, float] = {
    Criterion.RELEVANCE: 0.25,
    Criterion.EXAMPLES: 0.25,
    Criterion.CLARITY: 0.20,
    Criterion.ACCURACY: 0.20,
    Criterion.JOB_ALIGNMENT: 0.10,
}


class TaskKind(StrEnum):
    TECHNICAL = "technical"
    BEHAVIORAL = "behavioral"
    SYSTEM_DESIGN = "system_design"


class StarPart(StrEnum):
    SITUATION = "situation"
    TASK = "task"
    ACTION = "action"
    RESULT = "result"


# What the candidate did is the heart of a behavioural answer, so it weighs most.
STAR_WEIGHTS: Mapping[StarPart, float] = {
    StarPart.SITUATION: 0.20,
    StarPart.TASK: 0.20,
    StarPart.ACTION: 0.35,
    StarPart.RESULT: 0.25,
}
# Share of a behavioural answer's overall score that comes from STAR rather than the rubric.
STAR_SHARE_OF_OVERALL = 0.35
# A STAR part scoring below this is reported as missing.
STAR_PART_PRESENT_THRESHOLD = 4.0


def criterion_message_id(criterion: Criterion) -> str:
    """Fluent ids use hyphens: `job_alignment` → `eval-criterion-job-alignment`."""
    return "eval-criterion-" + criterion.value.replace("_", "-")


def star_part_message_id(part: StarPart | str) -> str:
    return f"eval-star-{StarPart(part).value}"


class EvaluationRequest(BaseModel):
    model_config = ConfigDict(frozen=True)

    question: str
    answer: str
    reference_answer: str | None = None
    key_points: list[str] = Field(default_factory=list)
    kind: TaskKind = TaskKind.TECHNICAL
    language: Language = "en"
    skills: list[str] = Field(default_factory=list)
    # Summary of the job description, set for interviews tailored to a vacancy.
    job_context: str | None = None


class Remark(BaseModel):
    """One line of feedback: a localisable message (`key` + `args`) or free LLM-written `text`.

    `translated_args` holds arguments whose values are themselves Fluent message ids (such as
    STAR part names); they are translated and comma-joined at render time, so the evaluator
    never needs to know the user's translations.
    """

    model_config = ConfigDict(frozen=True)

    key: str | None = None
    args: dict[str, RemarkArg] = Field(default_factory=dict)
    translated_args: dict[str, list[str]] = Field(default_factory=dict)
    text: str | None = None

    @model_validator(mode="after")
    def _exactly_one_source(self) -> Self:
        if (self.key is None) == (self.text is None):
            raise ValueError("a remark has either a message key or free text, not both")
        return self

    @classmethod
    def message(
        cls, key: str, translated_args: dict[str, list[str]] | None = None, **args: RemarkArg
    ) -> Remark:
        return cls(key=key, args=args, translated_args=translated_args or {})

    @classmethod
    def free(cls, text: str) -> Remark:
        return cls(text=text)

    def render(self, translate: Translate) -> str:
        if self.text is not None:
            return self.text
        assert self.key is not None  # guaranteed by the validator
        args: dict[str, RemarkArg] = dict(self.args)
        for name, message_ids in self.translated_args.items():
            args[name] = ", ".join(translate(message_id, {}) for message_id in message_ids)
        return translate(self.key, args)


def render(remark: Remark, translate: Translate) -> str:
    return remark.render(translate)


Score = float


class StarBreakdown(BaseModel):
    situation: Score = Field(ge=0, le=10)
    task: Score = Field(ge=0, le=10)
    action: Score = Field(ge=0, le=10)
    result: Score = Field(ge=0, le=10)
    missing: list[str] = Field(default_factory=list)

    @classmethod
    def from_scores(cls, scores: Mapping[StarPart, float]) -> StarBreakdown:
        rounded = {part: round(min(10.0, max(0.0, scores[part])), 1) for part in StarPart}
        missing = [part.value for part in StarPart if rounded[part] < STAR_PART_PRESENT_THRESHOLD]
        return cls(**{part.value: value for part, value in rounded.items()}, missing=missing)

    def score(self) -> float:
        return sum(getattr(self, part.value) * weight for part, weight in STAR_WEIGHTS.items())


class Evaluation(BaseModel):
    overall: Score = Field(ge=0, le=10)
    criteria: dict[Criterion, Score]
    strengths: list[Remark] = Field(default_factory=list)
    weaknesses: list[Remark] = Field(default_factory=list)
    covered_key_points: list[str] = Field(default_factory=list)
    missing_key_points: list[str] = Field(default_factory=list)
    # Verbatim substrings of the answer, each at most 200 characters.
    evidence_quotes: list[str] = Field(default_factory=list)
    star: StarBreakdown | None = None
    ideal_answer: str = ""
    follow_up: Remark | None = None
    evaluator: EvaluatorName
    # True when the LLM failed and the offline evaluator answered instead.
    simplified: bool = False

    @model_validator(mode="after")
    def _all_criteria_in_range(self) -> Self:
        missing = set(Criterion) - set(self.criteria)
        if missing:
            raise ValueError(f"criteria missing: {sorted(missing)}")
        if any(not 0 <= value <= 10 for value in self.criteria.values()):
            raise ValueError("criterion scores are 0-10")
        return self


MAX_EVIDENCE_QUOTE_CHARS = 200


def rubric_score(criteria: Mapping[Criterion, float]) -> float:
    return sum(criteria[criterion] * weight for criterion, weight in RUBRIC_WEIGHTS.items())


def compute_overall(
    criteria: Mapping[Criterion, float], kind: TaskKind, star: StarBreakdown | None
) -> float:
    """The weighted rubric; behavioural answers fold the STAR score in."""
    score = rubric_score(criteria)
    if kind is TaskKind.BEHAVIORAL and star is not None:
        score = (1 - STAR_SHARE_OF_OVERALL) * score + STAR_SHARE_OF_OVERALL * star.score()
    return round(min(10.0, max(0.0, score)), 1)


def ideal_answer_for(request: EvaluationRequest) -> str:
    """The reference answer, or the key points as a list when the task has none."""
    if request.reference_answer and request.reference_answer.strip():
        return request.reference_answer.strip()
    return "\n".join(f"• {point}" for point in request.key_points)


def should_ask_follow_up(overall: float, missing_key_points: list[str]) -> bool:
    return overall < 6 or bool(missing_key_points)


class Evaluator(Protocol):
    async def evaluate(self, request: EvaluationRequest) -> Evaluation: ...
