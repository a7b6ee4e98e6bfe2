"""A user taking mock interviews through the emulator: presses buttons by their labels, answers,
and reads the chat; plus read-only peeks at the database to know the right answers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Select, select

from services.database import create_engine, create_session_factory
from services.entitlements import grant_credits
from services.models import InterviewAnswer, InterviewSession
from tests.e2e.harness import BotHarness, button_data

Messages = list[dict[str, Any]]


def labels(message: dict[str, Any]) -> list[str]:
    return [
        button["text"]
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
        for button in row
    ]


def has_button(message: dict[str, Any], label: str) -> bool:
    return any(label in text for text in labels(message))


class InterviewUser:
    def __init__(self, harness: BotHarness, user: dict[str, Any]) -> None:
        self.harness = harness
        self.user = user
        self.chat_id = user["id"]

    @property
    def client(self):  # type: ignore[no-untyped-def]
        return self.harness.client

    async def chat(self) -> Messages:
        return await self.client.messages(self.chat_id)

    async def until(
        self, predicate: Callable[[Messages], Any], timeout: float = 20.0, what: str = ""
    ) -> Messages:
        """Polls the chat until `predicate(messages)` is truthy."""
        deadline = time.monotonic() + timeout
        while True:
            messages = await self.chat()
            if predicate(messages):
                return messages
            if time.monotonic() > deadline:
                transcript = await self.client.transcript(self.chat_id)
                raise AssertionError(f"timed out waiting for {what or predicate}:\n{transcript}")
            await asyncio.sleep(0.05)

    async def last_bot_message(self) -> dict[str, Any]:
        return [m for m in await self.chat() if m["from_bot"]][-1]

    async def send(self, text: str) -> int:
        sent = await self.client.send_text(self.chat_id, self.user, text)
        return sent["message"]["message_id"]

    async def press(self, message: dict[str, Any], label: str) -> str:
        """Presses the button labelled `label` under `message`; returns the callback query id."""
        pressed = await self.harness.press(self.user, message, button_data(message, label))
        return pressed["callback_query_id"]

    async def press_and_wait_screen(
        self, message: dict[str, Any], label: str, expect: str
    ) -> dict[str, Any]:
        """Presses a button and waits until a bot message (edited or new) contains `expect`."""
        after = max(m["message_id"] for m in await self.chat())
        await self.press(message, label)

        def screen(messages: Messages) -> dict[str, Any] | None:
            for candidate in reversed(messages):
                if not candidate["from_bot"] or expect not in (candidate["text"] or ""):
                    continue
                if (
                    candidate["message_id"] > after
                    or candidate["message_id"] == message["message_id"]
                ):
                    return candidate
            return None

        messages = await self.until(screen, what=f"a screen containing {expect!r}")
        result = screen(messages)
        assert result is not None
        return result

    async def open_interview_home(self) -> dict[str, Any]:
        await self.send("/interview")
        return await self.wait_bot_text("Mock interviews")

    async def wait_bot_text(self, expect: str, after: int = 0) -> dict[str, Any]:
        def found(messages: Messages) -> dict[str, Any] | None:
            for message in reversed(messages):
                if (
                    message["from_bot"]
                    and message["message_id"] > after
                    and expect in (message["text"] or message["caption"] or "")
                ):
                    return message
            return None

        messages = await self.until(found, what=f"a bot message containing {expect!r}")
        message = found(messages)
        assert message is not None
        return message

    async def start_track(
        self, specialization: str, level: str, topic: str, length: int
    ) -> dict[str, Any]:
        """From /interview through the four choices; returns the first question's message."""
        home = await self.open_interview_home()
        screen = await self.press_and_wait_screen(home, "Choose a track", "Which role")
        screen = await self.press_and_wait_screen(screen, specialization, "which level")
        screen = await self.press_and_wait_screen(screen, level, "which topic")
        screen = await self.press_and_wait_screen(screen, topic, "How many questions")
        return await self.press_and_wait_screen(screen, f"{length} questions", "Question 1/")

    async def answer(self, text: str) -> Messages:
        """Answers the current turn; returns the bot messages up to the next turn or the end."""
        sent = await self.send(text)

        def done(messages: Messages) -> bool:
            newer = [m for m in messages if m["from_bot"] and m["message_id"] > sent]
            return any(
                has_button(m, "Skip") or has_button(m, "Пропустить") or is_report_summary(m)
                for m in newer
            )

        messages = await self.until(done, timeout=30, what="the next question or the report")
        return [m for m in messages if m["from_bot"] and m["message_id"] > sent]


