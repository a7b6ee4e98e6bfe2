"""The marketplace desk's /connect and /seller end to end: the seller's forum group and the
admin's private chat in the Telegram emulator, the real Ozon and Wildberries connectors against
the marketplace emulators, credentials sealed in the real database.

/connect is refused with the right instruction wherever it cannot work; in private the admin
picks a marketplace and types the credentials, the message holding a key is deleted, bad keys
are explained with a way forward, and no credential ever leaves the bot in clear (checked on
every Bot API call the bot made, and on the stored row). /seller shows the accounts and lets
the group's admins, and only them, pause, resume and disconnect.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select, update

from services.database import create_engine, create_session_factory
from services.marketplace.vault import CredentialVault
from services.models import User as UserRow
from services.models.marketplace import MarketplaceAccount, Seller
from tests.e2e import group_screens as screens
from tests.e2e.desk import start_desk_bot
from tests.e2e.group_screens import text_of
from tests.e2e.harness import BotHarness, HarnessFactory, new_user
from tests.e2e.interview_driver import labels, rows

OZON_CLIENT_ID = "100500"
OZON_API_KEY = "sandbox-ozon-api-key"
WB_TOKEN = "sandbox-wb-token"
WRONG_OZON_KEY = "wrong-ozon-key-3f9a1c"
WRONG_WB_TOKEN = "wrong-wb-token-77c2e0"
SECRETS = (OZON_API_KEY, WB_TOKEN, WRONG_OZON_KEY, WRONG_WB_TOKEN)

# Supergroup ids, unique across tests (the database outlives each test's emulator).
_forum_ids = itertools.count(-1_009_000_000_000 - random.randint(0, 10**9), -1)

User = dict[str, Any]
Message = dict[str, Any]


_text = text_of


class Desk:
    """A seller's support group and its admins' private chats, as the people see them."""

    def __init__(self, harness: BotHarness, factory: HarnessFactory, key: bytes) -> None:
        self.harness = harness
        self.factory = factory
        self.key = key
        self.client = harness.client

    @property
    def database_url(self) -> str:
        return self.factory.database_url

    async def forum(
        self,
        admin: User,
        members: tuple[User, ...] = (),
        title: str = "Acme support",
        **rights: Any,
    ) -> int:
        people = [{"user": admin, "status": "creator"}]
        people += [{"user": member, "status": "member"} for member in members]
        chat = await self.client.create_forum(title, people, chat_id=next(_forum_ids), **rights)
        await self.known(admin)
        return chat["id"]

    async def known(self, user: User) -> None:
        """Waits until the bot has handled the update the group's creation sent (the bot added
        by `user`): a user's first two updates handled at once would both create the user."""
        deadline = time.monotonic() + 10
        query = select(UserRow).where(UserRow.telegram_id == user["id"])
        while not await rows(self.database_url, query):
            assert time.monotonic() < deadline, f"user {user['id']} never reached the bot"
            await asyncio.sleep(0.05)

    async def say(self, chat_id: int, user: User, text: str) -> int:
        return await screens.say(self.client, chat_id, user, text)

    async def until(
        self, chat_id: int, find: Callable[[list[Message]], Any], what: str, timeout: float = 15
    ) -> Any:
        return await screens.until(self.client, chat_id, find, what, timeout)

    async def bot_text(self, chat_id: int, expect: str, after: int = 0) -> Message:
        return await screens.bot_text(self.client, chat_id, expect, after)

    async def ask(self, chat_id: int, user: User, text: str, expect: str) -> Message:
        return await screens.ask(self.client, chat_id, user, text, expect)

    async def press(self, chat_id: int, user: User, message: Message, label: str) -> str:
        return await screens.press(self.client, chat_id, user, message, label)

    async def press_and_wait(
        self, chat_id: int, user: User, message: Message, label: str, expect: str
    ) -> Message:
        return await screens.press_and_wait(self.client, chat_id, user, message, label, expect)

    async def alert(self, callback_query_id: str) -> dict[str, Any]:
        return await screens.alert(self.client, callback_query_id)

    async def open_connect(self, forum_id: int, admin: User) -> tuple[Message, Message]:
        """/connect in the group by an admin who has talked to the bot before; returns the
        group's answer and the private offer."""
        greeting = await self.ask(admin["id"], admin, "/start", "")
        group_answer = await self.ask(forum_id, admin, "/connect", "private")
        offer = await self.bot_text(admin["id"], "Which marketplace", after=greeting["message_id"])
        return group_answer, offer

    async def connect_ozon(
        self, forum_id: int, admin: User, api_key: str = OZON_API_KEY, expect: str = "connected"
    ) -> Message:
        _, offer = await self.open_connect(forum_id, admin)
        chat = admin["id"]
        await self.press_and_wait(chat, admin, offer, "Ozon", "Client-Id")
        await self.ask(chat, admin, OZON_CLIENT_ID, "API key")
        return await self.ask(chat, admin, api_key, expect)

    async def sent_credentials(self) -> list[tuple[str, str]]:
        """(method, secret) for every Bot API call of the bot that carried a credential."""
        leaks = []
        for request in await self.client.requests():
            params = json.dumps(request["params"], ensure_ascii=False)
            leaks += [(request["method"], s) for s in (*SECRETS, OZON_CLIENT_ID) if s in params]
        return leaks

    async def seller_of(self, forum_id: int) -> Seller | None:
        found = await rows(
            self.database_url, select(Seller).where(Seller.forum_chat_id == forum_id)
        )
        return found[0] if found else None

    async def accounts_of(self, forum_id: int) -> dict[str, MarketplaceAccount]:
        seller = await self.seller_of(forum_id)
        if seller is None:
            return {}
        found = await rows(
            self.database_url,
            select(MarketplaceAccount).where(MarketplaceAccount.seller_id == seller.id),
        )
        return {account.marketplace: account for account in found}

    async def change_account(self, account_id: int, **values: Any) -> None:
        await self.change(MarketplaceAccount, account_id, **values)

    async def change(self, table: Any, row_id: int, **values: Any) -> None:
        engine = create_engine(self.database_url)
        try:
            async with create_session_factory(engine)() as session:
                await session.execute(update(table).where(table.id == row_id).values(**values))
                await session.commit()
        finally:
            await engine.dispose()


