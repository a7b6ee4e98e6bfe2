"""/cancel during an interview: no silent charges.

Before any answer the interview does not count and what paid for it comes back (a credit
through the ledger, with its reason); from the first answer on, /cancel asks first and says the
interview counts.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import select

from services.models import CreditAccount, CreditEntry, InterviewSession
from tests.e2e.harness import HarnessFactory, new_user
from tests.e2e.interview_driver import (
    InterviewUser,
    current_turn_message,
    grant,
    interview_rows,
    rows,
)

pytestmark = pytest.mark.usefixtures("seeded_bank")


async def _settled_interview(database_url: str, user_id: int, status: str) -> InterviewSession:
    """The user's latest interview once it has `status` (the bot commits after replying)."""
    deadline = time.monotonic() + 5
    while True:
        interview = (await interview_rows(database_url, user_id))[-1]
        if interview.status == status or time.monotonic() > deadline:
            return interview
        await asyncio.sleep(0.05)


async def _ledger(database_url: str, user_id: int) -> list[tuple[int, str, int]]:
    entries = await rows(
        database_url,
        select(CreditEntry).where(CreditEntry.user_id == user_id).order_by(CreditEntry.id),
    )
    return [(entry.delta, entry.reason, entry.balance_after) for entry in entries]


async def test_cancel_before_any_answer_gives_the_credit_back_through_the_ledger(
    harness_factory: HarnessFactory, seeded_bank: str
) -> None:
    harness = await harness_factory.start(free_interviews=0)
    person = InterviewUser(harness, new_user("en"))
    await grant(seeded_bank, person.chat_id, 5)
    question = await person.start_track("QA", "Middle", "Random mix", 3)
    # A skipped question is no answer either.
    await person.press_and_wait_screen(question, "Skip", "Question 2/3")

    await person.send("/cancel")
    reply = await person.wait_bot_text("does not count")
    assert "Your interview credit is back: 5 on your balance" in reply["text"]
    assert "Mock interview" in str(reply["reply_markup"])  # back at the main menu

    interview = await _settled_interview(seeded_bank, person.chat_id, "abandoned")
    assert interview.status == "abandoned" and interview.paid_with == "returned"
    assert await _ledger(seeded_bank, person.chat_id) == [
        (5, "grant:test", 5),
        (-1, f"interview:{interview.id}", 4),
        (1, f"interview-not-answered:{interview.id}", 5),
    ]
    # The interview is over: /cancel again has nothing to cancel.
    await person.send("/cancel")
    await person.wait_bot_text("nothing to cancel")


async def test_cancel_before_any_answer_gives_the_free_interview_back(
    harness_factory: HarnessFactory, seeded_bank: str
) -> None:
    harness = await harness_factory.start(free_interviews=1)
    person = InterviewUser(harness, new_user("en"))
    await person.start_track("QA", "Middle", "Random mix", 3)
    await person.send("/cancel")
    reply = await person.wait_bot_text("does not count")
    assert "Your free interview is back" in reply["text"]
    await _settled_interview(seeded_bank, person.chat_id, "abandoned")
    [account] = await rows(
        seeded_bank, select(CreditAccount).where(CreditAccount.user_id == person.chat_id)
    )
    assert account.free_interviews_used == 0
    # The free interview is there to use again.
    await person.start_track("QA", "Middle", "Random mix", 3)
    assert [i.paid_with for i in await interview_rows(seeded_bank, person.chat_id)] == [
        "returned",
        "free",
    ]


async def test_cancel_after_the_first_answer_asks_first_and_the_interview_counts(
    harness_factory: HarnessFactory, seeded_bank: str
) -> None:
    harness = await harness_factory.start(free_interviews=0)
    person = InterviewUser(harness, new_user("en"))
    await grant(seeded_bank, person.chat_id, 2)
    await person.start_track("QA", "Middle", "Random mix", 3)
    await person.answer("We test the happy path first, then edge cases and the boundaries.")
    # /start leaves the answering state (it offers to continue): /cancel still means the
    # interview, and "No, continue" goes back to answering.
    sent = await person.send("/start")
    await person.wait_bot_text("unfinished interview", after=sent)

    await person.send("/cancel")
    confirm = await person.wait_bot_text("this interview counts")
    assert "answered 1 of 3 questions" in confirm["text"]
    resumed = await person.press_and_wait_screen(confirm, "No, continue", "answer the question")
    assert resumed["message_id"] == confirm["message_id"]
    # Answering again: the next answer is taken (scored, not "unknown text").
    await person.answer("I would check the logs, reproduce it, and write a regression test.")

    sent = await person.send("/cancel")
    confirm = await person.wait_bot_text("this interview counts", after=sent)
    await person.press(confirm, "Yes, end it")
    await person.wait_bot_text("Interview ended")
    interview = await _settled_interview(seeded_bank, person.chat_id, "finished")
    assert interview.status == "finished" and interview.paid_with == "credit"
    assert [delta for delta, _, _ in await _ledger(seeded_bank, person.chat_id)] == [2, -1]


async def test_cancel_in_another_flow_cancels_that_flow_not_the_interview(
    harness_factory: HarnessFactory, seeded_bank: str
) -> None:
    harness = await harness_factory.start()
    person = InterviewUser(harness, new_user("en"))
    question = await person.start_track("QA", "Middle", "Random mix", 3)
    await person.answer("We test the happy path first, then edge cases and the boundaries.")
    # Setting up another interview is a flow of its own: /cancel leaves it, nothing else.
    home = await person.open_interview_home()
    await person.press_and_wait_screen(home, "Choose a track", "Which role")
    await person.send("/cancel")
    await person.wait_bot_text("Cancelled")
    interview = (await interview_rows(seeded_bank, person.chat_id))[-1]
    assert interview.status == "active"
    assert current_turn_message(await person.chat()) is not None
    assert question is not None


async def test_dropping_an_unanswered_interview_from_the_resume_offer_says_what_came_back(
    harness_factory: HarnessFactory, seeded_bank: str
) -> None:
    harness = await harness_factory.start(free_interviews=0)
    person = InterviewUser(harness, new_user("en"))
    await grant(seeded_bank, person.chat_id, 1)
    await person.start_track("QA", "Middle", "Random mix", 3)
    sent = await person.send("/start")
    offer = await person.wait_bot_text("unfinished interview", after=sent)
    dropped = await person.press_and_wait_screen(offer, "Drop", "dropped")
    assert "Your interview credit is back: 1 on your balance" in dropped["text"]
