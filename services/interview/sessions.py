"""The interview as a sequence of turns: start, ask, answer (+ one follow-up), skip, finish.

No aiogram here: handlers call these functions and render what they return. The database is
the source of truth for where an interview stands, so it survives restarts of the bot; the
FSM only says that the user is answering.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.entitlements import (
    NoInterviewsLeft,
    PaidWith,
    return_interview_charge,
    spend_for_interview,
)
from services.interview.delivery import DeliverySummary, summarize_delivery
from services.interview.evaluation import Evaluation, EvaluationRequest, Evaluator
from services.interview.plan import PlannedQuestion
from services.interview.report import (
    QuestionResult,
    overall_score,
    question_results,
    skill_averages,
    spoken_answers,
)
from services.models import InterviewAnswer, InterviewSession
from services.models.base import utcnow

Translate = Callable[[str, dict[str, Any]], str]

RECENT_INTERVIEWS_FOR_STATS = 20
# How an interview that counts was paid for; one closed before any answer is not.
COUNTED_CHARGES = frozenset({PaidWith.FREE, PaidWith.CREDIT, PaidWith.SUBSCRIPTION})


class Mode(StrEnum):
    TRACK = "track"
    TAILORED = "tailored"
    PRACTICE = "practice"


class Status(StrEnum):
    ACTIVE = "active"
    FINISHED = "finished"
    ABANDONED = "abandoned"


class InterviewClosed(Exception):
    """The interview is finished or abandoned: it takes no more answers."""


@dataclass(frozen=True, slots=True)
class Turn:
    position: int  # 0-based index in the plan
    total: int
    question: PlannedQuestion
    follow_up: str | None  # the follow-up being asked, if this turn is one

    @property
    def number(self) -> int:
        return self.position + 1


@dataclass(frozen=True, slots=True)
class AnswerOutcome:
    turn: Turn
    evaluation: Evaluation
    next_turn: Turn | None  # None when the interview has just finished


def plan_of(interview: InterviewSession) -> list[PlannedQuestion]:
    return [PlannedQuestion.model_validate(item) for item in interview.plan]


def current_turn(interview: InterviewSession) -> Turn | None:
    if interview.status != Status.ACTIVE or interview.position >= len(interview.plan):
        return None
    question = PlannedQuestion.model_validate(interview.plan[interview.position])
    return Turn(interview.position, len(interview.plan), question, interview.follow_up)


async def start_interview(
    session: AsyncSession,
    *,
    user_id: int,
    mode: Mode,
    plan: Sequence[PlannedQuestion],
    language: str,
    free_interviews: int,
    specialization: str | None = None,
    level: str | None = None,
    topic: str | None = None,
    job_context: str | None = None,
) -> InterviewSession:
    """Creates the interview and charges it (practice is free). An active one is abandoned:
    a user has one interview under way at a time. Raises NoInterviewsLeft."""
    if not plan:
        raise ValueError("an interview needs at least one question")
    interview = InterviewSession(
        user_id=user_id,
        mode=mode,
        specialization=specialization,
        level=level,
        topic=topic,
        language=language,
        plan=[question.model_dump(mode="json") for question in plan],
        position=0,
        status=Status.ACTIVE,
        paid_with=PaidWith.NOTHING,
        job_context=job_context,
    )
    previous = await active_interview(session, user_id)
    session.add(interview)
    await session.flush()
    if mode is not Mode.PRACTICE:
        try:
            interview.paid_with = await spend_for_interview(
                session, user_id, free_interviews, interview.id
            )
        except NoInterviewsLeft:
            # Nothing changes: the new interview goes, the one under way stays.
            await session.delete(interview)
            await session.flush()
            raise
    if previous is not None:
        await finish(session, previous, Status.ABANDONED)
    return interview


async def active_interview(session: AsyncSession, user_id: int) -> InterviewSession | None:
    return await session.scalar(
        select(InterviewSession)
        .where(InterviewSession.user_id == user_id, InterviewSession.status == Status.ACTIVE)
        .order_by(InterviewSession.id.desc())
        .limit(1)
    )


async def get_interview(
    session: AsyncSession, interview_id: int, user_id: int
) -> InterviewSession | None:
    interview = await session.get(InterviewSession, interview_id)
    return interview if interview is not None and interview.user_id == user_id else None


def mark_asked(interview: InterviewSession, message_id: int) -> None:
    interview.asked_message_id = message_id


def was_written_before_current_turn(interview: InterviewSession, message_id: int) -> bool:
    """True for a message the user sent before the bot asked the current turn."""
    return interview.asked_message_id is not None and message_id < interview.asked_message_id


def _request_for(
    interview: InterviewSession, turn: Turn, answer: str, first: InterviewAnswer | None
) -> EvaluationRequest:
    question = turn.question
    if turn.follow_up is not None and first is not None and first.evaluation:
        # The follow-up aims at the biggest gap: the first key point the answer missed (or,
        # when none was missed, depth and examples on the question's own points).
        missing = list(first.evaluation.get("missing_key_points") or [])
        return EvaluationRequest(
            question=turn.follow_up,
            answer=answer,
            reference_answer=question.reference_answer or None,
            key_points=missing[:1] or question.key_points,
            kind=question.kind,
            language=interview.language,  # type: ignore[arg-type]
            skills=question.skills,
            job_context=interview.job_context,
        )
    return EvaluationRequest(
        question=question.text,
        answer=answer,
        reference_answer=question.reference_answer or None,
        key_points=question.key_points,
        kind=question.kind,
        language=interview.language,  # type: ignore[arg-type]
        skills=question.skills,
        job_context=interview.job_context,
    )


async def _answer_row(
    session: AsyncSession, interview_id: int, position: int, is_follow_up: bool
) -> InterviewAnswer | None:
    return await session.scalar(
        select(InterviewAnswer).where(
            InterviewAnswer.session_id == interview_id,
            InterviewAnswer.position == position,
            InterviewAnswer.is_follow_up == is_follow_up,
        )
    )


async def submit_answer(
    session: AsyncSession,
    interview: InterviewSession,
    answer: str,
    *,
    source: str,
    evaluator: Evaluator,
    translate: Translate,
    speech: dict[str, Any] | None = None,
) -> AnswerOutcome:
    """Scores the answer to the current turn, records it and moves on.

    `speech` is the delivery of a spoken answer (`SpeechMetrics.to_json()`), kept for reports.

    A follow-up is asked at most once per question, when the evaluator proposes one (a low
    score or a missed key point). Raises InterviewClosed for a finished interview.
    """
    turn = current_turn(interview)
    if turn is None:
        raise InterviewClosed
    first = await _answer_row(session, interview.id, turn.position, False)
    evaluation = await evaluator.evaluate(_request_for(interview, turn, answer, first))
    session.add(
        InterviewAnswer(
            session_id=interview.id,
            position=turn.position,
            is_follow_up=turn.follow_up is not None,
            question_id=turn.question.question_id,
            question_text=turn.follow_up or turn.question.text,
            answer_text=answer,
            source=source,
            skills=turn.question.skills,
            score=evaluation.overall,
            evaluation=evaluation.model_dump(mode="json"),
            speech=speech,
        )
    )
    follow_up = None
    if turn.follow_up is None and evaluation.follow_up is not None:
        follow_up = evaluation.follow_up.render(translate)
    return AnswerOutcome(turn, evaluation, await _advance(session, interview, follow_up))


async def skip(session: AsyncSession, interview: InterviewSession) -> Turn | None:
    """Skips the current question (or just its follow-up). Returns the next turn, if any."""
    turn = current_turn(interview)
    if turn is None:
        raise InterviewClosed
    if turn.follow_up is None:
        session.add(
            InterviewAnswer(
                session_id=interview.id,
                position=turn.position,
                is_follow_up=False,
                question_id=turn.question.question_id,
                question_text=turn.question.text,
                answer_text="",
                source="skipped",
                skills=turn.question.skills,
                score=None,
            )
        )
    return await _advance(session, interview, follow_up=None)


async def _advance(
    session: AsyncSession, interview: InterviewSession, follow_up: str | None
) -> Turn | None:
    """Moves to the follow-up, or else to the next question; finishes after the last one."""
    if follow_up is not None:
        interview.follow_up = follow_up
    else:
        interview.follow_up = None
        interview.position += 1
    interview.asked_message_id = None
    await session.flush()
    next_turn = current_turn(interview)
    if next_turn is None:
        await finish(session, interview)
    return next_turn


async def append_to_previous_answer(
    session: AsyncSession, interview: InterviewSession, text: str
) -> int | None:
    """Keeps a message written before the current turn was asked with the answer it belongs
    to (the latest recorded one). It is not scored again. Returns that question's number."""
    latest = await session.scalar(
        select(InterviewAnswer)
        .where(InterviewAnswer.session_id == interview.id, InterviewAnswer.source != "skipped")
        .order_by(InterviewAnswer.id.desc())
        .limit(1)
    )
    if latest is None:
        return None
    latest.answer_text = f"{latest.answer_text}\n{text}" if latest.answer_text else text
    await session.flush()
    return latest.position + 1


