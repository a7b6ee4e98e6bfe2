"""Forum supergroups: topics, their service messages, rights, the bot's membership, reactions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import (
    BufferedInputFile,
    ChatMemberAdministrator,
    ChatMemberMember,
    ChatMemberOwner,
    InputMediaPhoto,
    LabeledPrice,
    ReactionTypeCustomEmoji,
    ReactionTypeEmoji,
    ReplyParameters,
    Update,
)

from sandbox import SandboxClient
from sandbox.client import SandboxError
from sandbox.telegram.spec import load_spec
from tests.sandbox.helpers import raw_call

NewUser = Callable[..., dict[str, Any]]
PNG_1x1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


async def drain(bot: Bot) -> list[Update]:
    """Every pending update, confirmed."""
    updates = await bot.get_updates(timeout=0)
    if updates:
        await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    return updates


def spec_required_fields(type_name: str) -> set[str]:
    spec = load_spec()
    return {name for name, field in spec.types[type_name].fields.items() if field.required}


async def test_topic_lifecycle_and_service_messages(
    bot: Bot, client: SandboxClient, new_user: NewUser
) -> None:
    forum = await client.create_forum("Shop", [new_user()])
    topic = await bot.create_forum_topic(forum["id"], "Order #7", icon_color=16766590)
    assert topic.name == "Order #7" and topic.icon_color == 16766590
    thread = topic.message_thread_id
    assert await bot.edit_forum_topic(forum["id"], thread, name="Order #7 ✅")
    with pytest.raises(TelegramBadRequest, match="TOPIC_NOT_MODIFIED"):
        await bot.edit_forum_topic(forum["id"], thread, name="Order #7 ✅")
    with pytest.raises(TelegramBadRequest, match="TOPIC_NOT_MODIFIED"):
        await bot.edit_forum_topic(forum["id"], thread, name="")  # empty keeps the name
    assert await bot.close_forum_topic(forum["id"], thread)
    with pytest.raises(TelegramBadRequest, match="TOPIC_NOT_MODIFIED"):
        await bot.close_forum_topic(forum["id"], thread)
    assert await bot.reopen_forum_topic(forum["id"], thread)
    [listed] = await client.topics(forum["id"], with_messages=True)
    assert listed["name"] == "Order #7 ✅" and not listed["is_closed"]
    services = [message["service"] for message in listed["messages"]]
    assert services == [
        {"forum_topic_created": {"name": "Order #7", "icon_color": 16766590}},
        {"forum_topic_edited": {"name": "Order #7 ✅"}},
        {"forum_topic_closed": {}},
        {"forum_topic_reopened": {}},
    ]
    assert listed["messages"][0]["message_id"] == thread
    with pytest.raises(TelegramBadRequest, match="TOPIC_COLOR_INVALID"):
        await bot.create_forum_topic(forum["id"], "Bad colour", icon_color=123)
    with pytest.raises(TelegramBadRequest, match="TOPIC_ID_INVALID"):
        await bot.close_forum_topic(forum["id"], 9999)

    await bot.send_message(forum["id"], "inside", message_thread_id=thread)
    assert await bot.delete_forum_topic(forum["id"], thread)
    assert await client.topics(forum["id"]) == []
    view = await client.forum(forum["id"])
    assert view == {"topics": [], "general": []}
    for thread_id in (thread, 4242):
        with pytest.raises(TelegramBadRequest, match="message thread not found"):
            await bot.send_message(forum["id"], "x", message_thread_id=thread_id)
    with pytest.raises(TelegramBadRequest, match="TOPIC_ID_INVALID"):
        await bot.delete_forum_topic(forum["id"], thread)


async def test_errors_outside_forums_and_without_rights(
    bot: Bot, client: SandboxClient, new_user: NewUser
) -> None:
    owner = new_user()
    plain = await client.create_group("Plain", [owner])
    with pytest.raises(TelegramBadRequest, match="Bad Request: the chat is not a forum"):
        await bot.create_forum_topic(plain["id"], "Topic")
    forum = await client.create_forum("Forum", [{"user": owner, "status": "creator"}])
    own = await bot.create_forum_topic(forum["id"], "Mine")
    someone = await client.create_topic(forum["id"], owner, "Theirs")
    theirs = someone["topic"]["message_thread_id"]
    await bot.close_forum_topic(forum["id"], theirs)
    await client.set_bot_rights(forum["id"], owner, can_manage_topics=False)

    with pytest.raises(TelegramBadRequest, match="Bad Request: not enough rights to create"):
        await bot.create_forum_topic(forum["id"], "Topic")
    with pytest.raises(TelegramBadRequest, match="not enough rights to manage topics"):
        await bot.edit_forum_topic(forum["id"], theirs, name="Renamed")
    with pytest.raises(TelegramBadRequest, match="not enough rights to manage topics"):
        await bot.reopen_forum_topic(forum["id"], theirs)
    # An administrator may still manage the topics it created itself.
    assert await bot.edit_forum_topic(forum["id"], own.message_thread_id, name="Still mine")
    # A closed topic is open to those who can manage topics only.
    with pytest.raises(TelegramBadRequest, match="Bad Request: TOPIC_CLOSED"):
        await bot.send_message(forum["id"], "x", message_thread_id=theirs)
    await client.set_bot_rights(forum["id"], owner, can_manage_topics=True)
    sent = await bot.send_message(forum["id"], "admins may", message_thread_id=theirs)
    assert sent.message_thread_id == theirs

    await client.set_bot_rights(forum["id"], owner, can_delete_messages=False)
    with pytest.raises(TelegramBadRequest, match="not enough rights to delete a topic"):
        await bot.delete_forum_topic(forum["id"], theirs)
    member = await client.create_forum("As member", [owner], bot_status="member")
    with pytest.raises(TelegramBadRequest, match="not enough rights to create"):
        await bot.create_forum_topic(member["id"], "Topic")


async def test_thread_on_send_methods(
    bot: Bot, client: SandboxClient, new_user: NewUser, http: aiohttp.ClientSession, base_url: str
) -> None:
    user = new_user()
    await client.send_text(user["id"], user, "hi")
    forum = await client.create_forum("Forum", [user])
    thread = (await bot.create_forum_topic(forum["id"], "Files")).message_thread_id
    photo = BufferedInputFile(PNG_1x1, "dot.png")
    sent = [
        await bot.send_message(forum["id"], "text", message_thread_id=thread),
        await bot.send_photo(forum["id"], photo, message_thread_id=thread),
        await bot.send_document(
            forum["id"], BufferedInputFile(b"doc", "a.txt"), message_thread_id=thread
        ),
        *await bot.send_media_group(
            forum["id"],
            [InputMediaPhoto(media=photo), InputMediaPhoto(media=photo)],
            message_thread_id=thread,
        ),
        await bot.send_invoice(
            forum["id"],
            "Stars",
            "d",
            "payload",
            "XTR",
            [LabeledPrice(label="x", amount=1)],
            message_thread_id=thread,
        ),
        await bot.forward_message(forum["id"], user["id"], 1, message_thread_id=thread),
    ]
    for message in sent:
        assert message.message_thread_id == thread and message.is_topic_message
        assert message.reply_to_message is not None
        assert message.reply_to_message.forum_topic_created is not None
    copied = await bot.copy_message(forum["id"], user["id"], 1, message_thread_id=thread)
    assert await bot.send_chat_action(forum["id"], "typing", message_thread_id=thread)
    [topic] = await client.topics(forum["id"], with_messages=True)
    ids = [message["message_id"] for message in topic["messages"]]
    assert copied.message_id in ids and len(ids) == 1 + len(sent) + 1
    # The General topic: no thread id at all.
    general = await bot.send_message(forum["id"], "general")
    assert general.message_thread_id is None and not general.is_topic_message
    assert [m["text"] for m in (await client.forum(forum["id"]))["general"]] == ["general"]
    # A thread id outside forums is ignored.
    plain = await client.create_group("Plain", [user])
    status, body = await raw_call(
        http, base_url, "sendMessage", chat_id=plain["id"], text="x", message_thread_id=5
    )
    assert status == 200 and "message_thread_id" not in body["result"]


async def test_reply_lands_in_the_replied_topic(
    bot: Bot, client: SandboxClient, new_user: NewUser, http: aiohttp.ClientSession, base_url: str
) -> None:
    member = new_user()
    forum = await client.create_forum("Forum", [member])
    thread = (await bot.create_forum_topic(forum["id"], "Support")).message_thread_id
    asked = await client.send_text(forum["id"], member, "help", message_thread_id=thread)
    question_id = asked["message"]["message_id"]
    answer = await bot.send_message(
        forum["id"], "on it", reply_parameters=ReplyParameters(message_id=question_id)
    )
    assert answer.message_thread_id == thread and answer.is_topic_message
    assert answer.reply_to_message and answer.reply_to_message.message_id == question_id
    status, body = await raw_call(
        http,
        base_url,
        "sendMessage",
        chat_id=forum["id"],
        text="legacy",
        reply_to_message_id=question_id,
    )
    assert status == 200 and body["result"]["message_thread_id"] == thread
    # The member replies without a thread id, as a client would: the reply is in the topic.
    follow_up = await client.send_text(
        forum["id"], member, "thanks", reply_to_message_id=answer.message_id
    )
    assert follow_up["message"]["message_thread_id"] == thread


async def test_updates_from_topics(bot: Bot, client: SandboxClient, new_user: NewUser) -> None:
    member = new_user()
    forum = await client.create_forum("Forum", [member])
    await drain(bot)
    opened = await client.create_topic(forum["id"], member, "Question", icon_color=9367192)
    thread = opened["topic"]["message_thread_id"]
    written = await client.send_text(forum["id"], member, "in the topic", message_thread_id=thread)
    general = await client.send_text(forum["id"], member, "in General")
    created, in_topic, in_general = await drain(bot)
    assert created.update_id == opened["update_id"]
    assert created.message is not None and created.message.forum_topic_created is not None
    assert created.message.forum_topic_created.name == "Question"
    assert created.message.message_thread_id == thread == created.message.message_id
    assert created.message.from_user and created.message.from_user.id == member["id"]
    assert in_topic.update_id == written["update_id"] and in_topic.message is not None
    assert in_topic.message.message_thread_id == thread and in_topic.message.is_topic_message
    assert in_topic.message.reply_to_message is not None
    assert in_topic.message.reply_to_message.message_id == thread
    assert in_general.update_id == general["update_id"] and in_general.message is not None
    assert in_general.message.message_thread_id is None
    assert not in_general.message.is_topic_message and in_general.message.reply_to_message is None
    with pytest.raises(SandboxError, match="message thread not found"):
        await client.send_text(forum["id"], member, "x", message_thread_id=999)
    await bot.close_forum_topic(forum["id"], thread)
    with pytest.raises(SandboxError, match="TOPIC_CLOSED"):
        await client.send_text(forum["id"], member, "x", message_thread_id=thread)


async def test_chat_members(bot: Bot, client: SandboxClient, new_user: NewUser) -> None:
    owner, admin, member = new_user(first_name="Olga"), new_user(), new_user()
    forum = await client.create_forum(
        "Forum",
        [
            {"user": owner, "status": "creator"},
            {"user": admin, "status": "administrator"},
            member,
        ],
    )
    me = await bot.get_chat_member(forum["id"], bot.id)
    assert isinstance(me, ChatMemberAdministrator) and me.can_manage_topics
    assert spec_required_fields("ChatMemberAdministrator") <= set(me.model_dump(exclude_none=True))
    creator = await bot.get_chat_member(forum["id"], owner["id"])
    assert isinstance(creator, ChatMemberOwner) and creator.user.first_name == "Olga"
    plain = await bot.get_chat_member(forum["id"], member["id"])
    assert isinstance(plain, ChatMemberMember)
    admins = await bot.get_chat_administrators(forum["id"])
    assert [(type(a).__name__, a.user.id) for a in admins] == [
        ("ChatMemberOwner", owner["id"]),
        ("ChatMemberAdministrator", admin["id"]),
        ("ChatMemberAdministrator", bot.id),
    ]
    await client.set_bot_rights(forum["id"], owner, can_manage_topics=False)
    me = await bot.get_chat_member(forum["id"], bot.id)
    assert isinstance(me, ChatMemberAdministrator) and me.can_manage_topics is False
    await client.set_bot_rights(forum["id"], owner, status="member")
    assert isinstance(await bot.get_chat_member(forum["id"], bot.id), ChatMemberMember)
    assert [a.user.id for a in await bot.get_chat_administrators(forum["id"])] == [
        owner["id"],
        admin["id"],
    ]


async def test_bot_membership_updates(bot: Bot, client: SandboxClient, new_user: NewUser) -> None:
    owner = new_user()
    forum = await client.create_forum(
        "Forum", [{"user": owner, "status": "creator"}], bot_status="left"
    )
    assert await drain(bot) == []
    with pytest.raises(TelegramForbiddenError, match="bot is not a member of the supergroup"):
        await bot.send_message(forum["id"], "x")

    added = await client.add_bot_to_group(forum["id"], owner)
    joined, welcome = await drain(bot)
    assert [joined.update_id, welcome.update_id] == added["update_ids"]
    change = joined.my_chat_member
    assert change is not None and change.from_user.id == owner["id"]
    assert change.old_chat_member.status == "left" and change.new_chat_member.status == "member"
    assert change.chat.is_forum
    assert welcome.message and welcome.message.new_chat_members
    assert welcome.message.new_chat_members[0].id == bot.id
    await bot.send_message(forum["id"], "hello")

    await client.set_bot_rights(forum["id"], owner, can_manage_topics=True)
    [promoted] = await drain(bot)
    assert promoted.my_chat_member is not None
    new = promoted.my_chat_member.new_chat_member
    assert isinstance(new, ChatMemberAdministrator) and new.can_manage_topics
    assert promoted.my_chat_member.old_chat_member.status == "member"
    await bot.create_forum_topic(forum["id"], "Now I can")

    await client.set_bot_rights(forum["id"], owner, status="member")
    [demoted] = await drain(bot)
    assert demoted.my_chat_member is not None
    assert demoted.my_chat_member.old_chat_member.status == "administrator"
    assert demoted.my_chat_member.new_chat_member.status == "member"
    with pytest.raises(SandboxError, match="already has this status"):
        await client.set_bot_rights(forum["id"], owner, status="member")

    await client.remove_bot(forum["id"], owner)
    [removed] = await drain(bot)
    assert removed.my_chat_member is not None
    assert removed.my_chat_member.new_chat_member.status == "kicked"
    with pytest.raises(
        TelegramForbiddenError, match="Forbidden: bot was kicked from the supergroup chat"
    ):
        await bot.send_message(forum["id"], "x")
    group = await client.create_group("Basic", [owner], supergroup=False)
    await client.remove_bot(group["id"], owner)
    with pytest.raises(TelegramForbiddenError, match="bot was kicked from the group chat"):
        await bot.send_message(group["id"], "x")
    with pytest.raises(TelegramBadRequest, match="Bad Request: chat not found"):
        await bot.send_message(-1009999999999, "x")


async def test_message_reactions(
    bot: Bot, client: SandboxClient, new_user: NewUser, http: aiohttp.ClientSession, base_url: str
) -> None:
    member = new_user()
    forum = await client.create_forum("Forum", [member])
    thread = (await bot.create_forum_topic(forum["id"], "T")).message_thread_id
    written = await client.send_text(forum["id"], member, "great", message_thread_id=thread)
    message_id = written["message"]["message_id"]
    assert await bot.set_message_reaction(
        forum["id"], message_id, [ReactionTypeEmoji(emoji="👍")], is_big=True
    )
    [view] = [m for m in await client.messages(forum["id"]) if m["message_id"] == message_id]
    assert view["reactions"] == [
        {"actor_id": bot.id, "reaction": [{"type": "emoji", "emoji": "👍"}]}
    ]
    with pytest.raises(TelegramBadRequest, match="REACTION_INVALID"):
        await bot.set_message_reaction(forum["id"], message_id, [ReactionTypeEmoji(emoji="🐍")])
    with pytest.raises(TelegramBadRequest, match="REACTIONS_TOO_MANY"):
        await bot.set_message_reaction(
            forum["id"], message_id, [ReactionTypeEmoji(emoji="👍"), ReactionTypeEmoji(emoji="🔥")]
        )
    with pytest.raises(TelegramBadRequest, match="REACTION_INVALID"):
        await bot.set_message_reaction(
            forum["id"],
            message_id,
            [ReactionTypeCustomEmoji(custom_emoji_id="5368324170671202286")],
        )
    with pytest.raises(TelegramBadRequest, match="message to react not found"):
        await bot.set_message_reaction(forum["id"], 9999, [ReactionTypeEmoji(emoji="👍")])
    status, body = await raw_call(
        http,
        base_url,
        "setMessageReaction",
        chat_id=forum["id"],
        message_id=message_id,
        reaction=[{"type": "sticker", "emoji": "👍"}],
    )
    assert status == 400 and body["description"].startswith("Bad Request: ")
    assert await bot.set_message_reaction(forum["id"], message_id, [])
    [view] = [m for m in await client.messages(forum["id"]) if m["message_id"] == message_id]
    assert view["reactions"] == []


async def test_general_topic_and_the_chat_page(
    bot: Bot, client: SandboxClient, new_user: NewUser, http: aiohttp.ClientSession, base_url: str
) -> None:
    member = new_user()
    forum = await client.create_forum("Forum", [member])
    thread = (await bot.create_forum_topic(forum["id"], "T")).message_thread_id
    await bot.send_message(forum["id"], "in T", message_thread_id=thread)
    await bot.send_message(forum["id"], "in General")
    # The page writes to the General topic as thread 1 and reads it back the same way.
    written = await client.send_text(forum["id"], member, "me too", message_thread_id=1)
    assert written["message"]["message_thread_id"] is None
    general = await client.messages(forum["id"], thread=1)
    assert [m["text"] for m in general] == ["in General", "me too"]
    async with http.get(f"{base_url}/") as response:
        assert response.status == 200
        page = await response.text()
    assert 'id="topics"' in page and 'id="topics-back"' in page
    assert "/topics?messages=1" in page and "+ New topic" in page
    assert "forum_topic_closed" in page and "message_thread_id" in page
