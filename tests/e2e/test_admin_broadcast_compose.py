"""/broadcast in the admin group, end to end, up to the confirmation: the message (formatted
text, a photo or an image file with a caption), the URL button, the audience with its counts,
the preview exactly as users get it, every input refused with its reason and another try, the
draft discarded, and two admins confirming at once starting it once."""

from __future__ import annotations

import asyncio
import struct
import zlib
from datetime import UTC, datetime
from typing import Any

from aiogram.types import Chat, Message, MessageEntity, Update
from aiogram.types import User as TelegramUser
from sqlalchemy import func, select, update

from services.audit import AuditAction
from services.broadcasts.drafts import Audience, AudienceKind, count_audience
from services.database import create_engine, create_session_factory
from services.models import AuditEntry, User
from services.models.broadcast import Broadcast, BroadcastRecipient
from tests.e2e.admin_chat import AdminChat, bot_with_admin_group
from tests.e2e.harness import BotHarness, HarnessFactory, new_user
from tests.e2e.interview_driver import rows

SHOP = "https://example.com/shop"


def png(width: int = 40, height: int = 30, padding: int = 0) -> bytes:
    """A valid PNG of one colour; `padding` bytes after its end make the file that big."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\x80\x20\x20" * width for _ in range(height)))
    image = (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )
    return image + b"\x00" * padding


async def _started(harness: BotHarness, *users: dict[str, Any]) -> None:
    for user in users:
        await harness.say(user, "/start")
    await asyncio.sleep(0.3)  # the /start's transaction commits just after its answer


async def _reply(admin_chat: AdminChat, text: str, expect: str, member: Any = None) -> dict:
    sent = await admin_chat.say(text, member)
    return await admin_chat.wait_text(expect, after=sent)


async def _send_photo(
    admin_chat: AdminChat, data: bytes, caption: str | None, expect: str, kind: str = "photo",
    mime_type: str = "image/png", filename: str = "offer.png",
) -> dict:  # fmt: skip
    sent = await admin_chat.client.send_file(
        admin_chat.chat_id, admin_chat.admin, kind, data, filename, mime_type, caption
    )
    return await admin_chat.wait_text(expect, after=sent["message"]["message_id"])


async def _new_draft(admin_chat: AdminChat, text: str) -> dict:
    """/broadcast and its text: the draft's card."""
    await _reply(admin_chat, "/broadcast", "send the message for broadcast #")
    return await _reply(admin_chat, text, "Broadcast draft #")


def _labels(message: dict) -> list[str]:
    return [b["text"] for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
            for b in row]  # fmt: skip


def _draft_id(card: dict) -> int:
    return int(card["text"].split("Broadcast draft #", 1)[1].split()[0])


async def _draft(database_url: str, broadcast_id: int) -> Broadcast | None:
    found = await rows(database_url, select(Broadcast).where(Broadcast.id == broadcast_id))
    return found[0] if found else None


async def _count(database_url: str, audience: Audience) -> int:
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            return await count_audience(session, audience)
    finally:
        await engine.dispose()


async def _preview(admin_chat: AdminChat, card: dict, expect: str) -> tuple[dict, dict]:
    """👁 Preview: the message as users get it, and the confirmation under it."""
    await admin_chat.press(card, "Preview")
    confirm = await admin_chat.wait_text(expect, after=card["message_id"])
    previews = [
        message
        for message in await admin_chat.bot_messages_after(card["message_id"])
        if message["message_id"] < confirm["message_id"]
    ]
    return previews[-1], confirm


