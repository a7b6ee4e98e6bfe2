"""Answer evaluation: one `Evaluator` interface, an LLM judge and an offline fallback.

Both return the same `Evaluation`; strengths, weaknesses and follow-ups are `Remark`s that the
bot renders with `Remark.render(translate)` (Fluent ids live in locales/*/evaluation.ftl).
"""

from services.interview.evaluation.keypoints import PlainPoint, plain_key_point
from services.interview.evaluation.llm import (
    EVALUATION_PROMPT_MARKER,
    JudgeVerdict,
    LLMEvaluator,
    build_evaluation_messages,
    create_evaluator,
)
from services.interview.evaluation.offline import (
    EMITTED_MESSAGE_IDS,
    OfflineEvaluator,
    missed_point_remark,
    missing_point_follow_up,
)
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
    "PlainPoint",
    "Remark",
    "StarBreakdown",
    "StarPart",
    "TaskKind",
    "build_evaluation_messages",
    "compute_overall",
    "create_evaluator",
    "criterion_message_id",
    "missed_point_remark",
    "missing_point_follow_up",
    "plain_key_point",
    "render",
    "star_part_message_id",
]