@pytest.fixture
async def desk(harness_factory: HarnessFactory) -> AsyncIterator[Desk]:
    yield await _desk(harness_factory)


async def _desk(factory: HarnessFactory) -> Desk:
    harness, settings = await start_desk_bot(factory)
    return Desk(harness, factory, settings["marketplace_credentials_key"].encode())


async def test_connect_is_refused_with_what_to_change(desk: Desk) -> None:
    admin, member = new_user(first_name="Olga"), new_user(first_name="Ivan")

    private = await desk.ask(admin["id"], admin, "/connect", "/connect works in your")
    assert "Manage topics" not in private["text"] and "turn on Topics" in private["text"]
    private_seller = await desk.ask(admin["id"], admin, "/seller", "send it there")
    assert "group" in private_seller["text"]

    plain = await desk.client.create_group(
        "Plain group", [{"user": admin, "status": "creator"}], chat_id=next(_forum_ids)
    )
    await desk.known(admin)
    answer = await desk.ask(plain["id"], admin, "/connect", "no topics")
    assert "turn on Topics" in answer["text"]

    bot_member = await desk.forum(admin, bot_status="member")
    answer = await desk.ask(bot_member, admin, "/connect", "I need to be an administrator")
    assert "Manage topics" in answer["text"]

    no_topics = await desk.forum(admin, bot_can_manage_topics=False)
    answer = await desk.ask(no_topics, admin, "/connect", "can't manage topics")
    assert 'turn on "Manage topics"' in answer["text"]

    ready = await desk.forum(admin, members=(member,))
    answer = await desk.ask(ready, member, "/connect", "Only the group's admins")
    assert "Ask an admin" in answer["text"]

    for chat_id in (plain["id"], bot_member, no_topics, ready):
        assert await desk.seller_of(chat_id) is None  # nothing registered on a refusal
    # Nothing was offered in private to the member who is not an admin.
    assert all(not m["from_bot"] for m in await desk.client.messages(member["id"]))


