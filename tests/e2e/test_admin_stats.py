"""/stats end to end, on a database of its own so every figure is known: users start the bot,
one pays for a Stars pack and starts an interview, another takes a whole interview (one
question skipped); then the owner's /stats shows exactly those numbers and a 30-day chart
arrives as a PNG photo. Nobody else gets anything from /stats, in the group or in private."""

from __future__ import annotations

import asyncio
import itertools
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import select

from bot.migrate import upgrade
from services.interview.bank import load_default_bank
from services.interview.seeding import seed_database
from services.models import InterviewAnswer, InterviewSession
from services.payments.seeding import seed_products_database
from tests.conftest import Backend
from tests.e2e.admin_chat import AdminChat, bot_with_admin_group
from tests.e2e.harness import HarnessFactory, new_user
from tests.e2e.interview_driver import InterviewUser, current_turn_message, is_report_summary, rows
from tests.e2e.test_payments import Buyer

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_databases = itertools.count(1)


@pytest.fixture
def stats_database_url(backend: Backend, tmp_path: Path) -> str:
    """A new database with the bank and the catalogue seeded, and nobody in it yet."""
    if backend.postgres is not None:
        url = backend.postgres.create_database(f"admin_stats_{next(_databases)}")
    elif backend.name == "embedded":
        url = f"sqlite+aiosqlite:///{tmp_path / 'stats.sqlite3'}"
    else:
        pytest.skip("needs the throwaway PostgreSQL server or the embedded backend")
    upgrade(url)
    asyncio.run(seed_database(url, load_default_bank()))
    asyncio.run(seed_products_database(url))
    return url


@pytest_asyncio.fixture
async def stats_factory(stats_database_url: str, backend: Backend) -> AsyncIterator[HarnessFactory]:
    factory = HarnessFactory(database_url=stats_database_url, redis_url=backend.redis_url)
    yield factory
    await factory.close_all()


async def _take_interview(person: InterviewUser) -> None:
    """Three questions: the first answered, the second skipped, the third answered (and any
    follow-up answered too), to the report."""
    question = await person.start_track("Backend", "Junior", "Databases", 3)
    replies = await person.answer("An index is a B-tree over the column; EXPLAIN shows its use.")
    if not any("Question 2/3" in (m["text"] or "") for m in replies):
        replies = await person.answer("I would check it with EXPLAIN ANALYZE on real data.")
    turn = current_turn_message(await person.chat())
    assert turn["message_id"] != question["message_id"]
    await person.press_and_wait_screen(turn, "Skip", "Question 3/3")
    replies = await person.answer("A transaction is atomic: all of it commits or none of it.")
    if not any(is_report_summary(m) for m in replies):
        await person.answer("Isolation levels decide what concurrent transactions see.")
    await person.until(lambda messages: any(is_report_summary(m) for m in messages), what="report")


def _line(text: str, start: str) -> str:
    found = [line for line in text.splitlines() if line.startswith(start)]
    assert found, f"no line starting with {start!r} in:\n{text}"
    return found[0]


async def _stats(admin_chat: AdminChat) -> tuple[str, dict[str, Any]]:
    sent = await admin_chat.say("/stats")
    answer = await admin_chat.wait_text("Stats", after=sent)
    deadline = asyncio.get_running_loop().time() + 15
    while True:
        photos = [
            message
            for message in await admin_chat.bot_messages_after(answer["message_id"])
            if (message.get("media") or {}).get("kind") == "photo"
        ]
        if photos:
            return answer["text"], photos[0]
        assert asyncio.get_running_loop().time() < deadline, "no chart arrived"
        await asyncio.sleep(0.05)


