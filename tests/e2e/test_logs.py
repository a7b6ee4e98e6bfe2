"""The process's logs as a log shipper and an operator read them: one JSON object per line (or
readable text) carrying the update, the user and the handler, and never a secret."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message

from bot.config import LogFormat
from bot.logs import log_handler
from tests.e2e.harness import HarnessFactory, new_user

TEST_LOGGER = "tests.e2e.logs"
HANDLER_PREFIX = f"{__name__}."


@dataclass
class CapturedLogs:
    json_lines: io.StringIO
    text_lines: io.StringIO

    def records(self) -> list[dict[str, Any]]:
        """Every JSON line, parsed (a line that is not one JSON object fails the test)."""
        lines = self.json_lines.getvalue().splitlines()
        records = [json.loads(line) for line in lines]
        assert all(isinstance(record, dict) for record in records)
        return records

    def text(self) -> str:
        return self.text_lines.getvalue()


@contextmanager
def captured_logs(secrets: list[str] | None = None) -> Iterator[CapturedLogs]:
    """Everything logged at DEBUG and above, in both formats, through the process's handler
    (as `configure_logging` installs it); pytest's own handlers and levels are left as found."""
    captured = CapturedLogs(io.StringIO(), io.StringIO())
    handlers = [
        log_handler(LogFormat.JSON, secrets or [], stream=captured.json_lines),
        log_handler(LogFormat.TEXT, secrets or [], stream=captured.text_lines),
    ]
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.DEBUG)
    for handler in handlers:
        root.addHandler(handler)
    try:
        yield captured
    finally:
        for handler in handlers:
            root.removeHandler(handler)
        root.setLevel(level)


def logging_router() -> Router:
    """/logline logs a line and answers; /boom logs a line and fails (the error path logs)."""
    router = Router(name="logs-test")

    @router.message(Command("logline"))
    async def log_a_line(message: Message) -> None:
        logging.getLogger(TEST_LOGGER).info("handling %s", message.text)
        await message.answer("logged")

    @router.message(Command("boom"))
    async def fail_on_purpose(message: Message) -> None:
        logging.getLogger(TEST_LOGGER).warning("about to fail")
        raise RuntimeError("the test handler failed on purpose")

    return router


async def test_json_logs_carry_the_update_the_user_and_the_handler(
    harness_factory: HarnessFactory,
) -> None:
    harness = await harness_factory.start(extra_routers=[logging_router()])
    user = new_user()
    with captured_logs() as logs:
        sent = await harness.client.send_text(user["id"], user, "/logline")
        await harness.client.wait_for_bot_messages(
            user["id"], after=sent["message"]["message_id"], count=1
        )
        failed = await harness.client.send_text(user["id"], user, "/boom")
        [apology] = await harness.client.wait_for_bot_messages(
            user["id"], after=failed["message"]["message_id"], count=1
        )

    assert "Something went wrong" in apology["text"]
    records = logs.records()
    assert len(records) > 2
    for record in records:
        assert {"time", "level", "logger", "message"} <= record.keys()

    [line] = [r for r in records if r["message"] == "handling /logline"]
    assert line["level"] == "INFO" and line["logger"] == TEST_LOGGER
    assert line["update_id"] == sent["update_id"] and line["user_id"] == user["id"]
    assert line["handler"] == HANDLER_PREFIX + "logging_router.<locals>.log_a_line"

    [warning] = [r for r in records if r["message"] == "about to fail"]
    assert warning["update_id"] == failed["update_id"] and warning["user_id"] == user["id"]
    assert warning["handler"] == HANDLER_PREFIX + "logging_router.<locals>.fail_on_purpose"

    [error] = [r for r in records if r.get("exception") and "failed on purpose" in r["exception"]]
    assert error["level"] == "ERROR"
    assert "Traceback" in error["exception"] and "RuntimeError" in error["exception"]
    assert error["update_id"] == failed["update_id"] and error["user_id"] == user["id"]
    assert error["handler"] == warning["handler"]

    # Outside an update (the polling loop, the scheduler) there are no update fields.
    assert any("update_id" not in record for record in records)

    # The text format: the same context as a suffix.
    [text_line] = [line for line in logs.text().splitlines() if "handling /logline" in line]
    assert text_line.endswith(f" [update {sent['update_id']} user {user['id']} {line['handler']}]")
    assert f" INFO {TEST_LOGGER}: handling /logline" in text_line