async def test_ozon_is_connected_in_private_and_the_key_never_shows(desk: Desk) -> None:
    admin = new_user(first_name="Olga")
    forum_id = await desk.forum(admin, title="Acme support")
    chat = admin["id"]

    group_answer, offer = await desk.open_connect(forum_id, admin)
    seller = await desk.seller_of(forum_id)
    assert seller is not None and seller.title == "Acme support" and seller.connected_by == chat
    [[button]] = group_answer["reply_markup"]["inline_keyboard"]
    bot_username = (await desk.harness.bot.me()).username
    assert button["url"] == f"https://t.me/{bot_username}?start=connect-{seller.id}"
    assert "written to you in private" in group_answer["text"]
    assert "Acme support" in offer["text"]
    assert labels(offer) == ["Ozon", "Wildberries", "✖️ Cancel"]

    await desk.press_and_wait(chat, admin, offer, "Ozon", "Client-Id")
    malformed = await desk.ask(chat, admin, "my-shop", "isn't a Client-Id")
    assert labels(malformed) == ["✖️ Cancel"]
    await desk.ask(chat, admin, OZON_CLIENT_ID, "API key")

    wrong_id = await desk.say(chat, admin, WRONG_OZON_KEY)
    refused = await desk.bot_text(chat, "did not accept the API key", after=wrong_id)
    assert "Ozon is not connected: nothing was saved" in refused["text"]
    assert labels(refused) == ["🔄 Start over", "✖️ Cancel"]
    assert await desk.accounts_of(forum_id) == {}

    spaced = await desk.ask(chat, admin, "two words", "doesn't look like an API key")
    assert spaced["message_id"] > refused["message_id"]
    # Only the wrong key reached Ozon: malformed values are refused before any call.
    assert len(await desk.client.ozon.requests("/v3/chat/list")) == 1

    right_id = await desk.say(chat, admin, OZON_API_KEY)
    done = await desk.bot_text(chat, "Ozon is connected to Acme support", after=right_id)
    assert "/seller" in done["text"]
    notice = await desk.bot_text(forum_id, "Ozon is connected (by Olga)")
    assert "topics" in notice["text"]

    # The progress was shown, then replaced by the outcome in place.
    calls = await desk.client.requests()
    checking = [
        c
        for c in calls
        if c["method"] == "sendMessage" and "Checking with Ozon" in c["params"].get("text", "")
    ]
    assert len(checking) == 2  # the wrong key and the right one
    edits = [
        c
        for c in calls
        if c["method"] == "editMessageText" and str(c["params"]["chat_id"]) == str(chat)
    ]
    assert any(str(done["message_id"]) == str(e["params"]["message_id"]) for e in edits)

    # Every message that held a key is gone from the chat; the Client-Id stays.
    shown = {m["message_id"] for m in await desk.client.messages(chat)}
    assert wrong_id not in shown and right_id not in shown
    deleted = {str(c["params"]["message_id"]) for c in calls if c["method"] == "deleteMessage"}
    assert {str(wrong_id), str(right_id)} <= deleted
    assert not any(OZON_API_KEY in _text(m) for m in await desk.client.messages(chat))
    assert await desk.sent_credentials() == []

    # Stored sealed: not in clear, and it opens to what was typed.
    [account] = (await desk.accounts_of(forum_id)).values()
    assert account.marketplace == "ozon" and account.external_id == OZON_CLIENT_ID
    assert OZON_API_KEY.encode() not in account.sealed_credentials
    assert b"100500" not in account.sealed_credentials
    opened = CredentialVault(desk.key).open(account.sealed_credentials)
    assert opened == {"client_id": OZON_CLIENT_ID, "api_key": OZON_API_KEY}
    # The marketplace saw the key only on the check, with the real connector's headers.
    checks = await desk.client.ozon.requests("/v3/chat/list")
    assert checks, "the connector made no check call"

    # Typing after the flow ended is ordinary text, not a key.
    after_done = await desk.ask(chat, admin, "hello", "didn't get that")
    assert after_done["message_id"] > done["message_id"]