async def test_a_formatted_text_keeps_its_formatting_in_the_preview_and_the_draft_is_discarded(
    harness_factory: HarnessFactory,
) -> None:
    harness, admin_chat = await bot_with_admin_group(harness_factory)
    database_url = harness_factory.database_url
    sent = await admin_chat.say("/broadcast")
    ask = await admin_chat.wait_text("send the message for broadcast #", after=sent)
    assert ask["reply_markup"]["force_reply"]

    # The emulator's users send no entities: the admin's formatted message is fed as Telegram
    # would deliver it, bold and a link on a text with characters HTML must escape.
    text = "Big sale: 2 < 3 & more at our shop"
    admin = admin_chat.admin
    formatted = Message(
        message_id=ask["message_id"],  # a reply to the question, as it would be
        date=datetime.now(UTC),
        chat=Chat(id=admin_chat.chat_id, type="supergroup", title="EasyFlow admins"),
        from_user=TelegramUser(id=admin["id"], is_bot=False, first_name=admin["first_name"]),
        text=text,
        entities=[
            MessageEntity(type="bold", offset=0, length=8),
            MessageEntity(type="text_link", offset=30, length=4, url=SHOP),
        ],
        reply_to_message=None,
    )
    await harness.dispatcher.feed_update(harness.bot, Update(update_id=10**9, message=formatted))
    card = await admin_chat.wait_text("Broadcast draft #", after=ask["message_id"])
    broadcast_id = _draft_id(card)
    assert f"Text: {len(text)} of 4,096 characters" in card["text"]
    assert "Photo: no" in card["text"] and "Button: none" in card["text"]
    assert "Audience: All users" in card["text"]
    assert _labels(card)[:3] == ["✏️ Edit text", "🖼 Add photo", "🔘 Add button"]
    assert _labels(card)[-2:] == ["👁 Preview", "✖ Discard"]
    draft = await _draft(database_url, broadcast_id)
    assert draft is not None and draft.status == "draft"
    assert draft.text == f'<b>Big sale</b>: 2 &lt; 3 &amp; more at our <a href="{SHOP}">shop</a>'

    preview, confirm = await _preview(admin_chat, card, "exactly as users will see it")
    assert preview["text"] == text
    entities = {entity["type"]: entity for entity in preview["entities"]}
    assert (entities["bold"]["offset"], entities["bold"]["length"]) == (0, 8)
    assert entities["text_link"]["url"] == SHOP
    assert _labels(confirm)[0].startswith("📣 Send to") and "◀ Back to draft" in _labels(confirm)

    # Back to the draft redraws the card in place of the confirmation; Discard deletes it.
    await admin_chat.press(confirm, "Back to draft")
    [second_card] = await admin_chat.client.wait_for_edit(
        admin_chat.chat_id, confirm["message_id"], "Broadcast draft #"
    )
    await admin_chat.press(card, "Discard")
    await admin_chat.client.wait_for_edit(
        admin_chat.chat_id, card["message_id"], f"Draft #{broadcast_id} discarded"
    )
    assert await _draft(database_url, broadcast_id) is None
    answer = await admin_chat.press(second_card, "Preview")
    assert answer["show_alert"] and "already started or discarded" in answer["text"]


async def test_a_photo_with_a_caption_and_a_url_button_and_every_bad_input_gets_its_reason(
    harness_factory: HarnessFactory,
) -> None:
    _, admin_chat = await bot_with_admin_group(harness_factory)
    # A refused image is Telegram's answer to the bot's upload, which the emulator records.
    harness_factory.allow_rejected_requests = True
    database_url = harness_factory.database_url
    sent = await admin_chat.say("/broadcast")
    await admin_chat.wait_text("send the message for broadcast #", after=sent)

    await _reply(admin_chat, "   ", "The message is empty")
    await _reply(admin_chat, "x" * 5000, "The text has 5,000 characters")
    await _send_photo(admin_chat, b"%PDF-1.4", None, "That is not a photo", "document",
                      "application/pdf", "offer.pdf")  # fmt: skip
    await _send_photo(admin_chat, png(padding=11 * 1024 * 1024), None,
                      "This image is 11.0 MB", "document")  # fmt: skip
    await _send_photo(admin_chat, png(2000, 50), None, "Telegram refused this image", "document")
    await _send_photo(admin_chat, png(), "y" * 2000, "at most 1,024 characters")
    # A photo without a caption is kept, and its text is asked for next.
    await _send_photo(admin_chat, png(), None, "Photo saved")
    card = await _reply(admin_chat, "Spring offer", "Broadcast draft #")
    broadcast_id = _draft_id(card)
    assert "Photo: yes" in card["text"] and "of 1,024 characters" in card["text"]
    assert "🗑 Remove photo" in _labels(card)

    # The button: refused until it is a label and an address a button can open.
    await admin_chat.press(card, "Add button")
    await admin_chat.wait_text("label | https://address", after=card["message_id"])
    for bad, reason in (
        ("just a label", "Send the button as"),
        ("Shop | htp:/x", "A button can't open"),
        ("Shop | javascript:alert(1)", "A button can't open javascript:alert(1)"),
        ("Shop | https://", "A button can't open"),
        ("L" * 65 + " | " + SHOP, "at most 64 characters"),
    ):
        await _reply(admin_chat, bad, reason)
    card = await _reply(admin_chat, f"Open the shop\n{SHOP}", "Broadcast draft #")
    assert f"Button: Open the shop → {SHOP}" in card["text"]
    assert "🗑 Remove button" in _labels(card)

    preview, _ = await _preview(admin_chat, card, "exactly as users will see it")
    assert preview["media"]["kind"] == "photo" and preview["caption"] == "Spring offer"
    [[button]] = preview["reply_markup"]["inline_keyboard"]
    assert button == {"text": "Open the shop", "url": SHOP}

    # An image sent as a file becomes the photo; a caption with it replaces the text.
    await admin_chat.press(card, "Remove photo")
    card_id = card["message_id"]
    await admin_chat.client.wait_for_edit(admin_chat.chat_id, card_id, "Photo: no")
    draft = await _draft(database_url, broadcast_id)
    assert draft is not None and draft.photo_file_id is None
    await admin_chat.press(card, "Edit text")
    await admin_chat.wait_text("send the new text for broadcast", after=card_id)
    card = await _reply(admin_chat, "z" * 2000, "Broadcast draft #")
    assert "Text: 2,000 of 4,096 characters" in card["text"]
    await admin_chat.press(card, "Add photo")
    await admin_chat.wait_text("send the photo for broadcast", after=card["message_id"])
    await _reply(admin_chat, "a text, not a photo", "That is not a photo")
    # The 2,000-character text can't be a caption: the photo is refused, the text kept.
    await _send_photo(admin_chat, png(), None, "this one has 2,000", "document")
    draft = await _draft(database_url, broadcast_id)
    assert draft is not None and draft.photo_file_id is None and draft.text == "z" * 2000
    card = await _send_photo(admin_chat, png(), "Summer offer", "Broadcast draft #", "document")
    assert "Photo: yes" in card["text"] and "Summer offer" in card["text"]
    draft = await _draft(database_url, broadcast_id)
    assert draft is not None and draft.photo_file_id and draft.text == "Summer offer"
    preview, _ = await _preview(admin_chat, card, "exactly as users will see it")
    assert preview["media"]["kind"] == "photo" and preview["caption"] == "Summer offer"