async def finish(
    session: AsyncSession, interview: InterviewSession, status: Status = Status.FINISHED
) -> PaidWith | None:
    """Closes the interview and stores its overall score: the average of the answered
    questions (a skipped question is no answer, not a zero); None when nothing was answered.

    An interview closed with no answer given (cancelled, ended, dropped or all skipped) does
    not count: what paid for it comes back, and is returned (None when nothing did).
    """
    if interview.status != Status.ACTIVE:
        return None
    interview.overall_score = overall_score(await results_of(session, interview))  # as reported
    interview.status = status
    interview.follow_up = None
    interview.finished_at = utcnow()
    returned = None
    if interview.overall_score is None and interview.paid_with in COUNTED_CHARGES:  # no answer
        returned = await return_interview_charge(
            session, interview.user_id, PaidWith(interview.paid_with), interview.id
        )
        # A subscription's interview cost nothing to give back, but it does not count either
        # (a subscription refund counts the interviews it was used for).
        interview.paid_with = PaidWith.RETURNED
    await session.flush()
    return returned


async def results_of(session: AsyncSession, interview: InterviewSession) -> list[QuestionResult]:
    """One result per question that was asked; questions never reached (the interview was
    ended early) are left out, skipped ones are marked `skipped`."""
    answers = await answers_of(session, interview.id)
    last_answered = max((answer.position for answer in answers), default=-1)
    asked = min(len(interview.plan), max(interview.position, last_answered + 1))
    return question_results(interview.plan[:asked], answers)