async def test_stats_shows_what_users_did_and_a_chart(
    stats_factory: HarnessFactory, stats_database_url: str
) -> None:
    harness, admin_chat = await bot_with_admin_group(stats_factory)
    idle = InterviewUser(harness, new_user("en", "Idle"))
    await idle.send("/start")
    await idle.wait_bot_text("")

    buyer = Buyer(harness, new_user("en", "Buyer"))
    invoice = await buyer.invoice("5 mock interviews", "Telegram Stars")
    assert (await buyer.pay(invoice))["status"] == "paid"
    await buyer.wait_bot_text("Payment received")
    await buyer.start_track("Backend", "Junior", "Databases", 3)  # started, left unfinished

    candidate = InterviewUser(harness, new_user("en", "Candidate"))
    await _take_interview(candidate)
    await asyncio.sleep(0.5)  # the last answer's transaction commits just after the report

    [finished] = await rows(
        stats_database_url,
        select(InterviewSession).where(InterviewSession.user_id == candidate.chat_id),
    )
    answers = await rows(stats_database_url, select(InterviewAnswer))
    answered = [answer for answer in answers if answer.source != "skipped"]
    assert finished.status == "finished" and finished.overall_score is not None
    assert len(answers) - len(answered) == 1  # the skipped question

    text, photo = await _stats(admin_chat)
    # The owner, the idle user, the buyer and the candidate: all new and active today.
    assert _line(text, "In all:") == "In all: 4"
    assert _line(text, "New:") == "New: 4 in 24 h · 4 in 7 days · 4 in 30 days"
    assert _line(text, "Active (seen):") == "Active (seen): 4 in 24 h · 4 in 7 days · 4 in 30 days"
    assert _line(text, "Started:") == "Started: 2 / 2"
    assert _line(text, "Completed:") == "Completed: 1 (50%) / 1 (50%)"
    score = f"{finished.overall_score:.1f}"
    assert _line(text, "Average score") == f"Average score of the completed: {score} / {score}"
    assert _line(text, "Answered by voice") == (
        f"Answered by voice, last 30 days: 0% (0 of {len(answered)} answers, practice included;"
        " skipped questions not counted)"
    )
    assert _line(text, "Practice drills") == "Practice drills (apart from the above): 0 / 0"
    assert _line(text, "5 mock interviews:") == "5 mock interviews: 200 ⭐ (1) / 200 ⭐ (1)"
    assert _line(text, "Refunded") == "Refunded: nothing."
    # The buyer and the candidate started interviews; the buyer paid.
    assert _line(text, "Free → paid").startswith("Free → paid, all time: 50% — 1 of the 2 users")
    assert _line(text, "Buyer chats:") == "Buyer chats: 0 in all · 0 new in 30 days · 0 open"
    assert _line(text, "Answered in time").startswith("Answered in time, last 30 days: —")
    assert re.search(r"Stats · \d{4}-\d\d-\d\d \d\d:\d\d UTC", text)

    chart = await admin_chat.client.download(photo["media"]["file_id"])
    assert chart.startswith(PNG_SIGNATURE) and len(chart) > 10_000


async def test_stats_in_russian_without_the_marketplace_module(
    stats_factory: HarnessFactory,
) -> None:
    _, admin_chat = await bot_with_admin_group(
        stats_factory, default_language="ru", modules="interview,payments,admin"
    )
    text, photo = await _stats_ru(admin_chat)
    assert _line(text, "Всего:") == "Всего: 1"  # the owner
    assert _line(text, "Начато:") == "Начато: 0 / 0"
    assert _line(text, "Завершено:") == "Завершено: 0 (—) / 0 (—)"
    assert "Платежей пока нет." in text and "Возвратов нет." in text
    assert "Маркетплейсы" not in text and "Чаты с покупателями" not in text
    chart = await admin_chat.client.download(photo["media"]["file_id"])
    assert chart.startswith(PNG_SIGNATURE)


async def _stats_ru(admin_chat: AdminChat) -> tuple[str, dict[str, Any]]:
    sent = await admin_chat.say("/stats")
    answer = await admin_chat.wait_text("Статистика", after=sent)
    photo_messages = await admin_chat.client.wait_for_bot_messages(
        admin_chat.chat_id, answer["message_id"]
    )
    return answer["text"], photo_messages[0]


async def test_stats_is_silent_for_anyone_but_admins(
    stats_factory: HarnessFactory,
) -> None:
    harness, admin_chat = await bot_with_admin_group(stats_factory)
    member = new_user("en", "Member")
    await admin_chat.join(member)
    sent = await admin_chat.say("/stats", member)
    stranger = InterviewUser(harness, new_user("en", "Stranger"))
    in_private = await stranger.send("/stats")
    await asyncio.sleep(0.8)
    assert await admin_chat.bot_messages_after(sent) == []
    assert [
        m for m in await stranger.chat() if m["from_bot"] and m["message_id"] > in_private
    ] == []