async def test_ozon_refusals_are_explained_and_a_retry_connects(desk: Desk) -> None:
    admin = new_user(first_name="Olga")
    forum_id = await desk.forum(admin)
    chat = admin["id"]

    await desk.client.ozon.fault("premium_required", times=1)
    premium = await desk.connect_ozon(forum_id, admin, expect="Premium Plus")
    assert "is not connected: nothing was saved" in premium["text"]
    assert "Send the API key again" in premium["text"]

    await desk.client.ozon.fault("server_error", status=503, times=None)
    sent = await desk.say(chat, admin, OZON_API_KEY)
    unreachable = await desk.bot_text(chat, "not answering right now", after=sent)
    assert "Try again in a few minutes" in unreachable["text"]
    assert "We will try again by ourselves" not in unreachable["text"]
    assert await desk.accounts_of(forum_id) == {}
    await desk.client.ozon.clear_faults()

    # Start over: back to the Client-Id, then the key is accepted.
    await desk.press_and_wait(chat, admin, unreachable, "Start over", "Client-Id")
    await desk.ask(chat, admin, OZON_CLIENT_ID, "API key")
    await desk.ask(chat, admin, OZON_API_KEY, "Ozon is connected to")
    assert set(await desk.accounts_of(forum_id)) == {"ozon"}
    assert await desk.sent_credentials() == []


async def test_wildberries_next_to_ozon_and_a_reconnection_resumes(desk: Desk) -> None:
    admin = new_user(first_name="Olga")
    forum_id = await desk.forum(admin)
    chat = admin["id"]
    await desk.connect_ozon(forum_id, admin)

    # Cancel leaves nothing behind.
    _, offer = await desk.open_connect(forum_id, admin)
    asked = await desk.press_and_wait(chat, admin, offer, "Wildberries", "token")
    await desk.press_and_wait(chat, admin, asked, "Cancel", "Cancelled")
    await desk.ask(chat, admin, WB_TOKEN, "didn't get that")
    assert set(await desk.accounts_of(forum_id)) == {"ozon"}

    _, offer = await desk.open_connect(forum_id, admin)
    await desk.press_and_wait(chat, admin, offer, "Wildberries", "token")
    await desk.ask(chat, admin, "two words", "doesn't look like a token")
    wrong = await desk.ask(chat, admin, WRONG_WB_TOKEN, "did not accept the API key")
    assert "Send the token again" in wrong["text"] and labels(wrong)[-1] == "✖️ Cancel"
    await desk.client.wildberries.fault("server_error", times=None)
    await desk.ask(chat, admin, WB_TOKEN, "Wildberries is not answering right now")
    await desk.client.wildberries.clear_faults()
    await desk.ask(chat, admin, WB_TOKEN, "Wildberries is connected to")
    await desk.bot_text(forum_id, "Wildberries is connected (by Olga)")

    accounts = await desk.accounts_of(forum_id)
    assert set(accounts) == {"ozon", "wb"}
    assert WB_TOKEN.encode() not in accounts["wb"].sealed_credentials
    assert CredentialVault(desk.key).open(accounts["wb"].sealed_credentials) == {"token": WB_TOKEN}

    # A refused account reconnected with a good key: sync resumes, and the group is told.
    await desk.change_account(
        accounts["wb"].id, refused_at=datetime.now(UTC), refusal="credentials"
    )
    _, offer = await desk.open_connect(forum_id, admin)
    await desk.press_and_wait(chat, admin, offer, "Wildberries", "token")
    resumed = await desk.ask(chat, admin, WB_TOKEN, "again with the new key")
    assert "sync resumes" in resumed["text"]
    await desk.bot_text(forum_id, "Wildberries is connected again (by Olga): sync resumes")
    reconnected = (await desk.accounts_of(forum_id))["wb"]
    assert reconnected.id == accounts["wb"].id and reconnected.refused_at is None
    assert await desk.sent_credentials() == []


