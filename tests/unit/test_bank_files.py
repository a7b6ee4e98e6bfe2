"""The question bank as admins handle it (services/interview/bank_files.py): coverage, export,
the import's checks and its all-or-nothing apply, and questions taken out of rotation.

Imports retire questions and seeding rewrites them, so these tests work on a scratch database
of their own (a fresh PostgreSQL database on the real backend, a SQLite file otherwise),
seeded with the shipped bank before each test.
"""

from __future__ import annotations

import copy
import random
from collections.abc import AsyncIterator
from typing import Any

import pytest
import yaml
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.database import create_engine, create_session_factory
from services.interview import bank_files
from services.interview.bank import (
    load_default_bank,
    specialization_row_values,
    task_row_values,
)
from services.interview.bank_files import RotationChange
from services.interview.bookmarks import bookmarked_questions
from services.interview.seeding import seed_bank
from services.interview.selection import (
    pick_practice_question,
    pick_questions,
    questions_for_skills,
)
from services.models import Bookmark, Question, Specialization, User
from services.models.admin import AuditEntry
from tests.bank_yaml import task_line

ADMIN_ID = 4242
USER_ID = 4343
DISABLED_ID = "backend-databases-junior-1"


@pytest.fixture
async def sessions(module_database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """The scratch database holding exactly the shipped bank, and one user."""
    engine = create_engine(module_database_url)
    factory = create_session_factory(engine)
    async with factory() as session:
        for model in (Bookmark, AuditEntry, Question, Specialization, User):
            await session.execute(delete(model))
        session.add(User(telegram_id=USER_ID, first_name="Ann", language="en"))
        await seed_bank(session, load_default_bank())
        await session.commit()
    yield factory
    await engine.dispose()


async def _export(sessions: async_sessionmaker[AsyncSession], **comments: str) -> str:
    async with sessions() as session:
        return (await bank_files.export_bank(session, **comments)).content.decode("utf-8")


async def _import(sessions: async_sessionmaker[AsyncSession], text: str) -> bank_files.BankImport:
    async with sessions() as session:
        outcome = await bank_files.import_bank(session, ADMIN_ID, text.encode("utf-8"))
        await session.commit()
        return outcome


async def _rows(sessions: async_sessionmaker[AsyncSession]) -> dict[str, tuple[Any, ...]]:
    async with sessions() as session:
        return {
            row.id: (row.checksum, row.is_active, row.disabled_at, row.question, row.level)
            for row in (await session.scalars(select(Question))).all()
        }


async def _audit(sessions: async_sessionmaker[AsyncSession]) -> list[AuditEntry]:
    async with sessions() as session:
        return list((await session.scalars(select(AuditEntry).order_by(AuditEntry.id))).all())


def _documents(text: str) -> list[dict[str, Any]]:
    return list(yaml.safe_load_all(text))


def _dump(documents: list[dict[str, Any]]) -> str:
    """As an editor might save them: one text per line, lists not indented."""
    return yaml.safe_dump_all(
        documents, allow_unicode=True, sort_keys=False, width=10**6, explicit_start=True
    )


def _task(document: dict[str, Any], task_id: str) -> dict[str, Any]:
    return next(task for task in document["tasks"] if task["id"] == task_id)


# ---------------------------------------------------------------------------------------------
# Export


async def test_the_export_reads_back_as_the_shipped_bank_and_imports_as_no_change(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    text = await _export(sessions, header_comment="Exported\nfor a test")
    assert text.startswith("# Exported\n# for a test\n---\n")
    uploaded, problems = bank_files.read_upload(text.encode("utf-8"))
    assert problems == []
    exported, problems = bank_files.check_upload(uploaded, [])
    assert problems == []
    shipped = load_default_bank()
    assert {task.id: task_row_values(task) for task in exported.tasks} == {
        task.id: task_row_values(task) for task in shipped.tasks
    }
    assert {item.id: specialization_row_values(item) for item in exported.specializations} == {
        item.id: specialization_row_values(item) for item in shipped.specializations
    }
    # Each document is one bank file's mapping, in the catalogue's order.
    assert [document["specialization"] for document in _documents(text)] == [
        item.id for item in sorted(shipped.specializations, key=lambda item: item.position)
    ]

    before = await _rows(sessions)
    outcome = await _import(sessions, text)
    assert outcome.problems == () and outcome.report is not None
    assert not outcome.report.changed_anything and outcome.report.unchanged == len(shipped.tasks)
    assert await _rows(sessions) == before


async def test_the_export_holds_disabled_questions_marked_and_retired_ones_not(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        await bank_files.set_question_disabled(session, ADMIN_ID, DISABLED_ID, disabled=True)
        retired = await session.get(Question, "backend-apis-junior-3")
        assert retired is not None
        retired.is_active = False
        await session.commit()
    text = await _export(sessions, disabled_comment="disabled here")
    ids = [task["id"] for document in _documents(text) for task in document["tasks"]]
    assert DISABLED_ID in ids and "backend-apis-junior-3" not in ids
    assert f"  # disabled here\n  - id: {DISABLED_ID}\n" in text
    assert text.count("# disabled here") == 1


# ---------------------------------------------------------------------------------------------
# Import: every problem named by line (and the task's id), nothing written


async def _problems(sessions: async_sessionmaker[AsyncSession], text: str) -> list[str]:
    before = await _rows(sessions)
    outcome = await _import(sessions, text)
    assert not outcome.applied
    assert await _rows(sessions) == before  # nothing changed
    assert await _audit(sessions) == []
    return list(outcome.problems)


async def test_a_file_that_is_not_yaml_is_named_by_line(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    text = "specialization: backend\ntitle: {en: Backend, ru: Бэкенд\ntasks: []\n"
    problems = await _problems(sessions, text)
    assert len(problems) == 1
    assert problems[0].startswith("line 3, column 6: not valid YAML")
    assert await _problems(sessions, "") == ["the file holds no bank document"]
    not_utf8 = b"specialization: backend\n\xff\n"
    async with sessions() as session:
        outcome = await bank_files.import_bank(session, ADMIN_ID, not_utf8)
    assert outcome.problems[0].startswith("line 2: not UTF-8")


async def test_every_problem_of_a_file_is_listed_at_once_by_line_and_id(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    documents = _documents(await _export(sessions))
    backend, frontend = documents[0], documents[1]
    tasks = backend["tasks"]
    # A duplicate id (the second backend task takes the first one's id).
    duplicate_of = tasks[0]["id"]
    tasks[1]["id"] = duplicate_of
    # A missing translation, an unknown key, a wrong shape, an unknown level.
    untranslated = tasks[2]
    untranslated["reference_answer"]["ru"] = ""
    tasks[3]["colour"] = "red"
    tasks[4]["key_points"] = "three points"
    tasks[5]["level"] = "principal"
    # A near-duplicate question in another specialization of the same file.
    frontend["tasks"][0]["question"] = copy.deepcopy(tasks[6]["question"])
    text = _dump(documents)
    problems = await _problems(sessions, text)

    def line(task_id: str, occurrence: int = 1) -> int:
        return task_line(text, task_id, occurrence)

    expected = [
        f"line {line(tasks[3]['id'])}: task {tasks[3]['id']}: unknown key(s) colour",
        f"line {line(tasks[4]['id'])}: task {tasks[4]['id']}: `key_points` must be a list",
        f"duplicate task id '{duplicate_of}' (2 times, in line {line(duplicate_of)}, "
        f"line {line(duplicate_of, 2)})",
        f"line {line(untranslated['id'])}: task {untranslated['id']}: reference answer: "
        "missing 'ru' translation",
        f"line {line(tasks[5]['id'])}: task {tasks[5]['id']}: unknown level 'principal' "
        "(expected one of junior, middle, senior)",
    ]
    for problem in expected:
        assert problem in problems, problems
    near = [problem for problem in problems if problem.startswith("near-duplicate questions")]
    assert len(near) == 2  # in English and in Russian
    assert f"{tasks[6]['id']} (line {line(tasks[6]['id'])})" in near[0]
    assert f"{frontend['tasks'][0]['id']} (line {line(frontend['tasks'][0]['id'])})" in near[0]


async def test_shape_problems_of_documents_and_repeated_keys(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    documents = _documents(await _export(sessions))
    text = _dump(documents[:1])
    # A key given twice (YAML would silently keep the last) and a task that is not a mapping.
    first = task_line(text, documents[0]["tasks"][0]["id"])
    lines = text.splitlines()
    lines.insert(first, "  level: senior")  # right after "- id: ...", a second `level`
    lines.append("- just a sentence")
    text = "\n".join(lines) + "\n---\n- a list, not a bank file\n"
    problems = await _problems(sessions, text)
    # The second `level` (the file's own, now a line lower) is the one named.
    assert f"line {first + 2}: key 'level' is given twice in the same mapping" in problems
    number = len(documents[0]["tasks"]) + 1
    assert f"line {len(lines)}: task #{number} is not a mapping" in problems
    assert f"document 2 (line {len(lines) + 2}): expected a mapping at the top level" in problems


async def test_an_import_is_checked_together_with_the_specializations_it_leaves_alone(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Removing questions is checked on the bank as it would be: a cell must keep two."""
    backend = _documents(await _export(sessions))[0]
    cell = [task for task in backend["tasks"] if task["topic"] == "databases"]
    cell = [task for task in cell if task["level"] == "junior"]
    backend["tasks"] = [task for task in backend["tasks"] if task not in cell[1:]]
    problems = await _problems(sessions, _dump([backend]))
    assert problems == [
        "document 1 (line 2): cell (backend, junior, databases) has 1 task(s), needs at least 2"
    ]


# ---------------------------------------------------------------------------------------------
# Import: applied only when sound


async def test_a_sound_file_replaces_its_specializations_only_in_one_go(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    backend = _documents(await _export(sessions))[0]
    edited = _task(backend, "backend-apis-junior-1")
    edited["question"]["en"] = "How would you version a public HTTP API, and why that way?"
    # One question leaves the file (its cell keeps two); a new one comes in.
    backend["tasks"].remove(_task(backend, "backend-apis-junior-3"))
    added = copy.deepcopy(_task(backend, "backend-apis-junior-2"))
    added["id"] = "backend-apis-junior-9"
    added["question"] = {
        "en": "What does a 429 status code tell the client, and what should it do next?",
        "ru": "Что сообщает клиенту код ответа 429 и что ему делать дальше?",
    }
    backend["tasks"].append(added)
    before = await _rows(sessions)

    outcome = await _import(sessions, _dump([backend]))
    assert outcome.problems == () and outcome.report is not None
    assert outcome.specializations == ("backend",)
    report = outcome.report
    assert (report.created, report.updated, report.deactivated) == (1, 1, 1)
    assert (outcome.questions_before, outcome.questions_after) == (36, 36)

    after = await _rows(sessions)
    assert after["backend-apis-junior-1"][3]["en"] == edited["question"]["en"]
    assert after["backend-apis-junior-1"][0] != before["backend-apis-junior-1"][0]  # checksum
    assert after["backend-apis-junior-3"][1] is False  # retired, not deleted
    assert after["backend-apis-junior-9"][1] is True
    unchanged = set(before) - {"backend-apis-junior-1", "backend-apis-junior-3"}
    assert all(after[question_id] == before[question_id] for question_id in unchanged)

    (entry,) = await _audit(sessions)
    assert (entry.admin_id, entry.action, entry.target) == (ADMIN_ID, "bank_import", "backend")
    assert entry.before == {"questions": 36, "disabled": 0}
    assert entry.after == {
        "questions": 36,
        "disabled": 0,
        "created": 1,
        "updated": 1,
        "retired": 1,
    }


# ---------------------------------------------------------------------------------------------
# Coverage and questions out of rotation


async def test_coverage_counts_questions_in_rotation_and_names_the_gaps(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        coverage = await bank_files.bank_coverage(session)
        assert (coverage.in_rotation, coverage.disabled, coverage.retired) == (288, 0, 0)
        assert coverage.gaps == []
        assert coverage.specializations[0].id == "backend"
        assert coverage.specializations[0].in_rotation_by_level == {
            "junior": 12,
            "middle": 12,
            "senior": 12,
        }
        for question_id in ("backend-databases-junior-1", "backend-databases-junior-2"):
            await bank_files.set_question_disabled(session, ADMIN_ID, question_id, disabled=True)
        retired = (
            await session.scalars(
                select(Question).where(Question.specialization == "qa").order_by(Question.id)
            )
        ).first()
        assert retired is not None
        retired.is_active = False
        await session.commit()
        coverage = await bank_files.bank_coverage(session)
    assert (coverage.in_rotation, coverage.disabled, coverage.retired) == (285, 2, 1)
    gaps = [
        (cell.specialization, cell.level, cell.topic, cell.in_rotation) for cell in coverage.gaps
    ]
    assert gaps == [("backend", "junior", "databases", 1)]  # the retired one's cell keeps 2


async def test_a_disabled_question_is_never_picked_and_comes_back_when_enabled(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        session.add(Bookmark(user_id=USER_ID, question_id=DISABLED_ID))
        result = await bank_files.set_question_disabled(
            session, ADMIN_ID, DISABLED_ID, disabled=True
        )
        await session.commit()
    assert result.change is RotationChange.CHANGED
    assert result.cell is not None and result.cell.in_rotation == 2

    async def reachable() -> set[str]:
        """Every way an interview, a drill or the bookmarks list can reach the question."""
        found: set[str] = set()
        async with sessions() as session:
            disabled = await session.get(Question, DISABLED_ID)
            assert disabled is not None
            for seed in range(30):
                picked = await pick_questions(
                    session, user_id=USER_ID, specialization="backend", level="junior",
                    topic="databases", count=3, include_premium=True, rng=random.Random(seed),
                )  # fmt: skip
                found |= {question.id for question in picked}
                practice = await pick_practice_question(
                    session, user_id=USER_ID, skill=disabled.skills[0], specialization="backend",
                    include_premium=True, rng=random.Random(seed),
                )  # fmt: skip
                if practice is not None:
                    found.add(practice.id)
            planned = await questions_for_skills(
                session, skills=list(disabled.skills), count=1000, language="en",
                include_premium=True,
            )  # fmt: skip
            found |= {question.question_id for question in planned if question.question_id}
            found |= {question.id for question in await bookmarked_questions(session, USER_ID)}
        return found

    assert DISABLED_ID not in await reachable()

    async with sessions() as session:
        again = await bank_files.set_question_disabled(
            session, ADMIN_ID, DISABLED_ID, disabled=True
        )
        unknown = await bank_files.set_question_disabled(
            session, ADMIN_ID, "backend-nothing-junior-1", disabled=True
        )
        enabled = await bank_files.set_question_disabled(
            session, ADMIN_ID, DISABLED_ID, disabled=False
        )
        await session.commit()
    assert again.change is RotationChange.ALREADY
    assert unknown.change is RotationChange.UNKNOWN
    assert enabled.change is RotationChange.CHANGED and enabled.cell is not None
    assert enabled.cell.in_rotation == 3
    assert DISABLED_ID in await reachable()
    assert [
        (entry.action, entry.target, entry.before, entry.after) for entry in await _audit(sessions)
    ] == [
        ("question_disable", DISABLED_ID, {"disabled": False}, {"disabled": True}),
        ("question_enable", DISABLED_ID, {"disabled": True}, {"disabled": False}),
    ]


async def test_seeding_and_imports_leave_a_disabled_question_disabled(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        await bank_files.set_question_disabled(session, ADMIN_ID, DISABLED_ID, disabled=True)
        await session.commit()
    backend = _documents(await _export(sessions))[0]
    _task(backend, DISABLED_ID)["question"]["en"] = (
        "Explain how a B-tree index speeds up a lookup by email in a table of users."
    )
    outcome = await _import(sessions, _dump([backend]))
    assert outcome.applied and outcome.report is not None and outcome.report.updated == 1
    async with sessions() as session:
        await seed_bank(session, load_default_bank())  # `python -m bot seed` puts the text back
        await session.commit()
    async with sessions() as session:
        question = await session.get(Question, DISABLED_ID)
        assert question is not None
        assert question.is_active and question.disabled_at is not None
        assert question.disabled_by == ADMIN_ID
        assert question.question["en"].startswith("What is a database index")
