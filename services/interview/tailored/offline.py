"""The offline tailored planner: keyword rules and question templates, no model.

It names the user's own projects and the vacancy's required skills in its questions, fills
the rest from bank tasks for the extracted skills (through the caller's `bank_questions`
hook), and is the LLM planner's fallback.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from fluent.runtime import FluentBundle, FluentResource

from services.interview.evaluation.schema import TaskKind
from services.interview.plan import PlannedQuestion
from services.interview.tailored.profile import ExtractedProfile, extract_profile, shorten
from services.interview.tailored.schema import (
    BankQuestions,
    BankSkills,
    LocalizedTranslate,
    TailoredPlan,
)
from services.interview.tailored.skills import SkillHit, SkillMatcher
from services.languages import LOCALES_DIR, SUPPORTED_LANGUAGES

TEMPLATES_FILE = "tailored.ftl"
MAX_JOB_CONTEXT_CHARS = 600
MAX_QUOTED_REQUIREMENT_CHARS = 160
# At most this share of the questions is about projects: the rest tests the job's skills.
PROJECT_SHARE = 1 / 3

# Fluent message ids this module renders (locales/*/tailored.ftl).
QUESTION_MESSAGE_IDS = (
    "tailored-question-project",
    "tailored-question-skill-from-resume",
    "tailored-question-skill-required",
    "tailored-question-requirement",
    "tailored-question-motivation",
    "tailored-question-motivation-role",
    "tailored-point-project-goal",
    "tailored-point-project-role",
    "tailored-point-project-decisions",
    "tailored-point-project-result",
    "tailored-point-project-lesson",
    "tailored-point-skill-task",
    "tailored-point-skill-how",
    "tailored-point-skill-problem",
    "tailored-point-requirement",
    "tailored-point-result",
    "tailored-point-motivation-role",
    "tailored-point-motivation-project",
    "tailored-point-motivation-growth",
    "tailored-reference-project",
    "tailored-reference-skill",
    "tailored-reference-requirement",
    "tailored-reference-motivation",
)


@lru_cache(maxsize=8)
def _bundle(language: str) -> FluentBundle:
    bundle = FluentBundle([language], use_isolating=False)
    source = (LOCALES_DIR / language / TEMPLATES_FILE).read_text(encoding="utf-8")
    bundle.add_resource(FluentResource(source))
    return bundle


def fluent_translate(language: str, message_id: str, args: Mapping[str, Any]) -> str:
    """The question templates straight from locales/<language>/tailored.ftl."""
    bundle = _bundle(language if language in SUPPORTED_LANGUAGES else "en")
    message = bundle.get_message(message_id)
    if message.value is None:
        raise KeyError(message_id)
    text, errors = bundle.format_pattern(message.value, dict(args))
    if errors:
        raise ValueError(f"{message_id}: {errors}")
    return str(text)


async def collect_bank_questions(
    bank_questions: BankQuestions | None, skill_keys: list[str], count: int
) -> list[PlannedQuestion]:
    if bank_questions is None or count <= 0 or not skill_keys:
        return []
    found = bank_questions(list(skill_keys), count)
    if inspect.isawaitable(found):
        found = await found
    return list(found)[:count]


class OfflineTailoredPlanner:
    def __init__(
        self,
        bank_skills: BankSkills,
        *,
        translate: LocalizedTranslate = fluent_translate,
        bank_questions: BankQuestions | None = None,
    ) -> None:
        self.matcher = SkillMatcher(bank_skills)
        self._translate = translate
        self._bank_questions = bank_questions

    def extract(self, resume_text: str, job_description: str, language: str) -> ExtractedProfile:
        return extract_profile(self.matcher, resume_text, job_description, language)

    async def plan(
        self,
        resume_text: str,
        job_description: str,
        *,
        language: str,
        count: int,
        bank_questions: BankQuestions | None = None,
        simplified: bool = False,
    ) -> TailoredPlan:
        profile = self.extract(resume_text, job_description, language)
        questions = await self.write_questions(
            profile,
            language=language,
            count=count,
            bank_questions=bank_questions,
        )
        return TailoredPlan(
            skills=profile.skill_names,
            skill_keys=profile.skill_keys,
            seniority=profile.seniority,
            requirements=profile.requirements,
            projects=profile.projects,
            questions=questions,
            job_context=job_context(profile),
            planner="offline",
            simplified=simplified,
        )

    async def write_questions(
        self,
        profile: ExtractedProfile,
        *,
        language: str,
        count: int,
        bank_questions: BankQuestions | None = None,
        exclude: list[PlannedQuestion] | None = None,
    ) -> list[PlannedQuestion]:
        """`count` questions: projects, the job's skills, bank tasks, requirements, motivation.

        `exclude` lists questions already asked (the LLM planner tops up a short reply), so
        the same project or skill is not asked about twice.
        """
        if count <= 0:
            return []
        bank_questions = bank_questions or self._bank_questions
        writer = _QuestionWriter(self._translate, language, profile, exclude or [])
        project_slots = max(1, round(count * PROJECT_SHARE))
        planned: list[PlannedQuestion] = []
        planned += writer.project_questions(project_slots)
        planned += writer.skill_questions(count - len(planned))
        asked_keys = {key for question in [*planned, *(exclude or [])] for key in question.skills}
        remaining_keys = [key for key in profile.skill_keys if key not in asked_keys]
        planned += await collect_bank_questions(
            bank_questions, remaining_keys or profile.skill_keys, count - len(planned)
        )
        planned += writer.requirement_questions(count - len(planned))
        planned += writer.project_questions(count - len(planned))
        if len(planned) < count:
            planned.append(writer.motivation_question())
        return _unique(planned)[:count]


def job_context(profile: ExtractedProfile) -> str:
    """The vacancy in a few content words for the evaluator: title, skills, requirements."""
    parts = [profile.job_title] if profile.job_title else []
    parts += [hit.name for hit in profile.required_skills]
    parts += profile.requirements[:5]
    return shorten("; ".join(part for part in parts if part), MAX_JOB_CONTEXT_CHARS)


def requirement_for(hit: SkillHit, requirements: list[str]) -> str | None:
    """The requirement line naming the skill."""
    pattern = re.compile(rf"(?<!\w){re.escape(hit.name)}(?!\w)", re.IGNORECASE)
    return next((line for line in requirements if pattern.search(line)), None)


def _unique(questions: list[PlannedQuestion]) -> list[PlannedQuestion]:
    seen: set[str] = set()
    unique: list[PlannedQuestion] = []
    for question in questions:
        key = question.question_id or question.text.casefold()
        if key not in seen:
            seen.add(key)
            unique.append(question)
    return unique


class _QuestionWriter:
    """Renders template questions, remembering which projects and skills are used up."""

    def __init__(
        self,
        translate: LocalizedTranslate,
        language: str,
        profile: ExtractedProfile,
        exclude: list[PlannedQuestion],
    ) -> None:
        self._translate = translate
        self._language = language
        self._profile = profile
        asked = " ".join(question.text for question in exclude).casefold()
        self._projects = [p for p in profile.projects if p.casefold() not in asked]
        self._skills = [
            hit
            for hit in profile.required_skills
            if not re.search(rf"(?<!\w){re.escape(hit.name.casefold())}(?!\w)", asked)
        ]
        self._requirements = [r for r in profile.requirements if r.casefold() not in asked]
        self._covered_keys: set[str] = {key for question in exclude for key in question.skills}
        self._quoted_lines: set[str] = set()

    def _t(self, message_id: str, **args: Any) -> str:
        return self._translate(self._language, message_id, args)

    def project_questions(self, limit: int) -> list[PlannedQuestion]:
        questions: list[PlannedQuestion] = []
        while self._projects and len(questions) < limit:
            project = self._projects.pop(0)
            mentioned = [
                hit for hit in self._profile.skills if hit.name.casefold() in project.casefold()
            ]
            points = [
                self._t("tailored-point-project-goal"),
                self._t("tailored-point-project-role"),
                self._t("tailored-point-project-decisions"),
                self._t("tailored-point-project-result"),
            ]
            if mentioned:
                skill = mentioned[0].inline_name()
                points.insert(3, self._t("tailored-point-skill-how", skill=skill))
            else:
                points.append(self._t("tailored-point-project-lesson"))
            questions.append(
                PlannedQuestion(
                    text=self._t("tailored-question-project", project=project),
                    key_points=points,
                    reference_answer=self._t("tailored-reference-project", project=project),
                    skills=_keys_or_names(mentioned),
                    kind=TaskKind.BEHAVIORAL,
                    topic="project",
                )
            )
        return questions

    def skill_questions(self, limit: int) -> list[PlannedQuestion]:
        questions: list[PlannedQuestion] = []
        while self._skills and len(questions) < limit:
            hit = self._skills.pop(0)
            # "PostgreSQL" and "SQL" both lead to the bank's sql: one question is enough.
            if hit.keys and set(hit.keys) <= self._covered_keys:
                continue
            line = requirement_for(hit, self._profile.requirements) or self._profile.job_line_of(
                hit
            )
            # "PostgreSQL: indexes, transactions" names three skills: ask about the first;
            # bank questions cover the others.
            if line in self._quoted_lines:
                continue
            self._quoted_lines.add(line)
            self._covered_keys.update(hit.keys)
            if line in self._requirements:
                self._requirements.remove(line)
            requirement = shorten(line or hit.name, MAX_QUOTED_REQUIREMENT_CHARS)
            skill = hit.inline_name()
            template = (
                "tailored-question-skill-from-resume"
                if self._profile.in_resume(hit)
                else "tailored-question-skill-required"
            )
            questions.append(
                PlannedQuestion(
                    text=self._t(template, skill=skill, requirement=requirement),
                    key_points=[
                        self._t("tailored-point-skill-task", skill=skill),
                        self._t("tailored-point-skill-how", skill=skill),
                        self._t("tailored-point-skill-problem"),
                        self._t("tailored-point-requirement", requirement=requirement),
                        self._t("tailored-point-result"),
                    ],
                    reference_answer=self._t(
                        "tailored-reference-skill", skill=skill, requirement=requirement
                    ),
                    skills=_keys_or_names([hit]),
                    kind=TaskKind.TECHNICAL,
                    topic=hit.name,
                )
            )
        return questions

    def requirement_questions(self, limit: int) -> list[PlannedQuestion]:
        questions: list[PlannedQuestion] = []
        while self._requirements and len(questions) < limit:
            requirement = shorten(self._requirements.pop(0), MAX_QUOTED_REQUIREMENT_CHARS)
            mentioned = [
                hit
                for hit in self._profile.required_skills
                if hit.name.casefold() in requirement.casefold()
            ]
            questions.append(
                PlannedQuestion(
                    text=self._t("tailored-question-requirement", requirement=requirement),
                    key_points=[
                        self._t("tailored-point-requirement", requirement=requirement),
                        self._t("tailored-point-project-role"),
                        self._t("tailored-point-skill-problem"),
                        self._t("tailored-point-result"),
                    ],
                    reference_answer=self._t(
                        "tailored-reference-requirement", requirement=requirement
                    ),
                    skills=_keys_or_names(mentioned),
                    kind=TaskKind.BEHAVIORAL,
                    topic="requirement",
                )
            )
        return questions

    def motivation_question(self) -> PlannedQuestion:
        role = self._profile.job_title
        text = (
            self._t("tailored-question-motivation-role", role=role)
            if role
            else self._t("tailored-question-motivation")
        )
        return PlannedQuestion(
            text=text,
            key_points=[
                self._t("tailored-point-motivation-role"),
                self._t("tailored-point-motivation-project"),
                self._t("tailored-point-motivation-growth"),
            ],
            reference_answer=self._t("tailored-reference-motivation"),
            skills=[],
            kind=TaskKind.BEHAVIORAL,
            topic="motivation",
        )


def _keys_or_names(hits: list[SkillHit]) -> list[str]:
    """Bank skill keys where the skill is in the bank (progress by skill uses them), else the
    technology's name."""
    result: list[str] = []
    for hit in hits:
        for item in hit.keys or (hit.name,):
            if item not in result:
                result.append(item)
    return result
