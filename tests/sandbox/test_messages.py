"""Stateful messages, edits, files, forum topics, faults and blocked users."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from sandbox import SandboxClient

NewUser = Callable[..., dict[str, Any]]


def keyboard(*labels: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=label, callback_data=label)] for label in labels
        ]
    )


async def test_sent_messages_appear_in_the_chat_view(
    bot: Bot, client: SandboxClient, new_user: NewUser
) -> None:
    user = new_user()
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(user["id"], "before the user wrote")
    sent = await client.send_text(user["id"], user, "hello")
    await bot.send_chat_action(user["id"], "typing")
    assert (await client.chat_view(user["id"]))["chat_action"]["action"] == "typing"
    reply = await bot.send_message(
        user["id"], "<b>Hi</b> &amp; <i>welcome</i>", parse_mode="HTML", reply_markup=keyboard("A")
    )
    [seen] = await client.wait_for_bot_messages(user["id"], after=sent["message"]["message_id"])
    assert seen["message_id"] == reply.message_id == 2
    assert seen["text"] == "Hi & welcome" and seen["raw_text"] == "<b>Hi</b> &amp; <i>welcome</i>"
    assert [entity["type"] for entity in seen["entities"]] == ["bold", "italic"]
    assert seen["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "A"
    view = await client.chat_view(user["id"])
    assert view["chat_action"] is None, "a sent message ends the typing status"
    await bot.send_message(
        user["id"],
        "Pick",
        reply_markup=ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text="Yes")]]),
    )
    assert (await client.chat_view(user["id"]))["reply_keyboard"]["keyboard"][0][0]["text"] == "Yes"
    await bot.send_message(user["id"], "Removed", reply_markup=ReplyKeyboardRemove())
    assert (await client.chat_view(user["id"]))["reply_keyboard"] is None
    chats = await client.chats()
    assert [chat["id"] for chat in chats] == [user["id"]]


async def test_wait_for_bot_messages_fails_with_the_transcript(
    bot: Bot, client: SandboxClient, new_user: NewUser
) -> None:
    user = new_user()
    await client.send_text(user["id"], user, "anyone there?")
    with pytest.raises(AssertionError, match="anyone there"):
        await client.wait_for_bot_messages(user["id"], after=1, timeout=0.3)


async def test_edit_and_delete_semantics(
    bot: Bot, client: SandboxClient, new_user: NewUser
) -> None:
    user = new_user()
    await client.send_text(user["id"], user, "hi")
    message = await bot.send_message(user["id"], "Menu", reply_markup=keyboard("A", "B"))
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            "Menu",
            chat_id=user["id"],
            message_id=message.message_id,
            reply_markup=keyboard("A", "B"),
        )
    edited = await bot.edit_message_text(
        "Settings", chat_id=user["id"], message_id=message.message_id, reply_markup=keyboard("C")
    )
    assert not isinstance(edited, bool) and edited.edit_date is not None
    [view] = await client.wait_for_edit(user["id"], message.message_id, contains="Settings")
    assert view["reply_markup"]["inline_keyboard"] == [[{"text": "C", "callback_data": "C"}]]
    await bot.edit_message_reply_markup(
        chat_id=user["id"], message_id=message.message_id, reply_markup=keyboard("D")
    )
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(
            chat_id=user["id"], message_id=message.message_id, reply_markup=keyboard("D")
        )
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=user["id"], message_id=999)
    with pytest.raises(TelegramBadRequest, match="message can't be edited"):
        await bot.edit_message_text("x", chat_id=user["id"], message_id=1)
    assert await bot.delete_message(user["id"], message.message_id)
    assert [m["message_id"] for m in await client.messages(user["id"])] == [1]
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(user["id"], message.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=user["id"], message_id=message.message_id)
    assert await bot.delete_messages(user["id"], [1, 12345])
    assert await client.messages(user["id"]) == []


async def test_bot_files_round_trip(bot: Bot, client: SandboxClient, new_user: NewUser) -> None:
    user = new_user()
    await client.send_text(user["id"], user, "hi")
    content = bytes(range(256)) * 40
    sent = await bot.send_document(
        user["id"],
        BufferedInputFile(content, "report.pdf"),
        caption="<i>Report</i>",
        parse_mode="HTML",
    )
    assert sent.document and sent.document.file_name == "report.pdf"
    assert sent.document.mime_type == "application/pdf" and sent.caption == "Report"
    file = await bot.get_file(sent.document.file_id)
    assert file.file_size == len(content) and file.file_path
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None and downloaded.read() == content
    again = await bot.send_document(user["id"], sent.document.file_id)  # reuse by file_id
    assert again.document and again.document.file_unique_id == sent.document.file_unique_id
    [view] = (await client.messages(user["id"]))[1:2]
    assert view["media"]["kind"] == "document"
    assert await client.download(view["media"]["url"]) == content
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_photo(user["id"], "no-such-file-id")


async def test_user_voice_note_reaches_the_bot_byte_for_byte(
    bot: Bot, client: SandboxClient, new_user: NewUser
) -> None:
    user = new_user()
    audio = b"OggS" + bytes(range(200)) * 30
    sent = await client.send_file(
        user["id"], user, "voice", audio, "voice.ogg", "audio/ogg", duration=7
    )
    [update] = await bot.get_updates(timeout=1)
    voice = update.message.voice if update.message else None
    assert voice is not None and voice.duration == 7 and voice.mime_type == "audio/ogg"
    assert voice.file_id == sent["message"]["media"]["file_id"]
    file = await bot.get_file(voice.file_id)
    assert file.file_path
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None and downloaded.read() == audio
    photo = await client.send_file(user["id"], user, "photo", b"\x89PNG", "cat.png", "image/png")
    sticker = await client.send_sticker(user["id"], user, emoji="😀")
    updates = await bot.get_updates(offset=update.update_id + 1, timeout=1)
    assert updates[0].message and updates[0].message.photo
    assert updates[0].update_id == photo["update_id"]
    assert updates[1].message and updates[1].message.sticker
    assert updates[1].message.sticker.emoji == "😀" and updates[1].update_id == sticker["update_id"]


async def test_forum_topics(bot: Bot, client: SandboxClient, new_user: NewUser) -> None:
    member = new_user()
    plain = await client.create_group("Plain", [member])
    with pytest.raises(TelegramBadRequest, match="the chat is not a forum"):
        await bot.create_forum_topic(plain["id"], "Topic")
    forum = await client.create_group("Forum", [member], is_forum=True)
    assert forum["id"] < -1_000_000_000_000 and forum["is_forum"]
    topic = await bot.create_forum_topic(forum["id"], "Order #1")
    thread_id = topic.message_thread_id
    sent = await bot.send_message(forum["id"], "In topic", message_thread_id=thread_id)
    assert sent.message_thread_id == topic.message_thread_id and sent.is_topic_message
    user_message = await client.send_text(
        forum["id"], member, "reply", message_thread_id=topic.message_thread_id
    )
    assert user_message["message"]["message_thread_id"] == topic.message_thread_id
    in_thread = await client.messages(forum["id"], thread=topic.message_thread_id)
    assert [m["text"] for m in in_thread] == [None, "In topic", "reply"]  # service msg first
    assert [t["name"] for t in await client.topics(forum["id"])] == ["Order #1"]
    assert await bot.close_forum_topic(forum["id"], topic.message_thread_id)
    # A bot that can manage topics may still write in a closed one (see test_forum.py).
    await bot.send_message(forum["id"], "x", message_thread_id=topic.message_thread_id)
    assert await bot.reopen_forum_topic(forum["id"], topic.message_thread_id)
    assert await bot.edit_forum_topic(forum["id"], topic.message_thread_id, name="Order #1 ✅")
    assert await bot.delete_forum_topic(forum["id"], topic.message_thread_id)
    with pytest.raises(TelegramBadRequest, match="message thread not found"):
        await bot.send_message(forum["id"], "x", message_thread_id=topic.message_thread_id)
    assert await client.topics(forum["id"]) == []
    admins = await bot.get_chat_administrators(forum["id"])
    assert [admin.user.id for admin in admins] == [bot.id]
    no_rights = await client.create_group(
        "No rights", [member], is_forum=True, bot_can_manage_topics=False
    )
    with pytest.raises(TelegramBadRequest, match="not enough rights"):
        await bot.create_forum_topic(no_rights["id"], "Topic")


async def test_faults(bot: Bot, client: SandboxClient, new_user: NewUser) -> None:
    user = new_user()
    await client.send_text(user["id"], user, "hi")
    await client.inject_fault("sendMessage", kind="429", count=1, retry_after=3)
    with pytest.raises(TelegramRetryAfter) as retry:
        await bot.send_message(user["id"], "first")
    assert retry.value.retry_after == 3
    assert "Too Many Requests: retry after 3" in retry.value.message
    await bot.send_message(user["id"], "second")
    await client.inject_fault("sendmessage", kind="502", count=1)
    with pytest.raises(TelegramServerError):
        await bot.send_message(user["id"], "third")
    await client.inject_fault("sendMessage", kind="delay", count=1, delay=0.5)
    started = time.monotonic()
    await bot.send_message(user["id"], "fourth")
    assert time.monotonic() - started >= 0.5
    calls = await client.requests(method="sendMessage")
    assert [call["error_code"] for call in calls] == [429, None, 502, None]
    assert [m["text"] for m in await client.messages(user["id"])] == ["hi", "second", "fourth"]
    await client.inject_fault("getMe", kind="500", count=5)
    await client.clear_faults()
    assert (await bot.get_me()).id == bot.id


async def test_blocked_user(bot: Bot, client: SandboxClient, new_user: NewUser) -> None:
    user = new_user()
    sent = await client.send_text(user["id"], user, "hi")
    blocked = await client.block(user["id"])
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(user["id"], "are you there?")
    updates = await bot.get_updates(offset=sent["update_id"] + 1, timeout=0)
    [update] = updates
    assert update.update_id == blocked["update_id"] and update.my_chat_member
    assert update.my_chat_member.new_chat_member.status == "kicked"
    member = await bot.get_chat_member(user["id"], user["id"])
    assert member.status == "kicked"
    await client.block(user["id"], blocked=False)
    assert await bot.send_message(user["id"], "welcome back")


async def test_commands_and_chat_info(bot: Bot, client: SandboxClient, new_user: NewUser) -> None:
    from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats

    await bot.set_my_commands([BotCommand(command="start", description="Start")])
    await bot.set_my_commands(
        [BotCommand(command="start", description="Старт")], language_code="ru"
    )
    await bot.set_my_commands(
        [BotCommand(command="help", description="Help")], scope=BotCommandScopeAllPrivateChats()
    )
    assert [c["description"] for c in await client.bot_commands()] == ["Start"]
    assert [c["description"] for c in await client.bot_commands(language_code="ru")] == ["Старт"]
    scoped = await client.bot_commands(scope={"type": "all_private_chats"})
    assert [c["command"] for c in scoped] == ["help"]
    assert [c.command for c in await bot.get_my_commands(language_code="ru")] == ["start"]
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Bad Command", description="x")])
    assert await bot.set_my_description("A bot")
    assert (await bot.get_my_description()).description == "A bot"
    user = new_user()
    await client.send_text(user["id"], user, "hi")
    chat = await bot.get_chat(user["id"])
    assert chat.type == "private" and chat.first_name == "Ann"


async def test_chat_page_and_live_view(
    bot: Bot, client: SandboxClient, new_user: NewUser, base_url: str
) -> None:
    async with client.session.get(base_url + "/") as response:
        assert response.status == 200 and "EasyFlow sandbox" in await response.text()
    user = new_user()
    await client.send_text(user["id"], user, "hi")
    message = await bot.send_message(user["id"], "v1")
    view = await client.chat_view(user["id"])
    waiting = asyncio.create_task(client.chat_view(user["id"], version=view["version"], wait=5))
    await asyncio.sleep(0.1)
    assert not waiting.done(), "nothing changed yet"
    await bot.edit_message_text("v2", chat_id=user["id"], message_id=message.message_id)
    changed = await asyncio.wait_for(waiting, 2)
    assert changed["messages"][-1]["text"] == "v2" and changed["messages"][-1]["edited"]


async def test_group_members_join(bot: Bot, client: SandboxClient, new_user: NewUser) -> None:
    owner, newcomer = new_user(), new_user(first_name="Bob")
    group = await client.create_group("Team", [{"user": owner, "status": "creator"}])
    joined = await client.add_member(group["id"], newcomer)
    updates = await bot.get_updates(allowed_updates=["message", "my_chat_member"], timeout=0)
    assert updates[0].my_chat_member is not None  # the bot was added
    assert updates[0].my_chat_member.new_chat_member.status == "administrator"
    service = updates[1].message
    assert service and service.new_chat_members and service.new_chat_members[0].first_name == "Bob"
    assert updates[1].update_id == joined["update_ids"][0]
    member = await bot.get_chat_member(group["id"], owner["id"])
    assert member.status == "creator"
    assert await bot.get_chat_member_count(group["id"]) == 3
