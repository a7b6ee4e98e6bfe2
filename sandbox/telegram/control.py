"""Control API (``/sandbox/api/...``): the user's side of Telegram, plus inspection and faults.

Every route answers JSON; errors are ``{"error": "<text>"}`` with HTTP 400 or 404. Routes that
act on "the bot" use the bot given by a ``bot_id`` query parameter (or JSON field), otherwise
the bot that most recently called the Bot API (state created before any bot connected is
handed to the first bot that does). A user call without ``from`` comes from the user the chat
page acts as (``PUT /sandbox/api/identity``, see :mod:`sandbox.telegram.page`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import mimetypes
import re
import secrets
import time
from pathlib import Path
from typing import Any

from aiohttp import web

from sandbox.control import ControlError, control_int, control_json
from sandbox.telegram.botapi import BotApi, file_response, thread_of_reply
from sandbox.telegram.formatting import utf16_length
from sandbox.telegram.limits import RateLimits
from sandbox.telegram.media import (
    TIMED_KINDS,
    image_size,
    is_ogg_opus,
    media_duration,
    transcode_to_ogg_opus,
    whole_seconds,
)
from sandbox.telegram.render import (
    bot_member,
    chat_member,
    chat_to_view,
    message_to_api,
    message_to_view,
)
from sandbox.telegram.state import (
    GROUP_ANONYMOUS_BOT,
    BotState,
    CallbackRecord,
    Chat,
    Fault,
    PreCheckoutRecord,
    StoredMessage,
    World,
    now,
)

BOT_STATUSES = frozenset({"member", "administrator", "left", "kicked"})
USER_MEDIA_KINDS = ("voice", "audio", "document", "photo", "video", "video_note", "sticker")
DEFAULT_PAYMENT_TIMEOUT = 10.0
MAX_WAIT_SECONDS = 60.0
FAULT_KINDS = {"429", "500", "502", "delay"}
ADMIN_STATUSES = frozenset({"creator", "administrator"})
# Media whose messages carry no caption in Telegram.
CAPTIONLESS_MEDIA = frozenset({"sticker", "video_note"})


def _duration(value: Any) -> int:
    """A duration in whole seconds; browsers may send fractions (rounded, like Telegram)."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise ControlError(400, "duration must be a number of seconds") from None
    if not 0 <= seconds < 10**7:
        raise ControlError(400, "duration must be a number of seconds")
    return whole_seconds(seconds)


def _flag(value: Any, name: str) -> bool:
    """A boolean from JSON (true/false) or a form field ("true"/"false", "1"/"0")."""
    if value is None or isinstance(value, bool):
        return bool(value)
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"", "0", "false", "no", "off"}:
        return False
    raise ControlError(400, f"{name} must be true or false")


def _wait_seconds(request: web.Request) -> float:
    try:
        wait = float(request.query.get("wait", "0"))
    except ValueError:
        raise ControlError(400, "wait must be a number") from None
    return max(0.0, min(wait, MAX_WAIT_SECONDS))


