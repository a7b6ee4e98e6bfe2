"""Answer evaluation: one `Evaluator` interface, an LLM judge and an offline fallback.

Both return the same `Evaluation`; strengths, weaknesses and follow-ups are `Remark`s that the
bot renders with `Remark.render(translate)` (Fluent ids live in locales/*/evaluation.ftl).
"""

from services.interview.evaluation.llm import (
    EVALUATION_PROMPT_MARKER,
    JudgeVerdict,
    LLMEvaluator,
    build_evaluation_messages,
    create_evaluator,
)
from services.interview.evaluation.offline import EMITTED_MESSAGE_IDS, OfflineEvaluator
from services.interview.evaluation.schema import (
    RUBRIC_WEIGHTS,
    STAR_WEIGHTS,
    Criterion,
    Evaluation,
    EvaluationRequest,
    Evaluator,
    Remark,
    StarBreakdown,
    StarPart,
    TaskKind,
    compute_overall,
    criterion_message_id,
    render,
    star_part_message_id,
)

__all__ = [
    "EMITTED_MESSAGE_IDS",
    "EVALUATION_PROMPT_MARKER",
    "RUBRIC_WEIGHTS",
    "STAR_WEIGHTS",
    "Criterion",
    "Evaluation",
    "EvaluationRequest",
    "Evaluator",
    "JudgeVerdict",
    "LLMEvaluator",
    "OfflineEvaluator",
    "Remark",
    "StarBreakdown",
    "StarPart",
    "TaskKind",
    "build_evaluation_messages",
    "compute_overall",
    "create_evaluator",
    "criterion_message_id",
    "render",
    "star_part_message_id",
]
