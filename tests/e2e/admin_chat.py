"""The operator's admin group in the emulator, as the admin-console tests drive it."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.e2e.harness import BotHarness, HarnessFactory, button_data, new_user


class AdminChat:
    """The admin group (ADMIN_CHAT_ID) with its first member, an owner (ADMIN_IDS); other
    members act through `member=`."""

    def __init__(self, factory: HarnessFactory, chat_id: int, admin: dict[str, Any]) -> None:
        self.factory = factory
        self.chat_id = chat_id
        self.admin = admin

    @property
    def client(self):  # type: ignore[no-untyped-def]
        assert self.factory.client is not None
        return self.factory.client

    async def join(self, member: dict[str, Any]) -> None:
        await self.client.add_member(self.chat_id, member)

    async def say(self, text: str, member: dict[str, Any] | None = None) -> int:
        sent = await self.client.send_text(self.chat_id, member or self.admin, text)
        return sent["message"]["message_id"]

    async def send_document(
        self, data: bytes, filename: str, member: dict[str, Any] | None = None,
        mime_type: str = "application/x-yaml", caption: str | None = None,
    ) -> int:  # fmt: skip
        sent = await self.client.send_file(
            self.chat_id, member or self.admin, "document", data, filename, mime_type, caption
        )
        return sent["message"]["message_id"]

    async def wait_text(self, expect: str, after: int = 0, timeout: float = 15) -> dict[str, Any]:
        """The newest bot message after message `after` containing `expect` (text or caption)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for message in reversed(await self.client.messages(self.chat_id)):
                shown = (message.get("text") or "") + (message.get("caption") or "")
                if message["from_bot"] and message["message_id"] > after and expect in shown:
                    return message
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(await self.client.transcript(self.chat_id))
            await asyncio.sleep(0.05)

    async def bot_messages_after(self, after: int) -> list[dict[str, Any]]:
        return [
            message
            for message in await self.client.messages(self.chat_id)
            if message["from_bot"] and message["message_id"] > after
        ]

    async def press(
        self, message: dict[str, Any], label: str, member: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Presses the button labelled `label`; returns the callback's answer."""
        pressed = await self.client.press(
            self.chat_id, member or self.admin, message["message_id"], button_data(message, label)
        )
        return await self.client.callback_answer(pressed["callback_query_id"], wait=10)

    async def set_price(self, product: str, currency: str, amount: str) -> None:
        """/price, confirmed."""
        sent = await self.say(f"/price {product} {currency} {amount}")
        confirm = await self.wait_text("Set the price", after=sent)
        await self.press(confirm, "Yes, set it")
        await self.wait_text("now costs", after=sent)


async def admin_group(factory: HarnessFactory, language: str = "en") -> AdminChat:
    client = await factory.sandbox()
    admin = new_user(language, "Operator")
    group = await client.create_group("EasyFlow admins", members=[admin])
    return AdminChat(factory, group["id"], admin)


async def bot_with_admin_group(
    factory: HarnessFactory, **overrides: Any
) -> tuple[BotHarness, AdminChat]:
    """The bot with an admin group (ADMIN_CHAT_ID) whose first member is the owner."""
    chat = await admin_group(factory)
    harness = await factory.start(
        admin_chat_id=chat.chat_id, admin_ids=[chat.admin["id"]], **overrides
    )
    return harness, chat
