"""The chat page's own control routes: whom the page acts as, t.me links, in-chat notices.

``/sandbox/api/identity``: the user the page acts as (calls without ``from`` come from them),
the one it acted as before, and "the operator": the owner of the bot's admin group, so one
click makes the page write in that group as someone the bot obeys there. The admin group is
the one named by ``PUT /sandbox/api/admin-group`` (or :meth:`TelegramEmulator.set_admin_group`),
else the group the bot gave a command menu of its own (``setMyCommands`` with a chat scope,
as a bot does for its admin group).

``POST /sandbox/api/links/open``: what a Telegram app does when a link is clicked; a
``t.me/<the bot>?start=<payload>`` link sends ``/start <payload>`` to the bot.

``DELETE /sandbox/api/chats/{chat_id}/notices/{notice_id}``: dismisses the popup the bot
answered a pressed button with (see ``GET /sandbox/api/chats/{chat_id}/messages``).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from aiohttp import web

from sandbox.control import ControlError, control_int, control_json
from sandbox.telegram.render import message_to_view
from sandbox.telegram.state import BotState, Chat, World

if TYPE_CHECKING:
    from sandbox.telegram.control import ControlApi

TELEGRAM_LINK_HOSTS = frozenset({"t.me", "www.t.me", "telegram.me", "www.telegram.me"})
# What Telegram passes on as a start parameter; anything else opens the chat with plain /start.
START_PARAMETER = re.compile(r"[A-Za-z0-9_-]{1,64}")
# The operator is the admin group's owner; without one, its first administrator or member.
OPERATOR_STATUSES = ("creator", "administrator", "member")
ADMIN_SCOPE_TYPES = frozenset({"chat", "chat_administrators"})


def start_link(url: str, bot_username: str) -> str | None:
    """The start parameter of a link that opens ``bot_username``'s chat ("" when it has none),
    or ``None`` when the link goes elsewhere. Handles ``https://t.me/<bot>?start=<payload>``
    (also telegram.me, without a scheme) and ``tg://resolve?domain=<bot>&start=<payload>``."""
    url = url.strip()
    if re.match(r"(?i)(www\.)?(t|telegram)\.me/", url):
        url = "https://" + url
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    query = parse_qs(parts.query, keep_blank_values=True)
    scheme = parts.scheme.lower()
    if scheme in {"http", "https"} and (parts.hostname or "").lower() in TELEGRAM_LINK_HOSTS:
        username = parts.path.strip("/")
    elif scheme == "tg" and parts.netloc.lower() == "resolve":
        username = (query.get("domain") or [""])[0]
    else:
        return None
    if not username or "/" in username or username.lower() != bot_username.lower():
        return None
    if set(query) - {"start", "domain"}:
        return None  # startgroup, startapp, …: not a chat with the bot
    return (query.get("start") or [""])[0]


