"""Choosing bank questions for an interview or a practice drill.

Rules, in order of priority:
1. only active questions of the track that no admin has disabled (/bank disable), free ones
   unless premium is included;
2. never the same task twice in one interview;
3. the requested cell (specialization, level, topic) first; when it holds fewer tasks than asked
   for, the same level's other topics, then the other levels (nearest first, the requested topic
   before the others);
4. within each of those, tasks the user has not met in their last few sessions first, then the
   ones met longest ago;
5. with no topic chosen ("random"), the draw goes round the topics so they are spread evenly.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.interview.bank import LEVELS, localized_text
from services.interview.evaluation.schema import TaskKind
from services.interview.plan import PlannedQuestion
from services.models.interview import InterviewAnswer, InterviewSession, Question

# How many of the user's latest sessions count as "recent" when avoiding repeats.
RECENT_SESSIONS = 5
# Practice sessions hold one question each, so look further back for them.
PRACTICE_RECENT_SESSIONS = 20
NEVER_SEEN = 1_000_000  # recency rank of a task outside the recent window


async def recent_question_ranks(
    session: AsyncSession, user_id: int, *, sessions: int = RECENT_SESSIONS
) -> dict[str, int]:
    """Task id → how many sessions ago the user last met it (0: the latest session).

    A task counts as met when it was in a session's plan or has an answer in that session.
    """
    rows = (
        await session.execute(
            select(InterviewSession.id, InterviewSession.plan)
            .where(InterviewSession.user_id == user_id)
            .order_by(InterviewSession.started_at.desc(), InterviewSession.id.desc())
            .limit(sessions)
        )
    ).all()
    if not rows:
        return {}
    ranks: dict[str, int] = {}
    session_rank: dict[int, int] = {}
    for rank, (session_id, plan) in enumerate(rows):
        session_rank[session_id] = rank
        for item in plan or []:
            question_id = item.get("question_id") if isinstance(item, Mapping) else None
            if question_id:
                ranks.setdefault(question_id, rank)
    answered = await session.execute(
        select(InterviewAnswer.session_id, InterviewAnswer.question_id).where(
            InterviewAnswer.session_id.in_(session_rank),
            InterviewAnswer.question_id.is_not(None),
        )
    )
    for session_id, question_id in answered.all():
        rank = session_rank[session_id]
        if rank < ranks.get(question_id, NEVER_SEEN):
            ranks[question_id] = rank
    return ranks


def _allowed_tiers(include_premium: bool) -> tuple[str, ...]:
    return ("free", "premium") if include_premium else ("free",)


async def pick_questions(
    session: AsyncSession,
    *,
    user_id: int,
    specialization: str,
    level: str,
    topic: str | None,
    count: int,
    include_premium: bool,
    rng: random.Random | None = None,
) -> list[Question]:
    """Up to `count` distinct active questions for an interview on the track (see module doc).

    Returns fewer only when the whole specialization has fewer matching questions.
    """
    if count <= 0:
        return []
    rng = rng or random.Random()
    pool = list(
        (
            await session.scalars(
                select(Question)
                .where(
                    Question.specialization == specialization,
                    Question.in_rotation,
                    Question.tier.in_(_allowed_tiers(include_premium)),
                )
                .order_by(Question.id)  # a seeded rng then gives the same draw on any database
            )
        ).all()
    )
    if not pool:
        return []
    ranks = await recent_question_ranks(session, user_id)
    picked: list[Question] = []
    for stage in _stages(pool, level, topic):
        need = count - len(picked)
        if need <= 0:
            break
        picked += _draw(stage, need, ranks, rng)
    return picked


def _stages(pool: Sequence[Question], level: str, topic: str | None) -> list[list[Question]]:
    """The pool split into the order in which it is drawn from (requested cell first)."""
    other_levels = sorted(
        {question.level for question in pool} - {level},
        key=lambda other: (_level_distance(level, other), other),
    )
    stages: list[list[Question]] = []
    for current_level in [level, *other_levels]:
        at_level = [question for question in pool if question.level == current_level]
        if topic is None:
            stages.append(at_level)
        else:
            stages.append([question for question in at_level if question.topic == topic])
            stages.append([question for question in at_level if question.topic != topic])
    return [stage for stage in stages if stage]


def _level_distance(requested: str, other: str) -> int:
    if requested in LEVELS and other in LEVELS:
        return abs(LEVELS.index(requested) - LEVELS.index(other))
    return len(LEVELS)


def _draw(
    candidates: Sequence[Question], need: int, ranks: Mapping[str, int], rng: random.Random
) -> list[Question]:
    """`need` questions from `candidates`: unseen before long-ago seen, topics taken in turns."""
    by_topic: defaultdict[str, list[Question]] = defaultdict(list)
    for question in _by_freshness(candidates, ranks, rng):
        by_topic[question.topic].append(question)
    topic_order = list(by_topic)
    rng.shuffle(topic_order)
    turn = {name: position for position, name in enumerate(topic_order)}
    taken_per_topic = dict.fromkeys(topic_order, 0)
    picked: list[Question] = []
    while len(picked) < need and by_topic:
        # Freshness first (an unseen task beats evening out the topics), then the topic with
        # the fewest picks so far, then the topic's place in this draw's random order.
        name = min(
            by_topic,
            key=lambda key: (
                -ranks.get(by_topic[key][0].id, NEVER_SEEN),
                taken_per_topic[key],
                turn[key],
            ),
        )
        picked.append(by_topic[name].pop(0))
        taken_per_topic[name] += 1
        if not by_topic[name]:
            del by_topic[name]
    return picked


def _by_freshness(
    questions: Iterable[Question], ranks: Mapping[str, int], rng: random.Random
) -> list[Question]:
    """Unseen questions in random order, then seen ones from the longest ago."""
    shuffled = list(questions)
    rng.shuffle(shuffled)
    return sorted(shuffled, key=lambda question: -ranks.get(question.id, NEVER_SEEN))


async def pick_practice_question(
    session: AsyncSession,
    *,
    user_id: int,
    skill: str | None,
    specialization: str | None,
    include_premium: bool,
    rng: random.Random | None = None,
) -> Question | None:
    """One active question that tests `skill` (any skill when None), in `specialization` (any
    when None); one the user has not met recently if there is such, else the longest ago met.
    None when nothing matches."""
    rng = rng or random.Random()
    query = (
        select(Question.id, Question.skills)
        .where(
            Question.in_rotation,
            Question.tier.in_(_allowed_tiers(include_premium)),
        )
        .order_by(Question.id)
    )
    if specialization is not None:
        query = query.where(Question.specialization == specialization)
    # Skills are a JSON list, which databases query differently: filter here, on ids only.
    candidate_ids = [
        question_id
        for question_id, skills in (await session.execute(query)).all()
        if skill is None or skill in (skills or [])
    ]
    if not candidate_ids:
        return None
    ranks = await recent_question_ranks(session, user_id, sessions=PRACTICE_RECENT_SESSIONS)
    rng.shuffle(candidate_ids)
    freshest = max(candidate_ids, key=lambda question_id: ranks.get(question_id, NEVER_SEEN))
    return await session.get(Question, freshest)


async def questions_for_skills(
    session: AsyncSession,
    *,
    skills: list[str],
    count: int,
    language: str,
    include_premium: bool,
    rng: random.Random | None = None,
) -> list[PlannedQuestion]:
    """Up to `count` bank questions testing the given skill keys, most matching skills first
    (ties in random order), for tailored interviews to fill up with."""
    if not skills or count <= 0:
        return []
    rng = rng or random.Random()
    wanted = set(skills)
    query = select(Question).where(
        Question.in_rotation,
        Question.tier.in_(_allowed_tiers(include_premium)),
    )
    matching = [q for q in (await session.scalars(query)).all() if wanted & set(q.skills or [])]
    rng.shuffle(matching)
    matching.sort(key=lambda question: len(wanted & set(question.skills)), reverse=True)
    return [to_planned(question, language) for question in matching[:count]]


def to_planned(question: Question, language: str) -> PlannedQuestion:
    """A snapshot of the question in `language` (English where a translation is missing)."""
    return PlannedQuestion(
        question_id=question.id,
        text=localized_text(question.question, language),
        key_points=[localized_text(point, language) for point in question.key_points],
        reference_answer=localized_text(question.reference_answer, language),
        skills=list(question.skills),
        kind=TaskKind(question.kind),
        topic=question.topic,
    )