class ControlApi:
    def __init__(self, world: World, bot_api: BotApi) -> None:
        self.world = world
        self.bot_api = bot_api

    def routes(self) -> list[web.RouteDef]:
        prefix = "/sandbox/api"
        return [
            web.get(f"{prefix}/bot", self.get_bot),
            web.get(f"{prefix}/bot/commands", self.get_commands),
            web.get(f"{prefix}/chats", self.list_chats),
            web.post(f"{prefix}/chats", self.create_chat),
            web.get(f"{prefix}/chats/{{chat_id}}", self.get_chat),
            web.post(f"{prefix}/chats/{{chat_id}}/members", self.add_member),
            web.get(f"{prefix}/chats/{{chat_id}}/messages", self.list_messages),
            web.post(f"{prefix}/chats/{{chat_id}}/messages", self.send_user_message),
            web.post(
                f"{prefix}/chats/{{chat_id}}/messages/{{message_id}}/edit",
                self.edit_user_message,
            ),
            web.get(f"{prefix}/chats/{{chat_id}}/topics", self.list_topics),
            web.post(f"{prefix}/chats/{{chat_id}}/topics", self.create_topic),
            web.post(f"{prefix}/chats/{{chat_id}}/bot", self.set_bot_membership),
            web.post(f"{prefix}/chats/{{chat_id}}/callbacks", self.press_button),
            web.get(f"{prefix}/callbacks/{{callback_query_id}}", self.get_callback),
            web.post(f"{prefix}/chats/{{chat_id}}/payments", self.pay),
            web.post(f"{prefix}/chats/{{chat_id}}/payments/repeat", self.repeat_payment),
            web.get(f"{prefix}/payments", self.list_payments),
            web.get(f"{prefix}/files/{{file_id}}", self.download_file),
            web.get(f"{prefix}/requests", self.list_requests),
            web.delete(f"{prefix}/requests", self.clear_requests),
            web.get(f"{prefix}/faults", self.list_faults),
            web.post(f"{prefix}/faults", self.add_fault),
            web.delete(f"{prefix}/faults", self.clear_faults),
            web.post(f"{prefix}/users/{{user_id}}/block", self.block_user),
            web.post(f"{prefix}/users/{{user_id}}/delete", self.delete_user),
            web.post(f"{prefix}/users", self.add_users),
            web.get(f"{prefix}/limits", self.get_limits),
            web.put(f"{prefix}/limits", self.set_limits),
        ]

    # ---------------------------------------------------------------- helpers
    def _bot(self, request: web.Request, body: dict[str, Any] | None = None) -> BotState:
        raw = request.query.get("bot_id") or (body or {}).get("bot_id")
        return self.world.bot_for_control(control_int(raw, "bot_id") if raw is not None else None)

    def _chat(self, bot: BotState, request: web.Request) -> Chat:
        chat_id = control_int(request.match_info["chat_id"], "chat_id")
        chat = bot.chats.get(chat_id)
        if chat is None:
            raise ControlError(404, f"chat {chat_id} not found")
        return chat

    def _user(self, raw: Any) -> dict[str, Any]:
        """The user of a ``from`` field; without one, the user the chat page acts as (set by
        ``PUT /sandbox/api/identity``), so the page's calls come from whoever it shows."""
        if raw is None and self.world.page_user is not None:
            return self.world.remember_user(self.world.page_user)
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except ValueError:
                raise ControlError(400, "from must be a JSON user object") from None
        if not isinstance(raw, dict) or "id" not in raw:
            raise ControlError(400, 'a user object with "id" is required in "from"')
        control_int(raw["id"], "from.id")
        return self.world.remember_user(raw)

    def _private_chat(self, bot: BotState, user: dict[str, Any]) -> Chat:
        chat = bot.chats.get(user["id"])
        if chat is None:
            chat = Chat(
                id=user["id"],
                type="private",
                first_name=user["first_name"],
                last_name=user.get("last_name"),
                username=user.get("username"),
                bot_status="member",
            )
            bot.chats[chat.id] = chat
        return chat

    def _chat_for_sender(
        self, bot: BotState, request: web.Request, user: dict[str, Any], anonymous: bool = False
    ) -> Chat:
        chat_id = control_int(request.match_info["chat_id"], "chat_id")
        if chat_id == user["id"]:
            if anonymous:
                raise ControlError(400, "anonymous messages exist only in groups")
            return self._private_chat(bot, user)
        chat = bot.chats.get(chat_id)
        if chat is None:
            raise ControlError(404, f"chat {chat_id} not found (create groups first)")
        if chat.type == "private":
            raise ControlError(400, "only the chat's own user can write to a private chat")
        if anonymous and chat.members.get(user["id"]) not in ADMIN_STATUSES:
            raise ControlError(
                403,
                f"only administrators post anonymously: user {user['id']} is "
                f"{chat.members.get(user['id'], 'not a member')} of chat {chat.id}",
            )
        join(chat, user)
        return chat

    def _add_user_message(
        self,
        bot: BotState,
        chat: Chat,
        user: dict[str, Any],
        anonymous: bool = False,
        **content: Any,
    ) -> tuple[StoredMessage, int]:
        """Stores a message from a user and queues the ``message`` update for the bot. An
        ``anonymous`` message (an administrator's, checked by the caller) is sent on behalf of
        the group: ``from`` is GroupAnonymousBot and ``sender_chat`` the group."""
        if chat.type == "private" and chat.id in bot.blocked_by:
            # Writing to a blocked bot means restarting it, which unblocks it in Telegram.
            self._set_blocked(bot, chat, user, blocked=False)
        thread_id = content.pop("message_thread_id", None)
        reply_to = content.pop("reply_to_message_id", None)
        if reply_to is not None:
            replied = chat.messages.get(reply_to)
            if replied is None or replied.deleted:
                raise ControlError(400, "message to be replied not found")
            # A reply lands in the replied message's topic, as in Telegram clients.
            thread_id = thread_of_reply(chat, thread_id, reply_to)
        if thread_id == 1 and chat.is_forum:
            thread_id = None  # the General topic
        if thread_id is not None and chat.is_forum:
            topic = chat.topics.get(thread_id)
            if topic is None or topic.is_deleted:
                raise ControlError(400, "message thread not found")
            if topic.is_closed and chat.members.get(user["id"]) not in {"creator", "administrator"}:
                raise ControlError(400, "TOPIC_CLOSED: only administrators write in closed topics")
        elif not chat.is_forum and chat.type != "private":
            thread_id = None
        text = content.get("text")
        if text is not None and not content.get("entities"):
            content["entities"] = command_entities(text)
        if anonymous:
            content.update(sender_chat=chat.to_api(), author_id=user["id"])
        message = StoredMessage(
            message_id=chat.allocate_message_id(),
            chat_id=chat.id,
            sender=dict(GROUP_ANONYMOUS_BOT) if anonymous else user,
            from_bot=False,
            date=now(),
            message_thread_id=thread_id,
            reply_to_message_id=reply_to,
            **content,
        )
        chat.messages[message.message_id] = message
        keyboard = chat.reply_keyboard
        if keyboard and keyboard.get("one_time_keyboard"):
            chat.reply_keyboard = None
        update_id = bot.add_update("message", message_to_api(chat, message))
        self.world.changed.notify()
        return message, update_id

    def _set_blocked(self, bot: BotState, chat: Chat, user: dict[str, Any], blocked: bool) -> int:
        if blocked:
            bot.blocked_by.add(user["id"])
        else:
            bot.blocked_by.discard(user["id"])
        old, new = ("member", "kicked") if blocked else ("kicked", "member")
        update_id = bot.add_update(
            "my_chat_member",
            {
                "chat": chat.to_api(),
                "from": user,
                "date": now(),
                "old_chat_member": chat_member(bot.user, old),
                "new_chat_member": chat_member(bot.user, new),
            },
        )
        self.world.changed.notify()
        return update_id

    # ------------------------------------------------------------------- bots
    async def get_bot(self, request: web.Request) -> web.Response:
        """``GET /sandbox/api/bot`` → ``{"bot": User, "webhook": {...}|null,
        "pending_update_count": int, "webhook_deliveries": [...], "bots": [ids]}``."""
        bot = self._bot(request)
        webhook = bot.webhook
        return web.json_response(
            {
                "bot": bot.user,
                "webhook": None
                if webhook is None
                else {
                    "url": webhook.url,
                    "has_secret_token": bool(webhook.secret_token),
                    "last_error_date": webhook.last_error_date,
                    "last_error_message": webhook.last_error_message,
                },
                "pending_update_count": len(bot.pending_updates()),
                "webhook_deliveries": bot.webhook_deliveries[-100:],
                "bots": sorted(self.world.bots),
            }
        )

    async def get_commands(self, request: web.Request) -> web.Response:
        """``GET /sandbox/api/bot/commands?language_code=ru&scope=<json>`` →
        ``{"commands": [BotCommand], "all": [{"scope", "language_code", "commands"}]}``.
        The default scope is ``{"type": "default"}``, the default language is ``""``."""
        bot = self._bot(request)
        scope_raw = request.query.get("scope")
        try:
            scope = json.loads(scope_raw) if scope_raw else {"type": "default"}
        except ValueError:
            raise ControlError(400, "scope must be JSON") from None
        key = (json.dumps(scope, sort_keys=True), request.query.get("language_code", ""))
        return web.json_response(
            {
                "commands": bot.commands.get(key, []),
                "all": [
                    {"scope": json.loads(scope_key), "language_code": language, "commands": cmds}
                    for (scope_key, language), cmds in bot.commands.items()
                ],
            }
        )

    # ------------------------------------------------------------------ chats
    async def list_chats(self, request: web.Request) -> web.Response:
        """``GET /sandbox/api/chats`` → ``{"chats": [chat view]}``; a chat view is the Bot API
        Chat plus ``members``, ``bot_status``, ``topics``, ``last_message``, ``blocked``."""
        bot = self._bot(request)
        chats = [chat_to_view(bot, chat, self.world.users) for chat in bot.chats.values()]
        return web.json_response({"chats": chats})

    async def get_chat(self, request: web.Request) -> web.Response:
        """``GET /sandbox/api/chats/{chat_id}`` → chat view."""
        bot = self._bot(request)
        return web.json_response(chat_to_view(bot, self._chat(bot, request), self.world.users))

    async def create_chat(self, request: web.Request) -> web.Response:
        """``POST /sandbox/api/chats`` ``{"title", "type": "group"|"supergroup",
        "is_forum": bool, "members": [User | {"user": User, "status"}], "id"?: int,
        "username"?: str, "bot_status"?: "administrator"|"member"|"left",
        "bot_can_manage_topics"?: bool, "bot_can_delete_messages"?: bool}`` → chat view. The
        bot joins as an administrator (with can_manage_topics and can_delete_messages) unless
        told otherwise, and gets a ``my_chat_member`` update from the first member (none when
        the bot is "left": add it later with ``POST /chats/{chat_id}/bot``). A forum is a
        supergroup with ``is_forum``; a member with status "creator" is its owner."""
        body = await control_json(request)
        bot = self._bot(request, body)
        chat_type = body.get("type", "supergroup")
        if chat_type not in {"group", "supergroup"}:
            raise ControlError(400, "type must be group or supergroup")
        is_forum = bool(body.get("is_forum", False))
        if is_forum and chat_type != "supergroup":
            raise ControlError(400, "only supergroups can be forums")
        chat_id = (
            control_int(body["id"], "id")
            if body.get("id") is not None
            else self.world.new_group_id(chat_type == "supergroup")
        )
        if chat_id >= 0:
            raise ControlError(400, "group ids must be negative")
        if chat_id in bot.chats:
            raise ControlError(400, f"chat {chat_id} already exists")
        bot_status = str(body.get("bot_status", "administrator"))
        if bot_status not in BOT_STATUSES:
            raise ControlError(400, f"bot_status must be one of {sorted(BOT_STATUSES)}")
        chat = Chat(
            id=chat_id,
            type=chat_type,
            title=str(body.get("title") or "Sandbox group"),
            username=body.get("username"),
            is_forum=is_forum,
            bot_status=bot_status,
            bot_can_manage_topics=bool(body.get("bot_can_manage_topics", True)),
            bot_can_delete_messages=bool(body.get("bot_can_delete_messages", True)),
            # Message 1 of a forum is the "General" topic's start; topic ids come after it.
            next_message_id=2 if is_forum else 1,
        )
        inviter: dict[str, Any] | None = None
        for entry in body.get("members", []):
            if isinstance(entry, dict) and "user" in entry:
                user, status = self._user(entry["user"]), str(entry.get("status", "member"))
            else:
                user, status = self._user(entry), "member"
            chat.members[user["id"]] = status
            inviter = inviter or user
        bot.chats[chat.id] = chat
        if inviter is not None and chat.bot_status in {"member", "administrator"}:
            bot.add_update(
                "my_chat_member",
                {
                    "chat": chat.to_api(),
                    "from": inviter,
                    "date": now(),
                    "old_chat_member": chat_member(bot.user, "left"),
                    "new_chat_member": bot_member(bot, chat),
                },
            )
        self.world.changed.notify()
        return web.json_response(chat_to_view(bot, chat, self.world.users))

    async def add_member(self, request: web.Request) -> web.Response:
        """``POST /sandbox/api/chats/{chat_id}/members`` ``{"user": User, "status"?: str}`` →
        ``{"chat": chat view, "update_ids": [int]}``. Emits a ``new_chat_members`` message and a
        ``chat_member`` update (the latter only reaches bots that ask for it)."""
        body = await control_json(request)
        bot = self._bot(request, body)
        chat = self._chat(bot, request)
        if chat.type == "private":
            raise ControlError(400, "private chats have no members to add")
        user = self._user(body.get("user"))
        old_status = chat.members.get(user["id"], "left")
        status = str(body.get("status", "member"))
        chat.members[user["id"]] = status
        _, message_update = self._add_user_message(
            bot, chat, user, service={"new_chat_members": [user]}
        )
        member_update = bot.add_update(
            "chat_member",
            {
                "chat": chat.to_api(),
                "from": user,
                "date": now(),
                "old_chat_member": chat_member(user, old_status),
                "new_chat_member": chat_member(user, status),
            },
        )
        return web.json_response(
            {
                "chat": chat_to_view(bot, chat, self.world.users),
                "update_ids": [message_update, member_update],
            }
        )

    async def list_topics(self, request: web.Request) -> web.Response:
        """``GET /sandbox/api/chats/{chat_id}/topics?messages=1`` → ``{"topics":
        [{"message_thread_id", "name", "icon_color", "icon_custom_emoji_id"?, "is_closed",
        "messages"?: [message view]}], "general"?: [message view]}`` (deleted topics omitted;
        with ``messages`` each topic lists its messages, and ``general`` holds the messages
        of the General topic)."""
        bot = self._bot(request)
        chat = self._chat(bot, request)
        with_messages = request.query.get("messages", "") in {"1", "true", "yes"}
        live = chat.live_messages() if with_messages else []
        topics = []
        for topic in chat.topics.values():
            if topic.is_deleted:
                continue
            view = topic.to_view()
            if with_messages:
                view["messages"] = [
                    message_to_view(chat, message)
                    for message in live
                    if message.message_thread_id == topic.message_thread_id
                ]
            topics.append(view)
        result: dict[str, Any] = {"topics": topics}
        if with_messages:
            result["general"] = [
                message_to_view(chat, message)
                for message in live
                if message.message_thread_id is None
            ]
        return web.json_response(result)

    async def create_topic(self, request: web.Request) -> web.Response:
        """``POST /sandbox/api/chats/{chat_id}/topics`` ``{"from": User, "name": str,
        "icon_color"?: int, "icon_custom_emoji_id"?: str}`` → ``{"topic": {...}, "message":
        message view, "update_id": int}``: a member opens a topic; the bot gets the
        ``forum_topic_created`` service message as a ``message`` update."""
        body = await control_json(request)
        bot = self._bot(request, body)
        user = self._user(body.get("from"))
        chat = self._chat(bot, request)
        if not chat.is_forum:
            raise ControlError(400, "the chat is not a forum")
        name = body.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 128:
            raise ControlError(400, "name must be 1-128 characters")
        join(chat, user)
        icon_color = body.get("icon_color")
        topic, message = self.bot_api.open_topic(
            chat,
            user,
            False,
            name,
            control_int(icon_color, "icon_color") if icon_color is not None else None,
            body.get("icon_custom_emoji_id"),
        )
        update_id = bot.add_update("message", message_to_api(chat, message))
        return web.json_response(
            {
                "topic": topic.to_view(),
                "message": message_to_view(chat, message),
                "update_id": update_id,
            }
        )

    async def set_bot_membership(self, request: web.Request) -> web.Response:
        """``POST /sandbox/api/chats/{chat_id}/bot`` ``{"from": User, "status": "member"|
        "administrator"|"left"|"kicked", "can_manage_topics"?: bool, "can_delete_messages"?:
        bool}`` → ``{"chat": chat view, "update_ids": [int]}``: a user adds the bot to the
        group, promotes or demotes it, or removes it. The bot gets a ``my_chat_member``
        update; when it joins, also the ``new_chat_members`` service message. A removed
        ("kicked") bot's sends get 403 "bot was kicked from the ... chat"."""
        body = await control_json(request)
        bot = self._bot(request, body)
        user = self._user(body.get("from"))
        chat = self._chat(bot, request)
        if chat.type == "private":
            raise ControlError(400, "the bot's membership is about groups")
        status = str(body.get("status", "member"))
        if status not in BOT_STATUSES:
            raise ControlError(400, f"status must be one of {sorted(BOT_STATUSES)}")
        old = bot_member(bot, chat)
        was_in = chat.bot_status in {"member", "administrator"}
        before = (chat.bot_status, chat.bot_can_manage_topics, chat.bot_can_delete_messages)
        chat.bot_status = status
        if status == "administrator":
            chat.bot_can_manage_topics = bool(body.get("can_manage_topics", True))
            chat.bot_can_delete_messages = bool(body.get("can_delete_messages", True))
        new = bot_member(bot, chat)
        if new == old:  # nothing changes: leave the chat exactly as it was
            chat.bot_status, chat.bot_can_manage_topics, chat.bot_can_delete_messages = before
            raise ControlError(400, "the bot already has this status and these rights")
        join(chat, user)
        update_ids = [
            bot.add_update(
                "my_chat_member",
                {
                    "chat": chat.to_api(),
                    "from": user,
                    "date": now(),
                    "old_chat_member": old,
                    "new_chat_member": new,
                },
            )
        ]
        if not was_in and status in {"member", "administrator"}:
            _, message_update = self._add_user_message(
                bot, chat, user, service={"new_chat_members": [bot.user]}
            )
            update_ids.append(message_update)
        self.world.changed.notify()
        return web.json_response(
            {"chat": chat_to_view(bot, chat, self.world.users), "update_ids": update_ids}
        )

    # --------------------------------------------------------------- messages
    async def list_messages(self, request: web.Request) -> web.Response:
        """``GET /sandbox/api/chats/{chat_id}/messages?after=<message_id>&wait=<seconds>
        &thread=<message_thread_id>&version=<n>`` (thread 1 of a forum: its General topic) →
        ``{"messages": [message view],
        "chat_action": {"action", "time", "message_thread_id"}|null, "reply_keyboard":
        ReplyKeyboardMarkup|null, "notices": [notice], "version": int}``.

        A notice is the bot's answer (with text) to a button pressed in the chat, as the
        Telegram app shows it: ``{"notice_id", "kind": "toast"|"alert", "text", "show_alert",
        "date", "user_id", "message_id", "message_thread_id", "callback_query_id"}``; a toast
        is listed for a few seconds, an alert until it is dismissed
        (``DELETE /sandbox/api/chats/{chat_id}/notices/{notice_id}``).

        A message view is ``{"message_id", "chat_id", "from_bot", "from", "sender_chat",
        "date", "text", "raw_text", "entities", "caption", "parse_mode", "reply_markup",
        "media": {"kind", "file_id", "file_name", "mime_type", "file_size", "duration",
        "url"}|null, "message_thread_id", "reply_to_message_id", "edited", "edit_date",
        "invoice", "successful_payment", "service"}``; deleted messages are omitted and edits applied. ``wait`` long-polls until
        a message newer than ``after`` exists, or — with ``version`` — until anything in the
        sandbox changed after that version (edits, deletions, chat actions)."""
        bot = self._bot(request)
        chat_id = control_int(request.match_info["chat_id"], "chat_id")
        after = control_int(request.query.get("after", "0"), "after")
        thread = request.query.get("thread")
        thread_id = control_int(thread, "thread") if thread else None
        version = request.query.get("version")
        since_version = control_int(version, "version") if version is not None else None
        deadline = time.monotonic() + _wait_seconds(request)
        while True:
            chat = bot.chats.get(chat_id)
            messages = []
            if chat is not None:
                messages = [
                    message
                    for message in chat.live_messages()
                    if message.message_id > after
                    and (
                        thread_id is None
                        or message.message_thread_id == thread_id
                        # Thread 1 of a forum is its General topic: messages without a thread.
                        or (thread_id == 1 and chat.is_forum and message.message_thread_id is None)
                    )
                ]
            if since_version is not None:
                ready = self.world.changed.version > since_version
            else:
                ready = bool(messages)
            remaining = deadline - time.monotonic()
            if ready or remaining <= 0:
                break
            await self.world.changed.wait(remaining)
        return web.json_response(
            {
                "messages": [message_to_view(chat, message) for message in messages]
                if chat
                else [],
                "chat_action": chat.current_chat_action() if chat else None,
                "reply_keyboard": chat.reply_keyboard if chat else None,
                "notices": [
                    notice.to_view() for notice in chat.notices if notice.visible(time.time())
                ]
                if chat
                else [],
                "version": self.world.changed.version,
            }
        )

    async def send_user_message(self, request: web.Request) -> web.Response:
        """``POST /sandbox/api/chats/{chat_id}/messages`` — a user writes to the bot.

        JSON ``{"from": User, "text"?, "caption"?, "message_thread_id"?,
        "reply_to_message_id"?, "sticker"?: {"emoji"}, "anonymous"?: bool}`` or
        multipart/form-data with ``from`` (JSON string), optional ``text``/``caption``/
        ``duration``/``message_thread_id``/``reply_to_message_id``/``anonymous`` and one file
        part named voice, audio, document, photo, video, video_note or sticker. A private chat
        (id == from.id) is created on first contact.

        ``anonymous``: an administrator (or the creator) of a group posts on behalf of the
        group, as an anonymous admin does in Telegram: the bot sees ``from`` =
        GroupAnonymousBot (id 1087968824) and ``sender_chat`` = the group. 403 for anyone who
        is not an administrator there, 400 in a private chat.

        Like a Telegram client: a ``voice`` file that is not OGG/Opus (a browser's WebM) is
        transcoded to OGG/Opus mono 48 kHz when ffmpeg is installed, and without ``duration``
        a voice, audio or video_note gets the one measured from its content (Ogg, WAV, else
        ffprobe; left out when nothing can tell). A fractional ``duration`` is rounded.
        → ``{"message": message view, "update_id": int}``."""
        fields: dict[str, Any] = {}
        upload: tuple[str, str, str | None, bytes] | None = None  # kind, name, mime, data
        if request.content_type == "multipart/form-data":
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                name = getattr(part, "name", None)
                if name is None:
                    continue
                if getattr(part, "filename", None) is not None:
                    if name not in USER_MEDIA_KINDS:
                        raise ControlError(400, f"unknown file part {name}")
                    data = bytes(await part.read())  # type: ignore[union-attr]
                    content_type = part.headers.get("Content-Type")
                    upload = (name, part.filename, content_type, data)  # type: ignore[union-attr]
                else:
                    fields[name] = await part.text()  # type: ignore[union-attr]
        else:
            fields = await control_json(request)
        bot = self._bot(request, fields)
        user = self._user(fields.get("from"))
        anonymous = _flag(fields.get("anonymous"), "anonymous")
        chat = self._chat_for_sender(bot, request, user, anonymous)
        content: dict[str, Any] = {}
        if fields.get("text") is not None:
            content["text"] = content["raw_text"] = str(fields["text"])
        if fields.get("caption") is not None:
            content["caption"] = content["raw_caption"] = str(fields["caption"])
        for key in ("message_thread_id", "reply_to_message_id"):
            if fields.get(key) not in (None, ""):
                content[key] = control_int(fields[key], key)
        if upload is not None:
            kind, file_name, mime_type, data = upload
            duration = (
                _duration(fields["duration"]) if fields.get("duration") not in (None, "") else None
            )
            if kind == "voice" and is_ogg_opus(data):
                mime_type = "audio/ogg"  # not "audio/ogg;codecs=opus" as a browser labels it
            elif kind == "voice":
                # What a Telegram client does before sending a recording (browsers record WebM).
                transcoded = await transcode_to_ogg_opus(data)
                if transcoded is not None:
                    data, mime_type = transcoded, "audio/ogg"
                    file_name = f"{Path(file_name).stem or 'voice'}.ogg"
            if not mime_type or mime_type == "application/octet-stream":
                mime_type = mimetypes.guess_type(file_name)[0] or (
                    "audio/ogg" if kind == "voice" else mime_type
                )
            if duration is None and kind in TIMED_KINDS:
                measured = await media_duration(data)
                duration = whole_seconds(measured) if measured is not None else None
            stored = self.world.store_file(kind, data, file_name, mime_type)
            stored.duration = duration
            media: dict[str, Any] = {
                "kind": kind,
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_size": stored.file_size,
                "file_name": file_name,
                "mime_type": mime_type,
            }
            if duration is not None:
                media["duration"] = duration
            size = image_size(data) if kind == "photo" else None
            if size is not None:
                media["width"], media["height"] = size
            if fields.get("emoji"):
                media["emoji"] = fields["emoji"]
            content["media"] = media
        elif isinstance(fields.get("sticker"), dict):
            stored = self.world.store_file("sticker", b"", "sticker.webp", "image/webp")
            content["media"] = {
                "kind": "sticker",
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_size": 0,
                "emoji": fields["sticker"].get("emoji", "🙂"),
            }
        if not content.get("text") and "media" not in content:
            raise ControlError(400, "a message needs text or a file")
        message, update_id = self._add_user_message(bot, chat, user, anonymous, **content)
        return web.json_response(
            {"message": message_to_view(chat, message), "update_id": update_id}
        )

    async def edit_user_message(self, request: web.Request) -> web.Response:
        """``POST /sandbox/api/chats/{chat_id}/messages/{message_id}/edit`` ``{"from": User,
        "text": str}`` or ``{"from": User, "caption": str}`` — a user edits their message.

        Only the author may edit (403; an anonymous post's author is the administrator who
        sent it); 400 when the message does not exist, has no text (for ``text``) or is not a
        captioned kind of media (for ``caption``; a caption may be added or cleared), when the
        text is empty or nothing changes. The message gets ``edit_date`` (the view shows
        ``edited``) and the bot an ``edited_message`` update with the whole new Message.
        → ``{"message": message view, "update_id": int}``."""
        body = await control_json(request)
        bot = self._bot(request, body)
        user = self._user(body.get("from"))
        chat = self._chat(bot, request)
        message_id = control_int(request.match_info["message_id"], "message_id")
        message = chat.messages.get(message_id)
        if message is None or message.deleted:
            raise ControlError(400, f"message {message_id} not found in chat {chat.id}")
        author_id = message.author_id if message.sender_chat is not None else message.sender["id"]
        if message.from_bot or author_id != user["id"]:
            raise ControlError(403, f"user {user['id']} is not the author of message {message_id}")
        text, caption = body.get("text"), body.get("caption")
        if (text is None) == (caption is None):
            raise ControlError(400, 'give either "text" or "caption"')
        if text is not None:
            if message.text is None:
                raise ControlError(400, f"message {message_id} has no text to edit")
            text = str(text)
            if not text.strip():
                raise ControlError(400, "text must not be empty")
            if text == message.text:
                raise ControlError(400, "message is not modified")
            message.text = message.raw_text = text
            message.entities = command_entities(text)
        else:
            if message.media is None or message.media["kind"] in CAPTIONLESS_MEDIA:
                raise ControlError(400, f"message {message_id} has no caption to edit")
            caption = str(caption)
            if caption == (message.caption or ""):
                raise ControlError(400, "message is not modified")
            message.caption = message.raw_caption = caption or None
            message.caption_entities = []
        message.edit_date = max(now(), message.date)
        update_id = bot.add_update("edited_message", message_to_api(chat, message))
        self.world.changed.notify()
        return web.json_response(
            {"message": message_to_view(chat, message), "update_id": update_id}
        )

    async def download_file(self, request: web.Request) -> web.StreamResponse:
        """``GET /sandbox/api/files/{file_id}`` → the file's bytes (404 if unknown)."""
        stored = self.world.files.get(request.match_info["file_id"])
        if stored is None:
            raise ControlError(404, "file not found")
        return file_response(stored)

    # -------------------------------------------------------------- callbacks
    async def press_button(self, request: web.Request) -> web.Response:
        """``POST /sandbox/api/chats/{chat_id}/callbacks`` ``{"from": User, "message_id": int,
        "data": str}`` → ``{"callback_query_id", "update_id"}``. The data is not checked
        against the message's keyboard, so tests can send tampered data."""
        body = await control_json(request)
        bot = self._bot(request, body)
        user = self._user(body.get("from"))
        chat = self._chat(bot, request)
        message_id = control_int(body.get("message_id"), "message_id")
        message = chat.messages.get(message_id)
        if message is None or message.deleted:
            raise ControlError(404, f"message {message_id} not found")
        callback_id = self.world.new_callback_id()
        data = str(body.get("data", ""))
        bot.callbacks[callback_id] = CallbackRecord(
            callback_id,
            chat.id,
            message_id,
            data,
            user_id=user["id"],
            message_thread_id=message.message_thread_id,
        )
        update_id = bot.add_update(
            "callback_query",
            {
                "id": callback_id,
                "from": user,
                "message": message_to_api(chat, message),
                "chat_instance": str(abs(chat.id) * 7919 % 10**12),
                "data": data,
            },
        )
        return web.json_response({"callback_query_id": callback_id, "update_id": update_id})

    async def get_callback(self, request: web.Request) -> web.Response:
        """``GET /sandbox/api/callbacks/{callback_query_id}?wait=<seconds>`` → ``{"answered",
        "text", "show_alert", "url", "callback_query_id"}``; ``wait`` long-polls for the
        bot's answerCallbackQuery."""
        record = None
        for bot in self.world.bots.values():
            record = bot.callbacks.get(request.match_info["callback_query_id"])
            if record:
                break
        if record is None and self.world.unclaimed_bot is not None:
            record = self.world.unclaimed_bot.callbacks.get(request.match_info["callback_query_id"])
        if record is None:
            raise ControlError(404, "callback query not found")
        wait = _wait_seconds(request)
        if not record.answered and wait > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(record.answered_event.wait(), wait)
        return web.json_response(record.to_view())

    # --------------------------------------------------------------- payments
    async def pay(self, request: web.Request) -> web.Response:
        """``POST /sandbox/api/chats/{chat_id}/payments`` ``{"from": User, "message_id": int}``
        or ``{"from": User, "invoice_link": "https://t.me/$..."}`` (paid in the user's private
        chat), optional ``"deliver_twice": bool``, ``"timeout": seconds`` (default 10),
        ``"recurring_renewal": bool`` (a subscription renewal: is_first_recurring=false).

        Emits ``pre_checkout_query`` and waits for answerPreCheckoutQuery; then →
        ``{"status": "paid", "telegram_payment_charge_id", "update_id", "update_ids",
        "message_id", "successful_payment"}`` | ``{"status": "refused", "error_message"}`` |
        ``{"status": "timeout"}``."""
        body = await control_json(request)
        bot = self._bot(request, body)
        user = self._user(body.get("from"))
        if body.get("invoice_link"):
            slug = str(body["invoice_link"]).rsplit("$", 1)[-1]
            invoice = bot.invoice_links.get(slug)
            if invoice is None:
                raise ControlError(404, "invoice link not found")
            chat = self._private_chat(bot, user)
        else:
            chat = self._chat_for_sender(bot, request, user)
            message_id = control_int(body.get("message_id"), "message_id")
            message = chat.messages.get(message_id)
            if message is None or message.deleted or message.invoice is None:
                raise ControlError(404, f"no invoice in message {message_id}")
            invoice = message.invoice
        query_id = str(secrets.randbelow(10**18))
        answer: asyncio.Future[tuple[bool, str | None]] = asyncio.get_running_loop().create_future()
        bot.pre_checkouts[query_id] = PreCheckoutRecord(query_id, answer)
        bot.add_update(
            "pre_checkout_query",
            {
                "id": query_id,
                "from": user,
                "currency": invoice["currency"],
                "total_amount": invoice["total_amount"],
                "invoice_payload": invoice["payload"],
            },
        )
        timeout = float(body.get("timeout", DEFAULT_PAYMENT_TIMEOUT))
        try:
            ok, error_message = await asyncio.wait_for(asyncio.shield(answer), timeout)
        except TimeoutError:
            answer.cancel()
            return web.json_response({"status": "timeout"})
        if not ok:
            return web.json_response({"status": "refused", "error_message": error_message})
        payment = self._successful_payment(invoice, bool(body.get("recurring_renewal")))
        message, update_id = self._add_user_message(bot, chat, user, successful_payment=payment)
        update_ids = [update_id]
        if body.get("deliver_twice"):
            update_ids.append(bot.add_update("message", message_to_api(chat, message)))
        self.world.charges.append(
            {
                "bot_id": bot.bot_id,
                "user_id": user["id"],
                "chat_id": chat.id,
                "message_id": message.message_id,
                **payment,
                "refunded": False,
                "time": time.time(),
            }
        )
        return web.json_response(
            {
                "status": "paid",
                "telegram_payment_charge_id": payment["telegram_payment_charge_id"],
                "update_id": update_id,
                "update_ids": update_ids,
                "message_id": message.message_id,
                "successful_payment": payment,
            }
        )

    @staticmethod
    def _successful_payment(invoice: dict[str, Any], renewal: bool) -> dict[str, Any]:
        stars = invoice["currency"] == "XTR"
        charge_id = ("stxSB" if stars else "sb_") + secrets.token_hex(16)
        payment: dict[str, Any] = {
            "currency": invoice["currency"],
            "total_amount": invoice["total_amount"],
            "invoice_payload": invoice["payload"],
            "telegram_payment_charge_id": charge_id,
            "provider_payment_charge_id": "" if stars else "provider_" + secrets.token_hex(8),
        }
        if invoice.get("subscription_period"):
            payment["subscription_expiration_date"] = now() + invoice["subscription_period"]
            payment["is_recurring"] = True
            payment["is_first_recurring"] = not renewal
        return payment

    async def repeat_payment(self, request: web.Request) -> web.Response:
        """``POST /sandbox/api/chats/{chat_id}/payments/repeat``
        ``{"telegram_payment_charge_id": str}`` → ``{"update_id"}``: delivers the same
        successful_payment message again (a duplicate delivery)."""
        body = await control_json(request)
        bot = self._bot(request, body)
        chat = self._chat(bot, request)
        charge_id = body.get("telegram_payment_charge_id")
        for charge in self.world.charges:
            if charge["telegram_payment_charge_id"] == charge_id and charge["chat_id"] == chat.id:
                message = chat.messages[charge["message_id"]]
                update_id = bot.add_update("message", message_to_api(chat, message))
                return web.json_response({"update_id": update_id})
        raise ControlError(404, "charge not found")

    async def list_payments(self, request: web.Request) -> web.Response:
        """``GET /sandbox/api/payments`` → ``{"charges": [{"bot_id", "user_id", "chat_id",
        "message_id", "currency", "total_amount", "invoice_payload",
        "telegram_payment_charge_id", "provider_payment_charge_id", "refunded", ...}],
        "refunds": [{"user_id", "telegram_payment_charge_id", "total_amount", ...}],
        "subscription_edits": [{"user_id", "telegram_payment_charge_id", "is_canceled"}]}``."""
        return web.json_response(
            {
                "charges": self.world.charges,
                "refunds": self.world.refunds,
                "subscription_edits": self.world.subscription_edits,
            }
        )

    # ------------------------------------------------------- log and faults
    async def list_requests(self, request: web.Request) -> web.Response:
        """``GET /sandbox/api/requests?since=<id>&errors_only=1&method=<name>`` →
        ``{"requests": [{"id", "time", "bot_id", "method", "params", "ok", "error_code",
        "description", "warnings", "duration"}]}`` (entries with id > since; ``warnings`` name
        the parameters that were ignored because the method has none of that name)."""
        since = control_int(request.query.get("since", "0"), "since")
        errors_only = request.query.get("errors_only", "") in {"1", "true", "yes"}
        method = request.query.get("method")
        entries = [
            entry
            for entry in self.world.request_log
            if entry["id"] > since
            and not (errors_only and entry["ok"])
            and (method is None or entry["method"] == method)
        ]
        return web.json_response({"requests": entries})

    async def clear_requests(self, request: web.Request) -> web.Response:
        """``DELETE /sandbox/api/requests`` → ``{"ok": true}``."""
        self.world.request_log.clear()
        return web.json_response({"ok": True})

    async def list_faults(self, request: web.Request) -> web.Response:
        """``GET /sandbox/api/faults`` → ``{"faults": [{"method", "remaining", "kind",
        "retry_after", "delay"}]}``."""
        return web.json_response({"faults": [fault.to_view() for fault in self.world.faults]})

    async def add_fault(self, request: web.Request) -> web.Response:
        """``POST /sandbox/api/faults`` ``{"method": "sendMessage", "count": 1, "kind":
        "429"|"500"|"502"|"delay", "retry_after": 1, "delay": 2.0}`` → ``{"fault": {...}}``:
        the next ``count`` calls of the method (any bot) fail that way or are delayed."""
        body = await control_json(request)
        kind = str(body.get("kind", "429"))
        if kind not in FAULT_KINDS:
            raise ControlError(400, f"kind must be one of {sorted(FAULT_KINDS)}")
        method = body.get("method")
        if not isinstance(method, str) or not method:
            raise ControlError(400, "method is required")
        canonical = self.bot_api.spec.canonical_method(method)
        if canonical is None:
            raise ControlError(400, f"unknown Bot API method {method}")
        fault = Fault(
            method=canonical,
            remaining=control_int(body.get("count", 1), "count"),
            kind=kind,
            retry_after=control_int(body.get("retry_after", 1), "retry_after"),
            delay=float(body.get("delay", 1.0)),
        )
        self.world.faults.append(fault)
        return web.json_response({"fault": fault.to_view()})

    async def clear_faults(self, request: web.Request) -> web.Response:
        """``DELETE /sandbox/api/faults`` → ``{"ok": true}``."""
        self.world.faults.clear()
        return web.json_response({"ok": True})

    # ------------------------------------------------------------------ users
    async def block_user(self, request: web.Request) -> web.Response:
        """``POST /sandbox/api/users/{user_id}/block`` ``{"blocked": true}`` →
        ``{"blocked": bool, "update_id": int}``: the user blocks (or unblocks) the bot; sends
        to them then fail with 403 and the bot gets a ``my_chat_member`` update."""
        body = await control_json(request)
        bot = self._bot(request, body)
        user_id = control_int(request.match_info["user_id"], "user_id")
        user = self.world.users.get(user_id) or self.world.remember_user({"id": user_id})
        chat = self._private_chat(bot, user)
        blocked = bool(body.get("blocked", True))
        update_id = self._set_blocked(bot, chat, user, blocked)
        return web.json_response({"blocked": blocked, "update_id": update_id})

    async def add_users(self, request: web.Request) -> web.Response:
        """``POST /sandbox/api/users`` ``{"users": [User, ...]}`` → ``{"chats": int}``: each
        user has a private chat with the bot, as if they had started it long ago (no updates):
        a crowd for broadcasts and benchmarks without a thousand /start messages."""
        body = await control_json(request)
        bot = self._bot(request, body)
        users = body.get("users")
        if not isinstance(users, list) or not all(isinstance(u, dict) for u in users):
            raise ControlError(400, "users must be a list of users")
        for user in users:
            if not isinstance(user.get("id"), int) or user["id"] <= 0 or "first_name" not in user:
                raise ControlError(400, "each user needs a positive id and a first_name")
            self._private_chat(bot, self.world.remember_user(user))
        return web.json_response({"chats": len(users)})

    async def delete_user(self, request: web.Request) -> web.Response:
        """``POST /sandbox/api/users/{user_id}/delete`` → ``{"deleted": true}``: the user
        deletes their account; every send to them then fails with 403 "user is deactivated"."""
        user_id = control_int(request.match_info["user_id"], "user_id")
        self.world.deleted_users.add(user_id)
        return web.json_response({"deleted": True})

    # ----------------------------------------------------------------- limits
    def _limits_view(self) -> web.Response:
        limits = self.bot_api.limiter.limits
        return web.json_response(None if limits is None else limits.to_json())

    async def get_limits(self, request: web.Request) -> web.Response:
        """``GET /sandbox/api/limits`` → ``{"private_chat": {"limit", "period"}, "group_chat":
        {...}, "overall": {...}}`` (periods in seconds), or ``null`` when limits are off."""
        return self._limits_view()

    async def set_limits(self, request: web.Request) -> web.Response:
        """``PUT /sandbox/api/limits`` with the same JSON (windows left out keep their current
        values) or ``null`` to switch limits off → the limits now in force. The windows start
        empty."""
        try:
            raw = json.loads(await request.text() or "null")
        except ValueError:
            raise ControlError(400, "the body must be JSON") from None
        if raw is None:
            self.bot_api.limiter.limits = None
        else:
            try:
                limits = RateLimits.from_json(raw, base=self.bot_api.limiter.limits)
            except (ValueError, TypeError) as error:
                raise ControlError(400, str(error)) from None
            self.bot_api.limiter.limits = limits
        return self._limits_view()


def join(chat: Chat, user: dict[str, Any]) -> None:
    """A user who acts in a group is its member (unless already one, or an admin)."""
    if chat.members.get(user["id"]) in {None, "left"}:
        chat.members[user["id"]] = "member"


def command_entities(text: str) -> list[dict[str, Any]]:
    """``bot_command`` entities, as Telegram adds them for "/command" at the start of text."""
    match = re.match(r"/[A-Za-z0-9_]{1,32}(?:@\w+)?", text)
    if match is None:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_length(match[0])}]
