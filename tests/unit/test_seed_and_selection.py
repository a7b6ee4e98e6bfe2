"""Seeding the bank into the database, and picking questions from it.

Seeding deactivates every question that is not in the bank it is given, so these tests work on
a scratch database of their own (a fresh PostgreSQL database on the real backend, a SQLite file
otherwise) and never disturb the questions other tests see in the shared one.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import AsyncIterator, Collection, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.database import create_engine, create_session_factory
from services.interview.bank import QuestionBank, bank_from_documents
from services.interview.seeding import seed_bank
from services.interview.selection import pick_practice_question, pick_questions, to_planned
from services.models import (
    InterviewAnswer,
    InterviewSession,
    Question,
    Specialization,
    User,
)

USER_ID = 7001
TOPICS = ("alpha", "beta", "gamma", "delta")


@pytest.fixture
async def sessions(module_database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(module_database_url)
    factory = create_session_factory(engine)
    async with factory() as session:
        for model in (InterviewAnswer, InterviewSession, Question, Specialization, User):
            await session.execute(delete(model))
        session.add(User(telegram_id=USER_ID, first_name="Ann", language="en"))
        await session.commit()
    yield factory
    await engine.dispose()


def make_bank(
    cells: dict[tuple[str, str], int], *, premium: Collection[str] = frozenset()
) -> QuestionBank:
    """One specialization `demo`; `cells` maps (level, topic) to how many tasks it holds.

    Task ids are demo-<topic>-<level>-<n>; those in `premium` are premium.
    """
    tasks: list[dict[str, Any]] = []
    for (level, topic), count in cells.items():
        for number in range(1, count + 1):
            task_id = f"demo-{topic}-{level}-{number}"
            tasks.append(
                {
                    "id": task_id,
                    "level": level,
                    "topic": topic,
                    "kind": "technical",
                    "tier": "premium" if task_id in premium else "free",
                    "skills": ["caching" if topic == "alpha" else "sql"],
                    "question": {"en": f"Question {task_id}", "ru": f"Вопрос {task_id}"},
                    "key_points": [
                        {"en": f"Point {index}", "ru": f"Пункт {index}"} for index in range(3)
                    ],
                    "reference_answer": {"en": "Answer", "ru": "Ответ"},
                }
            )
    document = {
        "specialization": "demo",
        "title": {"en": "Demo", "ru": "Демо"},
        "topics": {topic: {"en": topic.title(), "ru": topic} for topic in TOPICS},
        "skills": {"caching": {"en": "Caching", "ru": "Кэш"}, "sql": {"en": "SQL", "ru": "SQL"}},
        "tasks": tasks,
    }
    return bank_from_documents([("demo.yaml", document)])


def full_cells(per_cell: int) -> dict[tuple[str, str], int]:
    return {
        (level, topic): per_cell for level in ("junior", "middle", "senior") for topic in TOPICS
    }


async def seed(factory: async_sessionmaker[AsyncSession], bank: QuestionBank) -> Any:
    async with factory() as session:
        report = await seed_bank(session, bank)
        await session.commit()
    return report


async def add_session(
    factory: async_sessionmaker[AsyncSession],
    question_ids: list[str],
    *,
    age_days: int,
    answered: Sequence[str] = (),
) -> None:
    """A past interview of the user that planned `question_ids` (and answered `answered`)."""
    async with factory() as session:
        interview = InterviewSession(
            user_id=USER_ID,
            mode="track",
            specialization="demo",
            level="junior",
            language="en",
            plan=[{"question_id": question_id, "text": "?"} for question_id in question_ids],
            status="finished",
            started_at=datetime.now(UTC) - timedelta(days=age_days),
        )
        session.add(interview)
        await session.flush()
        for position, question_id in enumerate(answered):
            session.add(
                InterviewAnswer(
                    session_id=interview.id,
                    position=position,
                    question_id=question_id,
                    question_text="?",
                    answer_text="answer",
                )
            )
        await session.commit()


async def pick(factory: async_sessionmaker[AsyncSession], **options: Any) -> list[Question]:
    arguments: dict[str, Any] = {
        "user_id": USER_ID,
        "specialization": "demo",
        "level": "junior",
        "topic": None,
        "count": 3,
        "include_premium": False,
    }
    arguments.update(options)
    async with factory() as session:
        return await pick_questions(session, **arguments)


async def test_seeding_twice_changes_nothing_the_second_time(sessions) -> None:
    bank = make_bank(full_cells(3))
    first = await seed(sessions, bank)
    assert (first.created, first.updated, first.unchanged, first.deactivated) == (36, 0, 0, 0)
    assert (first.specializations_created, first.specializations_updated) == (1, 0)

    second = await seed(sessions, bank)
    assert (second.created, second.updated, second.unchanged, second.deactivated) == (0, 0, 36, 0)
    assert (second.specializations_created, second.specializations_updated) == (0, 0)
    assert not second.changed_anything

    async with sessions() as session:
        stored = await session.get(Question, "demo-beta-middle-2")
        assert stored is not None and stored.is_active
        assert stored.question == {
            "en": "Question demo-beta-middle-2",
            "ru": "Вопрос demo-beta-middle-2",
        }
        assert stored.key_points[0] == {"en": "Point 0", "ru": "Пункт 0"}
        catalogue = await session.get(Specialization, "demo")
        assert catalogue is not None and list(catalogue.topics) == list(TOPICS)


async def test_an_edited_bank_updates_only_what_changed(sessions) -> None:
    await seed(sessions, make_bank(full_cells(3)))
    async with sessions() as session:
        before = await session.get(Question, "demo-alpha-junior-1")
        assert before is not None
        stamp = before.updated_at
    cells = full_cells(3) | {("junior", "alpha"): 4}
    report = await seed(sessions, make_bank(cells, premium={"demo-beta-senior-1"}))
    assert (report.created, report.updated, report.unchanged, report.deactivated) == (1, 1, 35, 0)
    async with sessions() as session:
        untouched = await session.get(Question, "demo-alpha-junior-1")
        changed = await session.get(Question, "demo-beta-senior-1")
        assert untouched is not None and untouched.updated_at == stamp
        assert changed is not None and changed.tier == "premium"


async def test_questions_gone_from_the_bank_are_deactivated_and_come_back(sessions) -> None:
    await seed(sessions, make_bank(full_cells(3)))
    smaller = full_cells(3) | {("junior", "alpha"): 1}
    report = await seed(sessions, make_bank(smaller))
    assert (report.created, report.updated, report.unchanged, report.deactivated) == (0, 0, 34, 2)
    async with sessions() as session:
        inactive = set(
            (await session.scalars(select(Question.id).where(Question.is_active.is_(False)))).all()
        )
        assert inactive == {"demo-alpha-junior-2", "demo-alpha-junior-3"}
    for seed_number in range(5):
        picked = await pick(sessions, topic="alpha", count=12, rng=random.Random(seed_number))
        assert not {question.id for question in picked} & inactive
    again = await seed(sessions, make_bank(smaller))
    assert (again.deactivated, again.updated) == (0, 0)
    back = await seed(sessions, make_bank(full_cells(3)))
    assert (back.created, back.updated, back.unchanged, back.deactivated) == (0, 2, 34, 0)


async def test_a_random_topic_spreads_over_the_topics_without_repeats(sessions) -> None:
    await seed(sessions, make_bank(full_cells(3)))
    for seed_number in range(10):
        rng = random.Random(seed_number)
        four = await pick(sessions, count=4, rng=rng)
        assert len({question.id for question in four}) == 4
        assert {question.topic for question in four} == set(TOPICS)
        assert {question.level for question in four} == {"junior"}

        eight = await pick(sessions, count=8, rng=rng)
        assert len({question.id for question in eight}) == 8
        assert Counter(question.topic for question in eight) == dict.fromkeys(TOPICS, 2)
    draws = {
        tuple(q.id for q in await pick(sessions, count=4, rng=random.Random(n))) for n in range(10)
    }
    assert len(draws) > 1, "the draw should vary with the random generator"


async def test_recent_tasks_are_avoided_then_the_least_recent_fill_in(sessions) -> None:
    await seed(sessions, make_bank({("junior", "alpha"): 5}))
    await add_session(sessions, ["demo-alpha-junior-1", "demo-alpha-junior-2"], age_days=1)
    await add_session(sessions, [], age_days=0, answered=["demo-alpha-junior-3"])
    for seed_number in range(5):
        picked = await pick(sessions, topic="alpha", count=2, rng=random.Random(seed_number))
        assert {question.id for question in picked} == {
            "demo-alpha-junior-4",
            "demo-alpha-junior-5",
        }

    # Four asked for, two unseen: the other two come from the older session, not yesterday's.
    picked = await pick(sessions, topic="alpha", count=4, rng=random.Random(1))
    assert {question.id for question in picked[:2]} == {
        "demo-alpha-junior-4",
        "demo-alpha-junior-5",
    }
    assert {question.id for question in picked[2:]} == {
        "demo-alpha-junior-1",
        "demo-alpha-junior-2",
    }


async def test_only_the_last_few_sessions_count_as_recent(sessions) -> None:
    await seed(sessions, make_bank({("junior", "alpha"): 2}))
    await add_session(sessions, ["demo-alpha-junior-1"], age_days=30)
    for age in range(5):
        await add_session(sessions, ["demo-alpha-junior-2"], age_days=age)
    # demo-alpha-junior-1 was six sessions ago: it counts as new again.
    picked = await pick(sessions, topic="alpha", count=1, rng=random.Random(3))
    assert [question.id for question in picked] == ["demo-alpha-junior-1"]


async def test_premium_questions_only_when_included(sessions) -> None:
    premium = {f"demo-{topic}-junior-{n}" for topic in TOPICS for n in (2, 3)}
    await seed(sessions, make_bank(full_cells(3), premium=premium))
    for seed_number in range(5):
        free = await pick(sessions, count=4, rng=random.Random(seed_number))
        assert {question.tier for question in free} == {"free"}
        assert {question.level for question in free} == {"junior"}
    everything = await pick(sessions, count=12, include_premium=True, rng=random.Random(0))
    assert {question.tier for question in everything} == {"free", "premium"}
    assert {question.level for question in everything} == {"junior"}


async def test_a_small_cell_falls_back_to_other_topics_then_other_levels(sessions) -> None:
    cells = {
        ("junior", "alpha"): 2,
        ("junior", "beta"): 1,
        ("middle", "alpha"): 2,
        ("middle", "gamma"): 2,
        ("senior", "alpha"): 3,
    }
    await seed(sessions, make_bank(cells))
    picked = await pick(sessions, topic="alpha", count=5, rng=random.Random(0))
    cells_in_order = [(question.level, question.topic) for question in picked]
    assert cells_in_order[:2] == [("junior", "alpha")] * 2
    assert cells_in_order[2] == ("junior", "beta")
    # Then the nearest level, the requested topic first.
    assert cells_in_order[3:] == [("middle", "alpha")] * 2
    assert len({question.id for question in picked}) == 5

    everything = await pick(sessions, topic="alpha", count=50, rng=random.Random(0))
    assert len(everything) == 10  # the whole specialization, each task once
    assert [question.level for question in everything][-3:] == ["senior"] * 3
    assert await pick(sessions, specialization="nothing", count=3) == []
    assert await pick(sessions, count=0) == []


async def test_practice_picks_the_skill_and_avoids_recent_questions(sessions) -> None:
    await seed(sessions, make_bank({("junior", "alpha"): 2, ("junior", "beta"): 2}))
    await add_session(sessions, ["demo-alpha-junior-1"], age_days=0)
    async with sessions() as session:
        for seed_number in range(5):
            question = await pick_practice_question(
                session,
                user_id=USER_ID,
                skill="caching",
                specialization="demo",
                include_premium=False,
                rng=random.Random(seed_number),
            )
            assert question is not None and question.id == "demo-alpha-junior-2"
        anything = await pick_practice_question(
            session, user_id=USER_ID, skill=None, specialization=None, include_premium=False
        )
        assert anything is not None and anything.id != "demo-alpha-junior-1"
        missing = await pick_practice_question(
            session, user_id=USER_ID, skill="juggling", specialization=None, include_premium=False
        )
        assert missing is None


async def test_to_planned_snapshots_the_question_in_the_language(sessions) -> None:
    await seed(sessions, make_bank({("junior", "alpha"): 2}))
    async with sessions() as session:
        question = await session.get(Question, "demo-alpha-junior-1")
    assert question is not None
    planned = to_planned(question, "ru")
    assert planned.question_id == "demo-alpha-junior-1"
    assert planned.text == "Вопрос demo-alpha-junior-1"
    assert planned.key_points == ["Пункт 0", "Пункт 1", "Пункт 2"]
    assert planned.reference_answer == "Ответ"
    assert planned.skills == ["caching"] and planned.topic == "alpha"
    assert planned.kind.value == "technical"
    assert to_planned(question, "de").text == "Question demo-alpha-junior-1"  # English fallback