async def test_audiences_show_their_counts_and_an_empty_one_cannot_be_sent(
    harness_factory: HarnessFactory,
) -> None:
    harness, admin_chat = await bot_with_admin_group(harness_factory)
    database_url = harness_factory.database_url
    ann, boris, vera = new_user("en", "Ann"), new_user("ru", "Boris"), new_user("ru", "Vera")
    await _started(harness, ann, boris, vera)
    card = await _new_draft(admin_chat, "News for everyone")
    everyone = await _count(database_url, Audience())
    assert everyone >= 3 and f"Audience: All users · {everyone:,} recipients" in card["text"]

    await admin_chat.press(card, "Audience:")
    menu = (await admin_chat.client.wait_for_edit(
        admin_chat.chat_id, card["message_id"], "Who gets broadcast"))[0]  # fmt: skip
    russian = await _count(database_url, Audience(AudienceKind.LANGUAGE, language="ru"))
    labels = _labels(menu)
    assert labels[0] == f"✅ All users ({everyone:,})"
    assert f"Language: 🇷🇺 Русский ({russian:,})" in labels
    assert any(label.startswith("Language: 🇬🇧 English (") for label in labels)
    assert any(label.startswith("Paid at least once (") for label in labels)
    assert any(label.startswith("Never paid (") for label in labels)
    assert labels[-2:] == ["💤 Inactive for N days…", "◀ Back"]

    # A user who blocked the bot (a delivery to them failed) is left out of every count.
    engine = create_engine(database_url)
    async with create_session_factory(engine)() as session:
        await session.execute(
            update(User).where(User.telegram_id == vera["id"]).values(is_blocked=True)
        )
        await session.commit()
    await engine.dispose()
    await admin_chat.press(menu, "Русский")
    card = (await admin_chat.client.wait_for_edit(
        admin_chat.chat_id, card["message_id"], "Audience: Language: 🇷🇺 Русский"))[0]  # fmt: skip
    assert f"· {russian - 1:,} recipient" in card["text"]
    assert f"👥 Audience: Language: 🇷🇺 Русский ({russian - 1:,})" in _labels(card)

    # The confirmation counts the same users; the Send pressed later finds it empty.
    _, stale_confirm = await _preview(admin_chat, card, "exactly as users will see it")
    assert f"It goes to {russian - 1:,} user" in stale_confirm["text"]

    await admin_chat.press(card, "Audience:")
    menu = (await admin_chat.client.wait_for_edit(
        admin_chat.chat_id, card["message_id"], "Who gets broadcast"))[0]  # fmt: skip
    await admin_chat.press(menu, "Inactive for N days")
    await admin_chat.wait_text("how many days", after=menu["message_id"])
    await _reply(admin_chat, "a week", "from 1 to 3,650")
    await _reply(admin_chat, "0", "from 1 to 3,650")
    card = await _reply(admin_chat, "3650", "Broadcast draft #")
    assert "Audience: Inactive for 3,650 days · 0 recipients" in card["text"]

    _, nobody = await _preview(admin_chat, card, "nobody is in this audience")
    assert _labels(nobody) == ["◀ Back to draft"]
    answer = await admin_chat.press(stale_confirm, "Send to")  # previewed for another audience
    assert answer["show_alert"] and "changed after this preview" in answer["text"]
    draft = await _draft(database_url, _draft_id(card))
    assert draft is not None and draft.status == "draft"


