"""``SandboxClient``: a small async client of the emulator's control API (the user's side)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

import aiohttp

from sandbox.marketplace_client import MarketplaceControl, OzonControl
from sandbox.telegram.limits import RateLimits

User = dict[str, Any]


class SandboxError(Exception):
    """The control API answered with an error."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


class SandboxClient:
    """Talks to ``/sandbox/api``; usable as ``async with SandboxClient(url) as client``."""

    def __init__(self, base_url: str, bot_id: int | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        # Which bot the calls are about; None means "the most recently active bot".
        self.bot_id = bot_id
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> SandboxClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    async def _request(
        self,
        method: str,
        path: str,
        *,
        json_body: dict[str, Any] | None = None,
        data: aiohttp.FormData | None = None,
        params: dict[str, Any] | None = None,
        request_timeout: float = 30.0,
    ) -> Any:
        query = {key: str(value) for key, value in (params or {}).items() if value is not None}
        if self.bot_id is not None:
            query.setdefault("bot_id", str(self.bot_id))
        async with self.session.request(
            method,
            f"{self.base_url}/sandbox/api{path}",
            json=json_body,
            data=data,
            params=query,
            timeout=aiohttp.ClientTimeout(total=request_timeout),
        ) as response:
            body = await response.json()
            if response.status >= 400:
                raise SandboxError(response.status, body.get("error", str(body)))
            return body

    # ----------------------------------------------------------- marketplaces
    @property
    def ozon(self) -> OzonControl:
        return OzonControl(self._request)

    @property
    def wildberries(self) -> MarketplaceControl:
        return MarketplaceControl(self._request, "wb")

    def marketplace(self, key: str) -> MarketplaceControl:
        """The control API of the marketplace ``key`` (``"ozon"`` | ``"wb"``)."""
        if key == "ozon":
            return self.ozon
        if key == "wb":
            return self.wildberries
        raise ValueError(f"no marketplace {key!r}")

    async def marketplaces(self) -> dict[str, Any]:
        """The emulated marketplaces (API URLs, demo credentials, the demo seller's buyer
        chats) and the demo seller with its forum group, once set."""
        return await self._request("GET", "/marketplace")

    async def set_marketplace_demo(self, seller: str, forum_chat_id: int) -> dict[str, Any]:
        """Names the demo seller and its forum group (the chat page's buyer panel shows then);
        answers :meth:`marketplaces`."""
        body = {"seller": seller, "forum_chat_id": forum_chat_id}
        return await self._request("PUT", "/marketplace/demo", json_body=body)

    async def set_admin_group(self, chat_id: int | None) -> dict[str, Any]:
        """Names the bot's admin group, whose owner is the chat page's "operator"; answers
        :meth:`identity`."""
        return await self._request("PUT", "/admin-group", json_body={"chat_id": chat_id})

    async def identity(self) -> dict[str, Any]:
        """Whom the chat page acts as: ``{"acting_as", "previous", "is_operator", "operator",
        "bot", "identities"}``."""
        return await self._request("GET", "/identity")

    async def act_as(
        self, user: User | None = None, *, role: str | None = None, user_id: int | None = None
    ) -> dict[str, Any]:
        """Switches the chat page to ``user``, to a known ``user_id`` or to a ``role``
        ("operator" | "previous"); answers :meth:`identity`."""
        body: dict[str, Any] = {}
        if user is not None:
            body["user"] = user
        if role is not None:
            body["as"] = role
        if user_id is not None:
            body["user_id"] = user_id
        return await self._request("PUT", "/identity", json_body=body)

    async def open_link(self, url: str, user: User | None = None) -> dict[str, Any]:
        """Clicks ``url`` in a chat as the Telegram app would (as ``user``, else as the page's
        identity): ``{"handled": bool, ...}``."""
        body: dict[str, Any] = {"url": url}
        if user is not None:
            body["from"] = user
        return await self._request("POST", "/links/open", json_body=body)

    async def forget_marketplace_demo(self) -> dict[str, Any]:
        return await self._request("DELETE", "/marketplace/demo")

    async def advance_marketplace_clock(self, seconds: float) -> str:
        answer = await self._request(
            "POST", "/marketplace/clock", json_body={"advance_seconds": seconds}
        )
        return answer["now"]

    # ------------------------------------------------------------------ chats
    async def chats(self) -> list[dict[str, Any]]:
        return (await self._request("GET", "/chats"))["chats"]

    async def chat(self, chat_id: int) -> dict[str, Any]:
        return await self._request("GET", f"/chats/{chat_id}")

    async def create_group(
        self,
        title: str,
        members: list[User] | None = None,
        *,
        supergroup: bool = True,
        is_forum: bool = False,
        chat_id: int | None = None,
        bot_status: str = "administrator",
        bot_can_manage_topics: bool = True,
        bot_can_delete_messages: bool = True,
    ) -> dict[str, Any]:
        """A group with ``members`` (users, or ``{"user": User, "status": "creator"}``); the
        bot is in it with ``bot_status`` ("left": not yet, see :meth:`add_bot_to_group`)."""
        body: dict[str, Any] = {
            "title": title,
            "type": "supergroup" if supergroup or is_forum else "group",
            "is_forum": is_forum,
            "members": members or [],
            "bot_status": bot_status,
            "bot_can_manage_topics": bot_can_manage_topics,
            "bot_can_delete_messages": bot_can_delete_messages,
        }
        if chat_id is not None:
            body["id"] = chat_id
        return await self._request("POST", "/chats", json_body=body)

    async def add_member(self, chat_id: int, user: User, status: str = "member") -> dict[str, Any]:
        return await self._request(
            "POST", f"/chats/{chat_id}/members", json_body={"user": user, "status": status}
        )

    async def create_forum(
        self,
        title: str,
        members: list[User] | None = None,
        *,
        chat_id: int | None = None,
        bot_status: str = "administrator",
        bot_can_manage_topics: bool = True,
        bot_can_delete_messages: bool = True,
    ) -> dict[str, Any]:
        """A forum supergroup; by default the bot is an administrator that can manage topics."""
        return await self.create_group(
            title,
            members,
            is_forum=True,
            chat_id=chat_id,
            bot_status=bot_status,
            bot_can_manage_topics=bot_can_manage_topics,
            bot_can_delete_messages=bot_can_delete_messages,
        )

    async def topics(self, chat_id: int, with_messages: bool = False) -> list[dict[str, Any]]:
        """The forum's live topics ``{"message_thread_id", "name", "icon_color", "is_closed"}``,
        each with its ``messages`` (views) when asked."""
        params = {"messages": "1" if with_messages else None}
        return (await self._request("GET", f"/chats/{chat_id}/topics", params=params))["topics"]

    async def forum(self, chat_id: int) -> dict[str, Any]:
        """``{"topics": [topic with "messages"], "general": [message views]}``."""
        return await self._request("GET", f"/chats/{chat_id}/topics", params={"messages": "1"})

    async def create_topic(
        self,
        chat_id: int,
        user: User,
        name: str,
        *,
        icon_color: int | None = None,
        icon_custom_emoji_id: str | None = None,
    ) -> dict[str, Any]:
        """A member opens a topic; returns ``{"topic", "message", "update_id"}`` (the bot gets
        the forum_topic_created message)."""
        body: dict[str, Any] = {"from": user, "name": name}
        if icon_color is not None:
            body["icon_color"] = icon_color
        if icon_custom_emoji_id is not None:
            body["icon_custom_emoji_id"] = icon_custom_emoji_id
        return await self._request("POST", f"/chats/{chat_id}/topics", json_body=body)

    async def set_bot_rights(
        self,
        chat_id: int,
        by_user: User,
        status: str = "administrator",
        *,
        can_manage_topics: bool = True,
        can_delete_messages: bool = True,
    ) -> dict[str, Any]:
        """``by_user`` promotes the bot (with these rights), demotes it (``status="member"``)
        or removes it ("left", "kicked"); returns ``{"chat", "update_ids"}`` with the
        my_chat_member update (and, when the bot joins, the new_chat_members message's)."""
        body = {
            "from": by_user,
            "status": status,
            "can_manage_topics": can_manage_topics,
            "can_delete_messages": can_delete_messages,
        }
        return await self._request("POST", f"/chats/{chat_id}/bot", json_body=body)

    async def add_bot_to_group(
        self, chat_id: int, by_user: User, status: str = "member", **rights: bool
    ) -> dict[str, Any]:
        """``by_user`` adds the bot (as "member", or "administrator" with the rights of
        :meth:`set_bot_rights`); update_ids: my_chat_member, then new_chat_members."""
        return await self.set_bot_rights(chat_id, by_user, status, **rights)

    async def remove_bot(
        self, chat_id: int, by_user: User, *, kicked: bool = True
    ) -> dict[str, Any]:
        """Removes the bot from the group (banned, "kicked", or just "left")."""
        return await self.set_bot_rights(chat_id, by_user, "kicked" if kicked else "left")

    # --------------------------------------------------------------- messages
    async def send_message(self, chat_id: int, user: User, **fields: Any) -> dict[str, Any]:
        """Raw form of :meth:`send_text`: any JSON fields of the messages route."""
        return await self._request(
            "POST", f"/chats/{chat_id}/messages", json_body={"from": user, **fields}
        )

    async def send_text(
        self,
        chat_id: int,
        user: User,
        text: str,
        *,
        message_thread_id: int | None = None,
        reply_to_message_id: int | None = None,
        anonymous: bool = False,
    ) -> dict[str, Any]:
        """The user writes ``text``; returns ``{"message": view, "update_id"}``. With
        ``anonymous`` a group administrator posts on behalf of the group (the bot sees
        ``from`` GroupAnonymousBot and ``sender_chat`` the group)."""
        fields: dict[str, Any] = {"text": text}
        if message_thread_id is not None:
            fields["message_thread_id"] = message_thread_id
        if reply_to_message_id is not None:
            fields["reply_to_message_id"] = reply_to_message_id
        if anonymous:
            fields["anonymous"] = True
        return await self.send_message(chat_id, user, **fields)

    async def edit_text(
        self, chat_id: int, user: User, message_id: int, text: str
    ) -> dict[str, Any]:
        """The user edits the text of their message ``message_id``; the bot gets an
        ``edited_message`` update. Returns ``{"message": view, "update_id"}``."""
        return await self._request(
            "POST",
            f"/chats/{chat_id}/messages/{message_id}/edit",
            json_body={"from": user, "text": text},
        )

    async def edit_caption(
        self, chat_id: int, user: User, message_id: int, caption: str
    ) -> dict[str, Any]:
        """The user edits (adds, or with "" removes) the caption of their media message;
        returns ``{"message": view, "update_id"}`` like :meth:`edit_text`."""
        return await self._request(
            "POST",
            f"/chats/{chat_id}/messages/{message_id}/edit",
            json_body={"from": user, "caption": caption},
        )

    async def send_file(
        self,
        chat_id: int,
        user: User,
        kind: str,
        data: bytes,
        filename: str,
        mime_type: str,
        caption: str | None = None,
        duration: int | None = None,
        *,
        message_thread_id: int | None = None,
    ) -> dict[str, Any]:
        """The user sends a file (kind: voice, audio, document, photo, video, video_note,
        sticker) as multipart; returns ``{"message": view, "update_id"}``."""
        form = aiohttp.FormData()
        form.add_field("from", json.dumps(user))
        if caption is not None:
            form.add_field("caption", caption)
        if duration is not None:
            form.add_field("duration", str(duration))
        if message_thread_id is not None:
            form.add_field("message_thread_id", str(message_thread_id))
        form.add_field(kind, data, filename=filename, content_type=mime_type)
        return await self._request("POST", f"/chats/{chat_id}/messages", data=form)

    async def send_voice(
        self,
        chat_id: int,
        user: User,
        data: bytes,
        filename: str = "voice.ogg",
        mime_type: str = "audio/ogg",
        duration: int | None = None,
        *,
        message_thread_id: int | None = None,
    ) -> dict[str, Any]:
        """The user sends a voice note. Without ``duration`` the emulator measures it; a
        recording that is not OGG/Opus (WebM, WAV…) is transcoded to OGG/Opus when ffmpeg is
        installed, as a Telegram client would. Returns ``{"message": view, "update_id"}``."""
        return await self.send_file(
            chat_id,
            user,
            "voice",
            data,
            filename,
            mime_type,
            duration=duration,
            message_thread_id=message_thread_id,
        )

    async def chat_view(
        self,
        chat_id: int,
        after: int = 0,
        wait: float = 0,
        thread: int | None = None,
        version: int | None = None,
    ) -> dict[str, Any]:
        """The full messages route answer: ``{"messages": [...], "chat_action",
        "reply_keyboard", "version"}``."""
        return await self._request(
            "GET",
            f"/chats/{chat_id}/messages",
            params={"after": after, "wait": wait, "thread": thread, "version": version},
            request_timeout=wait + 30.0,
        )

    async def messages(
        self,
        chat_id: int,
        after: int = 0,
        wait: float = 0,
        thread: int | None = None,
    ) -> list[dict[str, Any]]:
        """The chat as the user sees it: message views newer than ``after``, oldest first;
        ``wait`` long-polls until there is at least one."""
        return (await self.chat_view(chat_id, after=after, wait=wait, thread=thread))["messages"]

    async def send_sticker(self, chat_id: int, user: User, emoji: str = "🙂") -> dict[str, Any]:
        """The user sends a sticker; returns ``{"message": view, "update_id"}``."""
        return await self.send_message(chat_id, user, sticker={"emoji": emoji})

    async def transcript(self, chat_id: int) -> str:
        """The chat as readable lines, for assertion messages."""
        try:
            listing = await self.messages(chat_id)
        except SandboxError as error:
            return f"<no transcript: {error}>"
        lines = []
        for message in listing:
            who = "bot" if message["from_bot"] else message["from"].get("first_name", "user")
            if message.get("sender_chat"):
                who = message["sender_chat"].get("title") or who
            body = message["text"] or message["caption"] or ""
            if message["media"]:
                body = f"[{message['media']['kind']}] {body}"
            if message["invoice"]:
                body = f"[invoice {message['invoice']['title']}] {body}"
            if message["successful_payment"]:
                body = "[successful_payment]"
            markup = message.get("reply_markup") or {}
            buttons = [
                button.get("text") for row in markup.get("inline_keyboard", []) for button in row
            ]
            suffix = f" {buttons}" if buttons else ""
            lines.append(f"#{message['message_id']} {who}: {body}{suffix}")
        return "\n".join(lines) or "<empty chat>"

    async def wait_for_bot_messages(
        self,
        chat_id: int,
        after: int,
        count: int = 1,
        timeout: float = 10.0,
        thread: int | None = None,
    ) -> list[dict[str, Any]]:
        """Waits until ``count`` bot messages newer than ``after`` exist and returns them
        (all bot messages after ``after``, at least ``count``). Raises AssertionError with
        the chat transcript on timeout."""
        deadline = time.monotonic() + timeout
        cursor = after
        found: list[dict[str, Any]] = []
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                transcript = await self.transcript(chat_id)
                raise AssertionError(
                    f"expected {count} bot message(s) after #{after} in chat {chat_id} within "
                    f"{timeout}s, got {len(found)}. Transcript:\n{transcript}"
                )
            listing = await self.messages(
                chat_id, after=cursor, wait=min(remaining, 5.0), thread=thread
            )
            for message in listing:
                cursor = max(cursor, message["message_id"])
                if message["from_bot"]:
                    found.append(message)
            if len(found) >= count:
                return found

    async def wait_for_edit(
        self,
        chat_id: int,
        message_id: int,
        contains: str | None = None,
        timeout: float = 10.0,
        predicate: Callable[[dict[str, Any]], bool] | None = None,
    ) -> list[dict[str, Any]]:
        """Waits until message ``message_id`` has been edited (and its text or caption
        contains ``contains`` / ``predicate(view)`` holds); returns ``[view]``. Raises
        AssertionError with the transcript on timeout."""
        deadline = time.monotonic() + timeout
        version: int | None = None
        while True:
            view = await self.chat_view(
                chat_id,
                after=message_id - 1,
                wait=max(0.0, min(deadline - time.monotonic(), 5.0)) if version else 0,
                version=version,
            )
            version = view["version"]
            for message in view["messages"]:
                if message["message_id"] != message_id or not message["edited"]:
                    continue
                shown = message["text"] or message["caption"] or ""
                if contains is not None and contains not in shown:
                    continue
                if predicate is None or predicate(message):
                    return [message]
            if time.monotonic() >= deadline:
                transcript = await self.transcript(chat_id)
                raise AssertionError(
                    f"message #{message_id} in chat {chat_id} was not edited"
                    f"{f' to contain {contains!r}' if contains else ''} within {timeout}s. "
                    f"Transcript:\n{transcript}"
                )

    async def download(self, file_id_or_url: str) -> bytes:
        """Downloads a stored file by file_id or by the ``url`` of a message view's media."""
        if file_id_or_url.startswith("/"):
            url = self.base_url + file_id_or_url
        else:
            url = f"{self.base_url}/sandbox/api/files/{file_id_or_url}"
        async with self.session.get(url) as response:
            if response.status >= 400:
                raise SandboxError(response.status, await response.text())
            return await response.read()

    # -------------------------------------------------------------- callbacks
    async def press(self, chat_id: int, user: User, message_id: int, data: str) -> dict[str, Any]:
        """The user presses an inline button; returns ``{"callback_query_id", "update_id"}``."""
        return await self._request(
            "POST",
            f"/chats/{chat_id}/callbacks",
            json_body={"from": user, "message_id": message_id, "data": data},
        )

    async def callback_answer(self, callback_query_id: str, wait: float = 0) -> dict[str, Any]:
        """``{"answered", "text", "show_alert", "url"}``, long-polling up to ``wait`` s."""
        return await self._request(
            "GET",
            f"/callbacks/{callback_query_id}",
            params={"wait": wait},
            request_timeout=wait + 30.0,
        )

    # --------------------------------------------------------------- payments
    async def pay(
        self,
        chat_id: int,
        user: User,
        message_id: int | None = None,
        *,
        invoice_link: str | None = None,
        deliver_twice: bool = False,
        recurring_renewal: bool = False,
        timeout: float = 10.0,
    ) -> dict[str, Any]:
        """The user pays the invoice in ``message_id`` (or an invoice link); returns
        ``{"status": "paid"|"refused"|"timeout", ...}``."""
        body: dict[str, Any] = {
            "from": user,
            "deliver_twice": deliver_twice,
            "recurring_renewal": recurring_renewal,
            "timeout": timeout,
        }
        if message_id is not None:
            body["message_id"] = message_id
        if invoice_link is not None:
            body["invoice_link"] = invoice_link
        return await self._request(
            "POST", f"/chats/{chat_id}/payments", json_body=body, request_timeout=timeout + 30.0
        )

    async def repeat_payment(self, chat_id: int, telegram_payment_charge_id: str) -> int:
        body = {"telegram_payment_charge_id": telegram_payment_charge_id}
        result = await self._request("POST", f"/chats/{chat_id}/payments/repeat", json_body=body)
        return result["update_id"]

    async def payments(self) -> dict[str, Any]:
        """``{"charges": [...], "refunds": [...], "subscription_edits": [...]}``."""
        return await self._request("GET", "/payments")

    # ------------------------------------------------------- users and bot
    async def block(self, user_id: int, blocked: bool = True) -> dict[str, Any]:
        return await self._request(
            "POST", f"/users/{user_id}/block", json_body={"blocked": blocked}
        )

    async def add_users(self, users: list[dict[str, Any]]) -> dict[str, Any]:
        """Private chats with the bot for `users`, as if they had started it (no updates)."""
        return await self._request("POST", "/users", json_body={"users": users})

    async def delete_account(self, user_id: int) -> dict[str, Any]:
        return await self._request("POST", f"/users/{user_id}/delete", json_body={})

    async def bot_info(self) -> dict[str, Any]:
        return await self._request("GET", "/bot")

    async def bot_commands(
        self, language_code: str = "", scope: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """What setMyCommands stored for this scope (default: default) and language."""
        params = {"language_code": language_code, "scope": json.dumps(scope) if scope else None}
        return (await self._request("GET", "/bot/commands", params=params))["commands"]

    # ------------------------------------------------------ log and faults
    async def requests(
        self, errors_only: bool = False, since: int = 0, method: str | None = None
    ) -> list[dict[str, Any]]:
        params = {"since": since, "errors_only": "1" if errors_only else None, "method": method}
        return (await self._request("GET", "/requests", params=params))["requests"]

    async def rejected_requests(self) -> list[dict[str, Any]]:
        """Bot API calls that got an error answer (validation, semantics or injected)."""
        return await self.requests(errors_only=True)

    async def clear_requests(self) -> None:
        await self._request("DELETE", "/requests")

    async def inject_fault(
        self,
        method: str,
        kind: str = "429",
        count: int = 1,
        retry_after: int = 1,
        delay: float = 1.0,
    ) -> dict[str, Any]:
        body = {
            "method": method,
            "kind": kind,
            "count": count,
            "retry_after": retry_after,
            "delay": delay,
        }
        return (await self._request("POST", "/faults", json_body=body))["fault"]

    async def clear_faults(self) -> None:
        await self._request("DELETE", "/faults")

    # ------------------------------------------------------------ rate limits
    async def rate_limits(self) -> RateLimits | None:
        """The sending limits in force (``None``: off)."""
        raw = await self._request("GET", "/limits")
        return None if raw is None else RateLimits.from_json(raw)

    async def set_rate_limits(
        self, limits: RateLimits | dict[str, Any] | None
    ) -> RateLimits | None:
        """Replaces the sending limits (``None`` switches them off; a dict may name only some
        windows); the windows start empty. Returns the limits now in force."""
        body = limits.to_json() if isinstance(limits, RateLimits) else limits
        # No body (None) switches them off.
        raw = await self._request("PUT", "/limits", json_body=body)
        return None if raw is None else RateLimits.from_json(raw)
