"""Tailored interviews: questions written from the user's resume and a job description.

`extract_resume_text` and `validate_job_description` check the inputs (refusals carry a
Fluent message id from locales/*/tailored.ftl); a `TailoredPlanner` (LLM or offline, chosen by
`create_tailored_planner`) turns them into a `TailoredPlan` of `PlannedQuestion`s.
"""

from services.interview.tailored.documents import (
    MAX_JOB_DESCRIPTION_CHARS,
    MAX_RESUME_BYTES,
    MAX_RESUME_CHARS,
    MAX_RESUME_PAGES,
    JobDescriptionError,
    JobDescriptionProblem,
    ResumeError,
    ResumeProblem,
    extract_resume_text,
    resume_from_text,
    validate_job_description,
)
from services.interview.tailored.llm import (
    TAILORED_PROMPT_MARKER,
    LLMTailoredPlanner,
    build_tailored_messages,
    create_tailored_planner,
)
from services.interview.tailored.offline import (
    QUESTION_MESSAGE_IDS,
    OfflineTailoredPlanner,
    fluent_translate,
)
from services.interview.tailored.schema import (
    BankQuestions,
    BankSkills,
    LocalizedTranslate,
    Seniority,
    TailoredPlan,
    TailoredPlanner,
)

__all__ = [
    "MAX_JOB_DESCRIPTION_CHARS",
    "MAX_RESUME_BYTES",
    "MAX_RESUME_CHARS",
    "MAX_RESUME_PAGES",
    "QUESTION_MESSAGE_IDS",
    "TAILORED_PROMPT_MARKER",
    "BankQuestions",
    "BankSkills",
    "JobDescriptionError",
    "JobDescriptionProblem",
    "LLMTailoredPlanner",
    "LocalizedTranslate",
    "OfflineTailoredPlanner",
    "ResumeError",
    "ResumeProblem",
    "Seniority",
    "TailoredPlan",
    "TailoredPlanner",
    "build_tailored_messages",
    "create_tailored_planner",
    "extract_resume_text",
    "fluent_translate",
    "resume_from_text",
    "validate_job_description",
]