class PageApi:
    def __init__(self, world: World, control: ControlApi) -> None:
        self.world = world
        self.control = control

    def routes(self) -> list[web.RouteDef]:
        prefix = "/sandbox/api"
        return [
            web.get(f"{prefix}/identity", self.get_identity),
            web.put(f"{prefix}/identity", self.set_identity),
            web.put(f"{prefix}/admin-group", self.set_admin_group),
            web.post(f"{prefix}/links/open", self.open_link),
            web.delete(f"{prefix}/chats/{{chat_id}}/notices/{{notice_id}}", self.dismiss_notice),
        ]

    # --------------------------------------------------------------- identity
    def admin_group(self, bot: BotState) -> Chat | None:
        if self.world.admin_chat_id is not None:
            return bot.chats.get(self.world.admin_chat_id)
        for scope_key, _language in bot.commands:
            scope = json.loads(scope_key)
            if scope.get("type") not in ADMIN_SCOPE_TYPES:
                continue
            try:
                chat = bot.chats.get(int(scope.get("chat_id")))
            except (TypeError, ValueError):
                continue
            if chat is not None and chat.type != "private":
                return chat
        return None

    def operator(self, bot: BotState) -> dict[str, Any] | None:
        """``{"user", "status", "chat_id", "chat_title"}`` of the admin group's owner."""
        chat = self.admin_group(bot)
        if chat is None:
            return None
        for wanted in OPERATOR_STATUSES:
            for user_id, status in chat.members.items():
                user = self.world.users.get(user_id)
                if status == wanted and user is not None and not user.get("is_bot"):
                    return {
                        "user": user,
                        "status": status,
                        "chat_id": chat.id,
                        "chat_title": chat.title,
                    }
        return None

    def identity_view(self, bot: BotState) -> dict[str, Any]:
        me, previous = self.world.page_user, self.world.page_previous_user
        operator = self.operator(bot)
        identities: list[dict[str, Any]] = []
        seen: set[int] = set()

        def add(role: str, user: dict[str, Any] | None) -> None:
            if user is not None and user["id"] not in seen:
                seen.add(user["id"])
                identities.append({"role": role, "user": user})

        add("current", me)
        add("operator", operator["user"] if operator else None)
        add("previous", previous)
        for user in self.world.users.values():
            if not user.get("is_bot"):
                add("known", user)
        return {
            "acting_as": me,
            "previous": previous,
            "is_operator": bool(operator and me and operator["user"]["id"] == me["id"]),
            "operator": operator,
            "bot": bot.user,
            "identities": identities,
        }

    async def get_identity(self, request: web.Request) -> web.Response:
        """``GET /sandbox/api/identity`` → ``{"acting_as": User|null, "previous": User|null,
        "is_operator": bool, "operator": {"user", "status", "chat_id", "chat_title"}|null,
        "bot": User (its ``username`` makes t.me links), "identities": [{"role":
        "current"|"operator"|"previous"|"known", "user"}]}``."""
        return web.json_response(self.identity_view(self.control._bot(request)))

    async def set_identity(self, request: web.Request) -> web.Response:
        """``PUT /sandbox/api/identity`` ``{"as": "operator"|"previous"}`` | ``{"user": User}``
        | ``{"user_id": int}`` (a user the sandbox knows) → the identity view. The user acted
        as until now becomes ``previous``, so ``{"as": "previous"}`` switches back and forth.
        400 without an operator (no admin group) or a previous user."""
        body = await control_json(request)
        bot = self.control._bot(request, body)
        role = body.get("as")
        if role is not None:
            if role == "operator":
                operator = self.operator(bot)
                if operator is None:
                    raise ControlError(400, "no operator: the sandbox has no admin group")
                user = operator["user"]
            elif role == "previous":
                user = self.world.page_previous_user
                if user is None:
                    raise ControlError(400, "no previous identity to switch back to")
            else:
                raise ControlError(400, 'as must be "operator" or "previous"')
        elif body.get("user") is not None:
            user = self.control._user(body["user"])
        elif body.get("user_id") is not None:
            user_id = control_int(body["user_id"], "user_id")
            user = self.world.users.get(user_id)
            if user is None:
                raise ControlError(404, f"user {user_id} not known to the sandbox")
        else:
            raise ControlError(400, 'give "as", "user" or "user_id"')
        if user.get("is_bot"):
            raise ControlError(400, "the page cannot act as a bot")
        current = self.world.page_user
        if current is not None and current["id"] != user["id"]:
            self.world.page_previous_user = current
        self.world.page_user = self.world.remember_user(user)
        self.world.changed.notify()
        return web.json_response(self.identity_view(bot))

    async def set_admin_group(self, request: web.Request) -> web.Response:
        """``PUT /sandbox/api/admin-group`` ``{"chat_id": int|null}`` → the identity view: the
        group whose owner is the operator (null: the one the bot's command menus point at)."""
        body = await control_json(request)
        bot = self.control._bot(request, body)
        raw = body.get("chat_id")
        self.world.admin_chat_id = None if raw is None else control_int(raw, "chat_id")
        self.world.changed.notify()
        return web.json_response(self.identity_view(bot))

    # ------------------------------------------------------------------ links
    async def open_link(self, request: web.Request) -> web.Response:
        """``POST /sandbox/api/links/open`` ``{"url": str, "from"?: User}`` — a link clicked
        in a chat, as a Telegram app opens it. A link to the bot (``t.me/<bot>?start=<p>``,
        see :func:`start_link`) opens the user's private chat with it and, with a start
        parameter, sends ``/start <p>`` there → ``{"handled": true, "chat_id", "start":
        str|null, "message": message view|null, "update_id": int|null}``; any other link →
        ``{"handled": false, "url"}`` (the page opens it in the browser)."""
        body = await control_json(request)
        url = body.get("url")
        if not isinstance(url, str) or not url.strip():
            raise ControlError(400, "url is required")
        bot = self.control._bot(request, body)
        start = start_link(url, bot.username)
        if start is None:
            return web.json_response({"handled": False, "url": url})
        user = self.control._user(body.get("from"))
        chat = self.control._private_chat(bot, user)
        message_view, update_id = None, None
        if start or chat.id in bot.blocked_by or not chat.live_messages():
            # Telegram sends /start on a start parameter or a first contact; a parameter it
            # cannot pass on leaves a plain /start.
            text = f"/start {start}" if START_PARAMETER.fullmatch(start) else "/start"
            message, update_id = self.control._add_user_message(
                bot, chat, user, text=text, raw_text=text
            )
            message_view = message_to_view(chat, message)
        return web.json_response(
            {
                "handled": True,
                "chat_id": chat.id,
                "start": start or None,
                "message": message_view,
                "update_id": update_id,
            }
        )

    # ---------------------------------------------------------------- notices
    async def dismiss_notice(self, request: web.Request) -> web.Response:
        """``DELETE /sandbox/api/chats/{chat_id}/notices/{notice_id}`` → ``{"dismissed":
        notice}``: the user closed the bot's popup (404 when there is no such notice)."""
        bot = self.control._bot(request)
        chat = self.control._chat(bot, request)
        notice_id = control_int(request.match_info["notice_id"], "notice_id")
        for notice in chat.notices:
            if notice.notice_id == notice_id:
                chat.notices.remove(notice)
                self.world.changed.notify()
                return web.json_response({"dismissed": notice.to_view()})
        raise ControlError(404, f"notice {notice_id} not found in chat {chat.id}")