async def test_two_admins_confirming_at_once_start_the_broadcast_once(
    harness_factory: HarnessFactory,
) -> None:
    harness, admin_chat = await bot_with_admin_group(harness_factory)
    # The audience includes users of earlier tests, whom this test's emulator has never seen.
    harness_factory.allow_rejected_requests = True
    database_url = harness_factory.database_url
    helper = {**new_user("en", "Helper"), "username": f"helper_{new_user()['id']}"}
    await _started(harness, helper)
    await admin_chat.join(helper)
    await _reply(admin_chat, f"/admins add @{helper['username']}", "is now an admin")

    card = await _new_draft(admin_chat, "Hello, everyone")
    broadcast_id = _draft_id(card)
    _, confirm = await _preview(admin_chat, card, "exactly as users will see it")
    answers = await asyncio.gather(
        admin_chat.press(confirm, "Send to"), admin_chat.press(confirm, "Send to", helper)
    )
    refused = [answer for answer in answers if answer.get("show_alert")]
    assert len(refused) == 1 and "already started or discarded" in refused[0]["text"]
    started = (await admin_chat.client.wait_for_edit(
        admin_chat.chat_id, confirm["message_id"], f"Broadcast #{broadcast_id} started"))[0]  # fmt: skip
    assert not _labels(started)

    draft = await _draft(database_url, broadcast_id)
    assert draft is not None and draft.status != "draft" and draft.recipient_count >= 2
    assert f"{draft.recipient_count:,} recipient" in started["text"]
    recipients = await rows(
        database_url,
        select(func.count())
        .select_from(BroadcastRecipient)
        .where(BroadcastRecipient.broadcast_id == broadcast_id),
    )
    assert recipients == [draft.recipient_count]
    audit = await rows(
        database_url,
        select(AuditEntry).where(
            AuditEntry.action == AuditAction.BROADCAST, AuditEntry.target == str(broadcast_id)
        ),
    )
    assert len(audit) == 1
    # The card's buttons now refuse: the broadcast is no draft any more.
    answer = await admin_chat.press(card, "Edit text")
    assert answer["show_alert"] and "already started" in answer["text"]


async def test_a_preview_telegram_refuses_says_so_and_leads_back_to_the_draft(
    harness_factory: HarnessFactory,
) -> None:
    _, admin_chat = await bot_with_admin_group(harness_factory)
    harness_factory.allow_rejected_requests = True  # the refused preview is the subject
    database_url = harness_factory.database_url
    await _reply(admin_chat, "/broadcast", "send the message for broadcast #")
    card = await _send_photo(admin_chat, png(), "Autumn offer", "Broadcast draft #")
    broadcast_id = _draft_id(card)
    # The photo Telegram no longer knows (a file id from another bot, say).
    engine = create_engine(database_url)
    async with create_session_factory(engine)() as session:
        await session.execute(
            update(Broadcast)
            .where(Broadcast.id == broadcast_id)
            .values(photo_file_id="no-such-file")
        )
        await session.commit()
    await engine.dispose()

    await admin_chat.press(card, "Preview")
    refused = await admin_chat.wait_text("Telegram refused the preview", after=card["message_id"])
    assert "Nothing was sent" in refused["text"] and _labels(refused) == ["◀ Back to draft"]
    await admin_chat.press(refused, "Back to draft")
    await admin_chat.client.wait_for_edit(
        admin_chat.chat_id, refused["message_id"], f"Broadcast draft #{broadcast_id}"
    )


async def test_send_under_a_preview_of_an_older_draft_is_refused(
    harness_factory: HarnessFactory,
) -> None:
    harness, admin_chat = await bot_with_admin_group(harness_factory)
    await _started(harness, new_user("en", "Reader"))
    card = await _new_draft(admin_chat, "Version one")
    broadcast_id = _draft_id(card)
    _, old_confirm = await _preview(admin_chat, card, "exactly as users will see it")
    await admin_chat.press(card, "Edit text")  # another admin, say, changes it meanwhile
    await _reply(admin_chat, "Version two", "Broadcast draft #")

    answer = await admin_chat.press(old_confirm, "Send to")
    assert answer["show_alert"] and "changed after this preview" in answer["text"]
    draft = await _draft(harness_factory.database_url, broadcast_id)
    assert draft is not None and draft.status == "draft"
