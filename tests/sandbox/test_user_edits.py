"""Users edit their own messages (``edited_message`` updates) and anonymous group admins post
on behalf of the group (``from`` GroupAnonymousBot, ``sender_chat`` the group)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
from aiogram import Bot

from sandbox import SandboxClient
from sandbox.client import SandboxError
from tests.sandbox.helpers import png, raw_call

NewUser = Callable[..., dict[str, Any]]
GROUP_ANONYMOUS_BOT = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}


async def updates_after(
    http: aiohttp.ClientSession, base_url: str, update_id: int, **params: Any
) -> list[dict[str, Any]]:
    """The raw JSON updates from ``update_id`` on, as getUpdates delivers them."""
    status, body = await raw_call(
        http, base_url, "getUpdates", offset=update_id, timeout=0, **params
    )
    assert status == 200 and body["ok"], body
    return body["result"]


async def test_a_user_edits_a_text_message_in_a_private_chat(
    bot: Bot,
    client: SandboxClient,
    new_user: NewUser,
    http: aiohttp.ClientSession,
    base_url: str,
) -> None:
    user = new_user()
    sent = await client.send_text(user["id"], user, "helo")
    original = sent["message"]
    assert original["edited"] is False and original["edit_date"] is None

    edited = await client.edit_text(user["id"], user, original["message_id"], "/start hello")
    assert edited["update_id"] > sent["update_id"]
    view = edited["message"]
    assert view["text"] == "/start hello" and view["edited"] is True
    assert view["edit_date"] >= view["date"] == original["date"]
    [listed] = await client.messages(user["id"])
    assert listed["text"] == "/start hello" and listed["edited"]

    first, second = await updates_after(http, base_url, sent["update_id"])
    assert first["message"]["text"] == "helo" and "edit_date" not in first["message"]
    assert second["update_id"] == edited["update_id"] and set(second) == {
        "update_id",
        "edited_message",
    }
    message = second["edited_message"]
    assert message["message_id"] == original["message_id"]
    assert message["chat"] == {
        "id": user["id"],
        "type": "private",
        "first_name": user["first_name"],
    }
    assert message["from"]["id"] == user["id"] and message["date"] == original["date"]
    assert message["edit_date"] == view["edit_date"] and message["text"] == "/start hello"
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]

    # aiogram parses it as an edited message too.
    [update] = await bot.get_updates(offset=edited["update_id"], timeout=0)
    assert update.edited_message is not None and update.message is None
    assert update.edited_message.text == "/start hello"
    assert update.edited_message.edit_date is not None


async def test_edited_message_is_a_default_update_kind_that_allowed_updates_can_drop(
    bot: Bot,
    client: SandboxClient,
    new_user: NewUser,
    http: aiohttp.ClientSession,
    base_url: str,
) -> None:
    user = new_user()
    sent = await client.send_text(user["id"], user, "one")
    edited = await client.edit_text(user["id"], user, sent["message"]["message_id"], "two")
    only_messages = await updates_after(
        http, base_url, sent["update_id"], allowed_updates=["message"]
    )
    assert [update["update_id"] for update in only_messages] == [sent["update_id"]]
    everything = await updates_after(http, base_url, sent["update_id"], allowed_updates=[])
    assert [update["update_id"] for update in everything] == [
        sent["update_id"],
        edited["update_id"],
    ]


async def test_an_edit_in_a_forum_topic_keeps_the_topic(
    bot: Bot,
    client: SandboxClient,
    new_user: NewUser,
    http: aiohttp.ClientSession,
    base_url: str,
) -> None:
    user = new_user()
    forum = await client.create_forum("Shop", [user])
    topic = await bot.create_forum_topic(forum["id"], "Order #7")
    sent = await client.send_text(
        forum["id"], user, "where is it?", message_thread_id=topic.message_thread_id
    )
    edited = await client.edit_text(
        forum["id"], user, sent["message"]["message_id"], "where is my order?"
    )
    assert edited["message"]["message_thread_id"] == topic.message_thread_id
    [update] = await updates_after(http, base_url, edited["update_id"])
    message = update["edited_message"]
    assert message["message_id"] == sent["message"]["message_id"]
    assert message["message_thread_id"] == topic.message_thread_id
    assert message["is_topic_message"] is True
    assert message["chat"]["id"] == forum["id"] and message["chat"]["is_forum"] is True
    assert message["text"] == "where is my order?" and "entities" not in message
    topics = await client.topics(forum["id"], with_messages=True)
    [shown] = [
        view for view in topics[0]["messages"] if view["message_id"] == message["message_id"]
    ]
    assert shown["edited"] and shown["text"] == "where is my order?"


async def test_a_user_edits_a_caption(
    bot: Bot,
    client: SandboxClient,
    new_user: NewUser,
    http: aiohttp.ClientSession,
    base_url: str,
) -> None:
    user = new_user()
    sent = await client.send_file(
        user["id"], user, "photo", png(4, 3), "p.png", "image/png", caption="old"
    )
    message_id = sent["message"]["message_id"]
    with pytest.raises(SandboxError) as refused:
        await client.edit_text(user["id"], user, message_id, "text of a photo?")
    assert refused.value.status == 400 and "no text" in refused.value.message
    edited = await client.edit_caption(user["id"], user, message_id, "new caption")
    assert edited["message"]["caption"] == "new caption" and edited["message"]["edited"]
    [update] = await updates_after(http, base_url, edited["update_id"])
    message = update["edited_message"]
    assert message["caption"] == "new caption" and message["photo"][0]["width"] == 4
    assert "text" not in message and "edit_date" in message

    text = await client.send_text(user["id"], user, "plain")
    with pytest.raises(SandboxError) as refused:
        await client.edit_caption(user["id"], user, text["message"]["message_id"], "caption?")
    assert refused.value.status == 400 and "no caption" in refused.value.message


async def test_edits_are_refused_to_others_and_for_missing_or_unchanged_messages(
    bot: Bot, client: SandboxClient, new_user: NewUser
) -> None:
    author, other = new_user(), new_user(first_name="Bob")
    group = await client.create_group("Team", [author, other])
    sent = await client.send_text(group["id"], author, "mine")
    message_id = sent["message"]["message_id"]
    reply = await bot.send_message(group["id"], "the bot's")
    pending = (await client.bot_info())["pending_update_count"]

    async def refused(chat_id: int, user: dict[str, Any], target: int, **body: Any) -> SandboxError:
        with pytest.raises(SandboxError) as error:
            await client._request(
                "POST", f"/chats/{chat_id}/messages/{target}/edit", json_body={"from": user, **body}
            )
        return error.value

    error = await refused(group["id"], other, message_id, text="not yours")
    assert error.status == 403 and "not the author" in error.message
    error = await refused(group["id"], author, reply.message_id, text="the bot's, edited")
    assert error.status == 403
    error = await refused(group["id"], author, 999, text="nothing there")
    assert error.status == 400 and "not found" in error.message
    error = await refused(group["id"], author, message_id, text="mine")
    assert error.status == 400 and "not modified" in error.message
    error = await refused(group["id"], author, message_id, text="  ")
    assert error.status == 400
    error = await refused(group["id"], author, message_id)
    assert error.status == 400 and "either" in error.message
    error = await refused(group["id"], author, message_id, text="a", caption="b")
    assert error.status == 400
    await bot.delete_message(group["id"], message_id)
    error = await refused(group["id"], author, message_id, text="deleted")
    assert error.status == 400
    assert (await client.bot_info())["pending_update_count"] == pending, "no update for refusals"
    updates = await bot.get_updates(timeout=0)
    assert not [update for update in updates if update.edited_message is not None]


async def test_an_anonymous_admin_posts_on_behalf_of_the_group(
    bot: Bot,
    client: SandboxClient,
    new_user: NewUser,
    http: aiohttp.ClientSession,
    base_url: str,
) -> None:
    owner, admin = new_user(first_name="Olga"), new_user(first_name="Ivan")
    forum = await client.create_forum(
        "Shop",
        [{"user": owner, "status": "creator"}, {"user": admin, "status": "administrator"}],
    )
    topic = await bot.create_forum_topic(forum["id"], "Support")
    sent = await client.send_text(
        forum["id"],
        admin,
        "/help",
        message_thread_id=topic.message_thread_id,
        anonymous=True,
    )
    view = sent["message"]
    assert view["from"] == GROUP_ANONYMOUS_BOT and view["sender_chat"]["id"] == forum["id"]
    [update] = await updates_after(http, base_url, sent["update_id"])
    message = update["message"]
    assert message["from"] == GROUP_ANONYMOUS_BOT
    assert message["sender_chat"] == {
        "id": forum["id"],
        "type": "supergroup",
        "title": "Shop",
        "is_forum": True,
    }
    assert message["chat"] == message["sender_chat"]
    assert message["message_thread_id"] == topic.message_thread_id
    assert message["is_topic_message"] is True
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 5}]
    assert "Shop: /help" in await client.transcript(forum["id"])

    # aiogram sees the fake sender and the sender chat.
    [parsed] = await bot.get_updates(offset=sent["update_id"], timeout=0)
    assert parsed.message is not None and parsed.message.from_user is not None
    assert parsed.message.from_user.id == 1087968824
    assert parsed.message.sender_chat is not None and parsed.message.sender_chat.id == forum["id"]

    # The creator may post anonymously too; the hidden author (only) edits the post.
    by_owner = await client.send_text(forum["id"], owner, "hello all", anonymous=True)
    assert by_owner["message"]["from"] == GROUP_ANONYMOUS_BOT
    with pytest.raises(SandboxError) as refused:
        await client.edit_text(forum["id"], admin, by_owner["message"]["message_id"], "hi")
    assert refused.value.status == 403
    edited = await client.edit_text(forum["id"], admin, view["message_id"], "/help orders")
    [update] = await updates_after(http, base_url, edited["update_id"])
    assert update["edited_message"]["from"] == GROUP_ANONYMOUS_BOT
    assert update["edited_message"]["sender_chat"]["id"] == forum["id"]
    assert update["edited_message"]["text"] == "/help orders"

    # Forwarded, the post comes from the group, not from a user.
    await client.send_text(owner["id"], owner, "/start")
    forwarded = await bot.forward_message(owner["id"], forum["id"], view["message_id"])
    assert forwarded.forward_origin is not None and forwarded.forward_origin.type == "chat"


async def test_anonymous_posts_are_refused_to_members_and_in_private_chats(
    bot: Bot, client: SandboxClient, new_user: NewUser
) -> None:
    admin, member, stranger = new_user(), new_user(), new_user()
    group = await client.create_group(
        "Plain", [{"user": admin, "status": "administrator"}, member], supergroup=False
    )
    for user in (member, stranger):
        with pytest.raises(SandboxError) as refused:
            await client.send_text(group["id"], user, "psst", anonymous=True)
        assert refused.value.status == 403
        assert "only administrators post anonymously" in refused.value.message
    chat = await client.chat(group["id"])
    assert stranger["id"] not in [entry["user"]["id"] for entry in chat["members"]]
    with pytest.raises(SandboxError) as refused:
        await client.send_text(admin["id"], admin, "alone", anonymous=True)
    assert refused.value.status == 400
    sent = await client.send_text(group["id"], admin, "ok", anonymous=True)
    assert sent["message"]["sender_chat"] == {"id": group["id"], "type": "group", "title": "Plain"}
    plain = await client.send_text(group["id"], admin, "as myself")
    assert plain["message"]["from"]["id"] == admin["id"] and plain["message"]["sender_chat"] is None

    # A multipart message can be anonymous too.
    form = aiohttp.FormData()
    form.add_field("from", json.dumps(admin))
    form.add_field("anonymous", "true")
    form.add_field("document", b"data", filename="a.txt", content_type="text/plain")
    document = await client._request("POST", f"/chats/{group['id']}/messages", data=form)
    assert document["message"]["from"] == GROUP_ANONYMOUS_BOT
    updates = await bot.get_updates(timeout=0)
    senders = [update.message.from_user.id for update in updates if update.message]
    assert senders[-3:] == [1087968824, admin["id"], 1087968824]