async def answers_of(session: AsyncSession, interview_id: int) -> list[InterviewAnswer]:
    return list(
        (
            await session.scalars(
                select(InterviewAnswer)
                .where(InterviewAnswer.session_id == interview_id)
                .order_by(InterviewAnswer.position, InterviewAnswer.is_follow_up)
            )
        ).all()
    )


@dataclass(frozen=True, slots=True)
class FinishedInterview:
    id: int
    finished_at: datetime
    overall: float
    skill_scores: dict[str, float]
    specialization: str | None
    level: str | None
    mode: str
    delivery: DeliverySummary | None = None  # None when no answer was spoken


async def finished_interviews(
    session: AsyncSession, user_id: int, limit: int = RECENT_INTERVIEWS_FOR_STATS
) -> list[FinishedInterview]:
    """The user's finished interviews, oldest first, with the average score per skill."""
    interviews = (
        await session.scalars(
            select(InterviewSession)
            .where(
                InterviewSession.user_id == user_id,
                InterviewSession.status == Status.FINISHED,
                InterviewSession.overall_score.is_not(None),
            )
            .order_by(InterviewSession.finished_at.desc())
            .limit(limit)
        )
    ).all()
    history: list[FinishedInterview] = []
    for interview in reversed(interviews):
        results = await results_of(session, interview)
        # From the answers, not the stored score: interviews finished before skipped questions
        # were left out stored them as zeros.
        overall = overall_score(results)
        if overall is None:
            continue
        history.append(
            FinishedInterview(
                id=interview.id,
                finished_at=interview.finished_at or interview.started_at,
                overall=overall,
                skill_scores=skill_averages(results),
                specialization=interview.specialization,
                level=interview.level,
                mode=interview.mode,
                delivery=summarize_delivery(spoken_answers(results)),
            )
        )
    return history


async def weakest_skill(session: AsyncSession, user_id: int) -> str | None:
    """The skill with the lowest average score over the user's recent answers (skipped
    questions have no score and are left out)."""
    rows = (
        await session.execute(
            select(InterviewAnswer.skills, InterviewAnswer.score)
            .join(InterviewSession, InterviewSession.id == InterviewAnswer.session_id)
            .where(
                InterviewSession.user_id == user_id,
                InterviewAnswer.is_follow_up.is_(False),
                InterviewAnswer.score.is_not(None),
            )
            .order_by(InterviewAnswer.id.desc())
            .limit(200)
        )
    ).all()
    totals: dict[str, list[float]] = {}
    for skills, score in rows:
        for skill in skills or []:
            totals.setdefault(skill, []).append(score)
    if not totals:
        return None
    return min(sorted(totals), key=lambda skill: sum(totals[skill]) / len(totals[skill]))


async def answered_count(session: AsyncSession, interview: InterviewSession) -> int:
    """How many of the interview's questions have an answer (skipped ones have none)."""
    return int(
        await session.scalar(
            select(func.count())
            .select_from(InterviewAnswer)
            .where(
                InterviewAnswer.session_id == interview.id,
                InterviewAnswer.is_follow_up.is_(False),
                InterviewAnswer.source != "skipped",
            )
        )
        or 0
    )


async def count_finished(session: AsyncSession, user_id: int) -> int:
    return int(
        await session.scalar(
            select(func.count())
            .select_from(InterviewSession)
            .where(InterviewSession.user_id == user_id, InterviewSession.status == Status.FINISHED)
        )
        or 0
    )