# The status message's steps while a recording is worked on (not the bot's final word on it).
STATUS_MARKERS = ("Downloading…", "(1/3)", "(2/3)", "(3/3)", "Загружаю…")


class Speaker(InterviewUser):
    async def speak(
        self,
        data: bytes,
        kind: str = "voice",
        filename: str = "voice.ogg",
        mime_type: str = "audio/ogg",
        timeout: float = 60.0,
    ) -> dict[str, Any]:
        """Sends a recording; returns the bot's final word on it (transcript or a refusal)."""
        sent = await self.client.send_file(self.chat_id, self.user, kind, data, filename, mime_type)
        sent_id = sent["message"]["message_id"]

        def settled(messages: Messages) -> dict[str, Any] | None:
            for message in messages:
                text = message["text"] or ""
                if (
                    message["from_bot"]
                    and message["message_id"] > sent_id
                    and text
                    and not any(marker in text for marker in STATUS_MARKERS)
                ):
                    return message
            return None

        messages = await self.until(settled, timeout=timeout, what="the bot's answer to a voice")
        message = settled(messages)
        assert message is not None
        return message

    async def use(self, transcript: dict[str, Any], label: str = "Use it") -> Messages:
        """Confirms the transcript; returns the bot messages up to the next turn or the end."""
        before = max(m["message_id"] for m in await self.chat())
        await self.press(transcript, label)

        def done(messages: Messages) -> bool:
            newer = [m for m in messages if m["from_bot"] and m["message_id"] > before]
            return any(
                has_button(m, "Skip") or has_button(m, "Пропустить") or is_report_summary(m)
                for m in newer
            )

        messages = await self.until(done, timeout=30, what="the next question or the report")
        return [m for m in messages if m["from_bot"] and m["message_id"] > before]


def is_report_summary(message: dict[str, Any]) -> bool:
    """The last message of an interview: the report's summary, or a practice's result."""
    text = message["text"] or ""
    return (
        has_button(message, "Share a summary")
        or has_button(message, "Поделиться итогами")
        or "Practice done" in text
        or "Тренировка завершена" in text
    )


def current_turn_message(messages: Messages) -> dict[str, Any]:
    return [m for m in messages if has_button(m, "Skip") or has_button(m, "Пропустить")][-1]


async def rows(database_url: str, query: Select) -> list[Any]:
    """Rows of `query`, read with a short-lived engine (tests peek at the database)."""
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            return list((await session.scalars(query)).all())
    finally:
        await engine.dispose()


async def interview_rows(database_url: str, user_id: int) -> list[InterviewSession]:
    return await rows(
        database_url,
        select(InterviewSession)
        .where(InterviewSession.user_id == user_id)
        .order_by(InterviewSession.id),
    )


async def answer_rows(database_url: str, interview_id: int) -> list[InterviewAnswer]:
    return await rows(
        database_url,
        select(InterviewAnswer)
        .where(InterviewAnswer.session_id == interview_id)
        .order_by(InterviewAnswer.id),
    )


async def committed_answer_rows(
    database_url: str, interview_id: int, count: int = 1, timeout: float = 5.0
) -> list[InterviewAnswer]:
    """The interview's answers once at least `count` are committed: the bot replies from inside
    the handler and commits when it returns, so right after a reply they may not be visible."""
    deadline = time.monotonic() + timeout
    while True:
        found = await answer_rows(database_url, interview_id)
        if len(found) >= count or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.05)


async def reference_answer(database_url: str, user_id: int) -> str:
    """The reference answer of the question the user is being asked now."""
    interview = (await interview_rows(database_url, user_id))[-1]
    return interview.plan[interview.position]["reference_answer"]


async def grant(database_url: str, user_id: int, credits: int) -> int:
    """Grants interview credits as an admin would (reason "grant:test"); the new balance."""
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            balance = await grant_credits(session, user_id, credits, "grant:test")
            await session.commit()
            return balance
    finally:
        await engine.dispose()