async def test_the_deep_link_checks_the_admin_again(desk: Desk) -> None:
    # The admin never started the bot: Telegram refuses the bot's first private message.
    desk.factory.allow_rejected_requests = True
    admin, member = new_user(first_name="Olga"), new_user(first_name="Ivan")
    forum_id = await desk.forum(admin, members=(member,))

    group_answer = await desk.ask(forum_id, admin, "/connect", "press the button")
    [[button]] = group_answer["reply_markup"]["inline_keyboard"]
    payload = button["url"].split("?start=", 1)[1]
    seller = await desk.seller_of(forum_id)
    assert seller is not None and payload == f"connect-{seller.id}"

    # A member who is not an admin gets nowhere with the link, nor with a forged button.
    refused = await desk.ask(member["id"], member, f"/start {payload}", "not an admin")
    assert "Acme support" in refused["text"]
    forged = f"mpc:{seller.id}:ozon"
    pressed = await desk.client.press(member["id"], member, refused["message_id"], forged)
    await desk.alert(pressed["callback_query_id"])
    assert not any("Client-Id" in _text(m) for m in await desk.client.messages(member["id"]))
    await desk.ask(member["id"], member, OZON_CLIENT_ID, "didn't get that")  # no flow started

    # The admin follows the link: offered the marketplaces.
    offer = await desk.ask(admin["id"], admin, f"/start {payload}", "Which marketplace")
    # Demoted meanwhile: the button no longer works, nor does the link.
    await desk.client.add_member(forum_id, admin, status="member")
    demoted = await desk.press_and_wait(admin["id"], admin, offer, "Ozon", "not an admin")
    assert "Acme support" in demoted["text"]
    await desk.ask(admin["id"], admin, f"/start {payload}", "not an admin of")
    # An unknown seller's link is explained; the ordinary /start still greets.
    await desk.ask(admin["id"], admin, "/start connect-999999999999", "no longer valid")

    # Promoted back, the admin connects, and a key typed after a demotion is not used.
    await desk.client.add_member(forum_id, admin, status="administrator")
    offer = await desk.ask(admin["id"], admin, f"/start {payload}", "Which marketplace")
    await desk.press_and_wait(admin["id"], admin, offer, "Wildberries", "token")
    await desk.client.add_member(forum_id, admin, status="member")
    await desk.ask(admin["id"], admin, WB_TOKEN, "not an admin of")
    assert await desk.accounts_of(forum_id) == {}
    assert not await desk.client.wildberries.requests("/api/v1/seller/chats")
    assert await desk.sent_credentials() == []


