"""The process's logs as a log shipper and an operator read them: one JSON object per line (or
readable text) carrying the update, the user and the handler, and never a secret."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import logging
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import aiohttp
from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from cryptography.fernet import Fernet
from redis.asyncio import Redis

from bot.config import LogFormat
from bot.logs import log_handler
from sandbox.yookassa import DEFAULT_SHOP_ID
from tests.conftest import Backend
from tests.e2e import group_screens as screens
from tests.e2e.desk import desk_settings
from tests.e2e.harness import BOT_TOKEN, BotHarness, HarnessFactory, new_user
from tests.e2e.interview_driver import Speaker
from tests.e2e.scrape import sample_value, scrape
from tests.e2e.test_payments import Buyer
from tests.fakes.groq_server import FakeGroq
from tests.fakes.openai_server import FakeOpenAI, ServerError
from tests.speech_fixtures import speech_ogg

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
    text_lines = logs.text().splitlines()
    [text_line] = [text for text in text_lines if "handling /logline" in text]
    assert text_line.endswith(f" [update {sent['update_id']} user {user['id']} {line['handler']}]")
    failure = f"[update {failed['update_id']} user {user['id']} {warning['handler']}]"
    assert any(text.startswith("Traceback") for text in text_lines)
    assert any(" ERROR " in text and text.endswith(failure) for text in text_lines)
    assert f" INFO {TEST_LOGGER}: handling /logline" in text_line


# Every secret the run uses, distinctive so that a leak cannot be missed (nor found by chance).
RUN = secrets.token_hex(4)
OZON_CLIENT_ID = str(700_000_000 + int(RUN, 16) % 100_000_000)
WB_SELLER_ID = f"logs-{RUN}"


@dataclass(frozen=True)
class RunSecrets:
    webhook_secret: str = f"whsec-{RUN}-Xq7Lm2"
    metrics_token: str = f"mtok-{RUN}-Pz4Kd8"
    openai_api_key: str = f"sk-openai-{RUN}-Rt5Wy1"
    groq_api_key: str = f"gsk-groq-{RUN}-Hn3Bv6"
    telegram_provider_token: str = f"381764678:TEST:ptok-{RUN}-Jc9Fs2"
    yookassa_secret_key: str = f"live_yk-{RUN}-Ud6Ge4"
    marketplace_credentials_key: str = Fernet.generate_key().decode()
    ozon_api_key: str = f"ozkey-{RUN}-Ma8Tq3"
    wrong_ozon_api_key: str = f"ozwrong-{RUN}-Vb2Nk7"
    wildberries_token: str = f"wbtok-{RUN}-Ls5Cx9"
    database_password: str = f"dbpass-{RUN}-Ew1Zr6"
    redis_password: str = f"rdpass-{RUN}-Oy4Hg0"

    def in_settings(self) -> dict[str, str]:
        return {
            "webhook_secret": self.webhook_secret,
            "metrics_token": self.metrics_token,
            "openai_api_key": self.openai_api_key,
            "groq_api_key": self.groq_api_key,
            "telegram_provider_token": self.telegram_provider_token,
            "yookassa_secret_key": self.yookassa_secret_key,
            "marketplace_credentials_key": self.marketplace_credentials_key,
        }

    def typed_by_sellers(self) -> dict[str, str]:
        return {
            "ozon_api_key": self.ozon_api_key,
            "wrong_ozon_api_key": self.wrong_ozon_api_key,
            "wildberries_token": self.wildberries_token,
        }


def forms_of(value: str) -> set[str]:
    """How a secret may appear in a line: as is, URL-quoted, JSON-escaped, in a Basic header."""
    return {
        value,
        quote(value, safe=""),
        json.dumps(value)[1:-1],
        base64.b64encode(f"{DEFAULT_SHOP_ID}:{value}".encode()).decode(),
    }


def leaks(text: str, named_secrets: dict[str, str]) -> list[str]:
    return [
        f"{name} ({form!r})"
        for name, value in named_secrets.items()
        for form in forms_of(value)
        if form in text
    ]


async def with_passwords(backend: Backend, run: RunSecrets) -> dict[str, str]:
    """The backend's URLs with passwords in them (as production's have), where the test's own
    servers allow it: PostgreSQL trusts local connections (the password goes unused but sits in
    the URL); Redis gets a user of its own that must log in with its password."""
    urls: dict[str, str] = {}
    database = urlsplit(backend.database_url)
    if backend.postgres is not None and database.password is None:
        netloc = f"{database.username}:{run.database_password}@{database.hostname}:{database.port}"
        urls["database_url"] = urlunsplit(database._replace(netloc=netloc))
    if backend.redis_url is not None and urlsplit(backend.redis_url).password is None:
        redis = Redis.from_url(backend.redis_url)
        try:
            await redis.execute_command(
                "ACL", "SETUSER", "easyflow-logs", "on", f">{run.redis_password}", "~*", "&*",
                "+@all",
            )  # fmt: skip
        finally:
            await redis.aclose()
        server = urlsplit(backend.redis_url)
        netloc = f"easyflow-logs:{run.redis_password}@{server.hostname}:{server.port}"
        urls["redis_url"] = urlunsplit(server._replace(netloc=netloc))
    return urls


async def answer_in_text_and_by_voice(harness: BotHarness, groq: FakeGroq) -> None:
    """An interview answer scored by the LLM (after one failure retried), then one spoken."""
    person = Speaker(harness, new_user("en"))
    await person.start_track("Backend", "Junior", "Databases", 3)
    replies = await person.answer("An index is a B-tree; it speeds reads but slows writes.")
    assert "simplified automatic evaluation" not in replies[0]["text"]
    spoken = "Um, I would add an index on the email column, so lookups stop scanning the table."
    groq.default_text = spoken
    transcript = await person.speak(speech_ogg(spoken))
    assert "Here is what I heard" in transcript["text"], transcript["text"]
    await person.use(transcript)


async def pay_by_card_and_by_yookassa_link(harness: BotHarness) -> None:
    card_buyer = Buyer(harness, new_user("en"))
    invoice = await card_buyer.invoice("5 mock interviews", "Card in Telegram")
    assert (await card_buyer.pay(invoice))["status"] == "paid"
    await card_buyer.wait_bot_text("Payment received")

    link_buyer = Buyer(harness, new_user("en"))
    screen = await link_buyer.open_product("5 mock interviews")
    await link_buyer.press(screen, "YooKassa")
    message = await link_buyer.wait_bot_text("pay on YooKassa's page")
    [[button]] = message["reply_markup"]["inline_keyboard"]
    payment_id = button["url"].rstrip("/").rsplit("/", 1)[-1]
    assert harness.emulator.base_url is not None
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{harness.emulator.base_url}/sandbox/api/yookassa/payments/{payment_id}/succeed",
            json={},
        ) as response,
    ):
        assert response.status == 200, await response.text()
    await link_buyer.wait_bot_text("Payment received")


async def connect_a_seller_and_sync(harness: BotHarness, run: RunSecrets) -> None:
    """A seller connects Ozon (a wrong key first) and Wildberries through /connect, typing the
    keys in private; a buyer then writes on each, and the chats reach the group."""
    client = harness.client
    admin = new_user(first_name="Olga")
    forum = await client.create_forum("Logs shop", [{"user": admin, "status": "creator"}])
    forum_id = forum["id"]
    greeting = await screens.ask(client, admin["id"], admin, "/start", "")
    await screens.ask(client, forum_id, admin, "/connect", "private")
    offer = await screens.bot_text(
        client, admin["id"], "Which marketplace", after=greeting["message_id"]
    )
    chat = admin["id"]
    await screens.press_and_wait(client, chat, admin, offer, "Ozon", "Client-Id")
    await screens.ask(client, chat, admin, OZON_CLIENT_ID, "API key")
    await screens.ask(client, chat, admin, run.wrong_ozon_api_key, "did not accept the API key")
    await screens.ask(client, chat, admin, run.ozon_api_key, "Ozon is connected to")

    await screens.ask(client, forum_id, admin, "/connect", "private")
    offer = await screens.bot_text(client, chat, "Which marketplace", after=greeting["message_id"])
    await screens.press_and_wait(client, chat, admin, offer, "Wildberries", "token")
    await screens.ask(client, chat, admin, run.wildberries_token, "Wildberries is connected to")

    await client.ozon.buyer_starts_chat(
        "Where is my parcel?", order=f"{RUN}-oz", seller=OZON_CLIENT_ID
    )
    await client.wildberries.buyer_starts_chat(
        "Where is my parcel?", buyer_name="Irina", order=f"{RUN}-wb", seller=WB_SELLER_ID
    )

    async def synced() -> bool:
        topics = await client.topics(forum_id, with_messages=True)
        names = " ".join(topic["name"] for topic in topics if len(topic["messages"]) >= 2)
        return f"{RUN}-oz" in names and f"{RUN}-wb" in names

    deadline = time.monotonic() + 20
    while not await synced():
        assert time.monotonic() < deadline, "the buyers' chats never reached the group"
        await asyncio.sleep(0.2)


async def test_no_secret_reaches_the_logs_of_a_run_that_used_every_secret(
    harness_factory: HarnessFactory, seeded_catalogue: str, backend: Backend
) -> None:
    run = RunSecrets()
    client = await harness_factory.sandbox()
    assert harness_factory.emulator is not None
    # The emulators take only these keys: a flow that works is a key that was sent.
    harness_factory.emulator.yookassa.secret_key = run.yookassa_secret_key
    harness_factory.emulator.yookassa.strict_auth = True
    await client.ozon.set_limit(None)
    await client.wildberries.set_limit(None)
    await client.ozon.seller(client_id=OZON_CLIENT_ID, api_key=run.ozon_api_key, name="Logs")
    await client.wildberries.seller(seller_id=WB_SELLER_ID, token=run.wildberries_token)
    async with FakeOpenAI() as openai_fake, FakeGroq() as groq_fake:
        overrides = {
            **run.in_settings(),
            **desk_settings(
                harness_factory, marketplace_credentials_key=run.marketplace_credentials_key
            ),
            **await with_passwords(backend, run),
            "openai_base_url": openai_fake.base_url,
            "llm_timeout_seconds": 5,
            "groq_base_url": groq_fake.base_url,
            "stt_timeout_seconds": 5,
        }
        settings_secrets = harness_factory.settings(**overrides).secret_values()
        with captured_logs([*settings_secrets, BOT_TOKEN]) as logs:
            harness = await harness_factory.start(webhook=True, **overrides)
            assert harness.settings.secret_values() == settings_secrets
            await knock_with_wrong_secrets(harness)
            openai_fake.script(ServerError(503))  # a failure, retried, is logged
            await answer_in_text_and_by_voice(harness, groq_fake)
            await pay_by_card_and_by_yookassa_link(harness)
            await connect_a_seller_and_sync(harness, run)
            families = await scrape(harness.web_url, token=run.metrics_token)
            # A canary: a line and a traceback that hold every configured secret.
            canary = logging.getLogger(TEST_LOGGER)
            canary.warning("canary: %s", " ".join([*settings_secrets, BOT_TOKEN]))
            try:
                raise RuntimeError(f"canary {BOT_TOKEN} {run.yookassa_secret_key}")
            except RuntimeError:
                canary.exception("canary traceback")
            await harness.stop()

    # Every secret was used where it belongs (updates came in under the webhook secret, the
    # payments went through the emulators that take only these keys, the desk synced).
    assert any(
        r.headers.get("Authorization") == f"Bearer {run.openai_api_key}"
        for r in openai_fake.requests
    )
    assert any(
        r.headers.get("Authorization") == f"Bearer {run.groq_api_key}" for r in groq_fake.requests
    )
    invoices = [c for c in await client.requests() if c["method"] == "sendInvoice"]
    assert any(c["params"].get("provider_token") == run.telegram_provider_token for c in invoices)
    for method in ("telegram_card", "yookassa_link"):
        assert sample_value(families, "easyflow_payments_total", method=method, status="paid") >= 1

    # The logs are not empty, and show the flows: no pass for want of logging.
    records = logs.records()
    messages = "\n".join(record["message"] for record in records)
    handlers = {record.get("handler") or "" for record in records}
    for prefix in ("interview.turns.", "interview.voice.", "marketplace.connect."):
        assert any(name.startswith(prefix) for name in handlers), (prefix, handlers)
    for request in (
        f'"POST {harness.settings.webhook_path} HTTP/1.1" 401',
        f'"POST {harness.settings.webhook_path} HTTP/1.1" 200',
        '"POST /webhooks/yookassa HTTP/1.1" 200',
        '"GET /metrics HTTP/1.1" 401',
        '"GET /metrics HTTP/1.1" 200',
        "/yookassa/v3/payments",
        "/v1/chat/completions",
        "/audio/transcriptions",
    ):
        assert request in messages, request
    assert "canary: ***" in messages and "canary ***" in logs.text()
    [traceback] = [r["exception"] for r in records if r["message"] == "canary traceback"]
    assert "RuntimeError: canary *** ***" in traceback

    # And no secret is in them, in either format, in any form.
    named = {**run.in_settings(), **run.typed_by_sellers(), "bot_token": BOT_TOKEN}
    if "database_url" in overrides:
        named["database_password"] = run.database_password
    if "redis_url" in overrides:
        named["redis_password"] = run.redis_password
    decoded = "\n".join(str(value) for record in records for value in record.values())
    assert leaks(logs.json_lines.getvalue(), named) == []
    assert leaks(decoded, named) == []
    assert leaks(logs.text(), named) == []


async def knock_with_wrong_secrets(harness: BotHarness) -> None:
    """A forged update (wrong webhook secret) and a scrape with a wrong token, both refused;
    /healthz answers."""
    assert harness.web_url is not None
    async with aiohttp.ClientSession() as http:
        forged = {"X-Telegram-Bot-Api-Secret-Token": "not-the-secret"}
        webhook = harness.web_url + harness.settings.webhook_path
        async with http.post(webhook, json={"update_id": 1}, headers=forged) as answer:
            assert answer.status == 401
        wrong = {"Authorization": "Bearer not-the-token"}
        async with http.get(harness.web_url + "/metrics", headers=wrong) as answer:
            assert answer.status == 401
        async with http.get(harness.web_url + "/healthz") as answer:
            assert answer.status == 200, await answer.text()