async def test_seller_shows_accounts_and_only_admins_steer_them(desk: Desk) -> None:
    admin, member = new_user(first_name="Olga"), new_user(first_name="Ivan")
    forum_id = await desk.forum(admin, members=(member,), title="Acme support")

    nobody = await desk.forum(admin, title="Empty")
    empty = await desk.ask(nobody, member, "/seller", "No marketplace is connected")

    await desk.connect_ozon(forum_id, admin)
    [ozon] = (await desk.accounts_of(forum_id)).values()
    # Refused, no sync starts for it; one already under way finishes within a tick or two.
    # Then its times are set, and the screen shows what the row says.
    await desk.change_account(ozon.id, refused_at=datetime.now(UTC), refusal="credentials")
    await asyncio.sleep(2.5)
    await desk.change_account(
        ozon.id,
        last_error="credentials",
        last_error_at=datetime(2025, 3, 1, 6, 0, tzinfo=UTC),
        last_synced_at=datetime(2025, 3, 1, 5, 30, tzinfo=UTC),
    )
    seller = await desk.seller_of(forum_id)
    assert seller is not None
    await desk.change(Seller, seller.id, rights_lost_at=datetime.now(UTC))
    status = await desk.ask(forum_id, member, "/seller", "Acme support: marketplaces")
    await desk.change(Seller, seller.id, rights_lost_at=None)
    text = status["text"]
    assert "Sync is paused: I can't manage this group's topics" in text
    assert "Ozon: ⛔ stopped until the key is replaced" in text
    assert "Last sync: 01.03.2025 08:30" in text  # Europe/Moscow
    assert "Last error (01.03.2025 09:00): The marketplace did not accept the API key" in text
    assert "Times are in Europe/Moscow" in text
    assert labels(status) == [
        "⏸ Pause Ozon",
        "🔌 Disconnect Ozon",
        "💡 Auto suggestions: off",
        "🗣 Tone: friendly",
    ]
    await desk.change_account(ozon.id, refused_at=None, refusal=None)

    # A member who is not an admin is refused with an alert, and nothing changes.
    for label in ("Pause", "Disconnect"):
        pressed = await desk.press(forum_id, member, status, label)
        answer = await desk.alert(pressed)
        assert answer["show_alert"] and "Only the group's admins" in answer["text"]
    assert not (await desk.accounts_of(forum_id))["ozon"].paused

    paused = await desk.press_and_wait(forum_id, admin, status, "Pause", "paused by Olga")
    assert "Ozon: ⏸ paused" in paused["text"] and labels(paused)[0] == "▶️ Resume Ozon"
    assert (await desk.accounts_of(forum_id))["ozon"].paused
    resumed = await desk.press_and_wait(forum_id, admin, paused, "Resume", "resumed by Olga")
    assert "Ozon: 🟢 syncing" in resumed["text"]
    assert not (await desk.accounts_of(forum_id))["ozon"].paused

    confirm = await desk.press_and_wait(forum_id, admin, resumed, "Disconnect", "Disconnect Ozon")
    assert labels(confirm) == ["🔌 Yes, disconnect", "↩️ No, keep it"]
    kept = await desk.press_and_wait(forum_id, admin, confirm, "keep it", "Ozon: 🟢 syncing")
    assert set(await desk.accounts_of(forum_id)) == {"ozon"}

    confirm = await desk.press_and_wait(forum_id, admin, kept, "Disconnect", "Disconnect Ozon")
    pressed = await desk.press(forum_id, member, confirm, "Yes, disconnect")
    assert (await desk.alert(pressed))["show_alert"]
    assert set(await desk.accounts_of(forum_id)) == {"ozon"}
    gone = await desk.press_and_wait(forum_id, admin, confirm, "Yes, disconnect", "disconnected by")
    assert "Nothing is connected" in gone["text"] and labels(gone) == []
    assert await desk.accounts_of(forum_id) == {}
    assert await desk.seller_of(forum_id) is not None  # the group stays a seller
    # A button of the old screen finds nothing to act on.
    pressed = await desk.press(forum_id, admin, status, "Pause")
    assert "not connected any more" in (await desk.alert(pressed))["text"]

    # An admin of another group cannot reach this seller's account with a made-up button.
    await desk.connect_ozon(forum_id, admin)
    [ozon] = (await desk.accounts_of(forum_id)).values()
    forged = f"mpa:pause:{ozon.id}"
    pressed = await desk.client.press(nobody, admin, empty["message_id"], forged)
    assert "not connected any more" in (await desk.alert(pressed["callback_query_id"]))["text"]
    assert not (await desk.accounts_of(forum_id))["ozon"].paused
