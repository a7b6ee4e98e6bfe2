"""The emulated Telegram world: users, bots, chats, messages, topics, files, payments, updates.

Everything lives in memory (files may also be mirrored to a directory) and is mutated only
from the event loop thread, so no locking is needed; waiters are woken through
:class:`Notifier`.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Update kinds Telegram does not deliver unless they are asked for explicitly.
OPT_IN_UPDATE_KINDS = {"chat_member", "message_reaction", "message_reaction_count"}

CHAT_ACTION_VISIBLE_SECONDS = 5.0
# How long a callback answer without show_alert (a toast) stays in the chat page's view.
TOAST_VISIBLE_SECONDS = 5.0

# The fake sender of messages that anonymous group administrators post on behalf of the group.
GROUP_ANONYMOUS_BOT: dict[str, Any] = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}


def now() -> int:
    return int(time.time())


class Notifier:
    """Wakes every waiter on each change; waiters re-check their own condition."""

    def __init__(self) -> None:
        self._event = asyncio.Event()
        # Counts changes so that pollers can ask "anything new since version N?".
        self.version = 0

    def notify(self) -> None:
        self.version += 1
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, seconds: float) -> bool:
        event = self._event
        if seconds <= 0:
            return False
        try:
            await asyncio.wait_for(event.wait(), seconds)
        except TimeoutError:
            return False
        return True


def new_file_id() -> tuple[str, str]:
    """A (file_id, file_unique_id) pair shaped like Telegram's opaque identifiers."""
    return "AgAC" + secrets.token_urlsafe(36), "AQAD" + secrets.token_urlsafe(9)


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    kind: str
    data: bytes
    file_name: str | None
    mime_type: str | None
    file_path: str
    source_url: str | None = None
    # Whole seconds measured from the content (voice, audio, video_note), once known.
    duration: int | None = None

    @property
    def file_size(self) -> int:
        return len(self.data)


@dataclass
class ForumTopic:
    message_thread_id: int
    name: str
    icon_color: int
    icon_custom_emoji_id: str | None = None
    is_closed: bool = False
    is_deleted: bool = False
    # Who opened the topic (a user's or the bot's id): the bot may manage its own topics.
    created_by: int | None = None

    def to_api(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "message_thread_id": self.message_thread_id,
            "name": self.name,
            "icon_color": self.icon_color,
        }
        if self.icon_custom_emoji_id:
            result["icon_custom_emoji_id"] = self.icon_custom_emoji_id
        return result

    def to_view(self) -> dict[str, Any]:
        return {**self.to_api(), "is_closed": self.is_closed}


@dataclass
class StoredMessage:
    message_id: int
    chat_id: int
    sender: dict[str, Any]
    from_bot: bool
    date: int
    text: str | None = None
    raw_text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    caption: str | None = None
    raw_caption: str | None = None
    caption_entities: list[dict[str, Any]] = field(default_factory=list)
    parse_mode: str | None = None
    reply_markup: dict[str, Any] | None = None
    media: dict[str, Any] | None = None
    message_thread_id: int | None = None
    reply_to_message_id: int | None = None
    edit_date: int | None = None
    deleted: bool = False
    invoice: dict[str, Any] | None = None
    successful_payment: dict[str, Any] | None = None
    service: dict[str, Any] = field(default_factory=dict)
    forward_origin: dict[str, Any] | None = None
    # Set when an anonymous administrator posted on behalf of the chat: then ``sender`` is
    # GROUP_ANONYMOUS_BOT, ``sender_chat`` the chat and ``author_id`` the hidden user's id.
    sender_chat: dict[str, Any] | None = None
    author_id: int | None = None
    # Chosen reactions by actor (a user's or the bot's id): lists of ReactionType objects.
    reactions: dict[int, list[dict[str, Any]]] = field(default_factory=dict)

    def content_signature(self) -> tuple[Any, ...]:
        """What "message is not modified" compares."""
        return (self.text, self.caption, self.reply_markup)


@dataclass
class Chat:
    id: int
    type: str  # private, group, supergroup, channel
    title: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    username: str | None = None
    is_forum: bool = False
    # user id -> status ("creator", "administrator", "member", "left", "kicked")
    members: dict[int, str] = field(default_factory=dict)
    bot_status: str = "administrator"  # or "member", "left", "kicked"
    bot_can_manage_topics: bool = True
    bot_can_delete_messages: bool = True
    topics: dict[int, ForumTopic] = field(default_factory=dict)
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    next_message_id: int = 1
    chat_action: tuple[str, float, int | None] | None = None  # action, time, thread
    reply_keyboard: dict[str, Any] | None = None
    pinned_message_id: int | None = None
    # Callback answers with text, shown by the chat page as in-chat popups.
    notices: list[Notice] = field(default_factory=list)

    def allocate_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id

    def to_api(self) -> dict[str, Any]:
        result: dict[str, Any] = {"id": self.id, "type": self.type}
        for key in ("title", "first_name", "last_name", "username"):
            value = getattr(self, key)
            if value:
                result[key] = value
        if self.is_forum:
            result["is_forum"] = True
        return result

    def live_messages(self) -> list[StoredMessage]:
        return [message for message in self.messages.values() if not message.deleted]

    def current_chat_action(self) -> dict[str, Any] | None:
        if self.chat_action is None:
            return None
        action, started, thread = self.chat_action
        if time.time() - started > CHAT_ACTION_VISIBLE_SECONDS:
            return None
        return {"action": action, "time": started, "message_thread_id": thread}


@dataclass
class Notice:
    """A bot's answer to a pressed button, as a Telegram app shows it: a toast that fades or,
    with ``show_alert``, a popup the user dismisses."""

    notice_id: int
    text: str
    show_alert: bool
    date: float
    user_id: int | None
    message_id: int
    message_thread_id: int | None
    callback_query_id: str

    def visible(self, at: float) -> bool:
        return self.show_alert or at - self.date <= TOAST_VISIBLE_SECONDS

    def to_view(self) -> dict[str, Any]:
        return {
            "notice_id": self.notice_id,
            "kind": "alert" if self.show_alert else "toast",
            "text": self.text,
            "show_alert": self.show_alert,
            "date": self.date,
            "user_id": self.user_id,
            "message_id": self.message_id,
            "message_thread_id": self.message_thread_id,
            "callback_query_id": self.callback_query_id,
        }


@dataclass
class WebhookConfig:
    url: str
    secret_token: str | None
    allowed_updates: list[str] | None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class CallbackRecord:
    callback_query_id: str
    chat_id: int
    message_id: int
    data: str
    answered: bool = False
    text: str | None = None
    show_alert: bool = False
    url: str | None = None
    answered_event: asyncio.Event = field(default_factory=asyncio.Event)
    user_id: int | None = None  # who pressed the button
    message_thread_id: int | None = None

    def to_view(self) -> dict[str, Any]:
        return {
            "callback_query_id": self.callback_query_id,
            "answered": self.answered,
            "text": self.text,
            "show_alert": self.show_alert,
            "url": self.url,
        }


@dataclass
class PreCheckoutRecord:
    query_id: str
    answer: asyncio.Future[tuple[bool, str | None]]


@dataclass
class BotState:
    """Everything that belongs to one bot (one token's user id)."""

    bot_id: int
    username: str
    token: str | None = None
    updates: list[dict[str, Any]] = field(default_factory=list)
    next_update_id: int = field(default_factory=lambda: 100_000_001)
    updates_changed: Notifier = field(default_factory=Notifier)
    allowed_updates: list[str] | None = None
    # Bumped by every getUpdates call so that an older concurrent long poll ends with 409.
    poll_generation: int = 0
    webhook: WebhookConfig | None = None
    webhook_task: asyncio.Task[None] | None = None
    webhook_deliveries: list[dict[str, Any]] = field(default_factory=list)
    commands: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    descriptions: dict[tuple[str, str], str] = field(default_factory=dict)
    menu_buttons: dict[int | None, dict[str, Any]] = field(default_factory=dict)
    chats: dict[int, Chat] = field(default_factory=dict)
    blocked_by: set[int] = field(default_factory=set)
    callbacks: dict[str, CallbackRecord] = field(default_factory=dict)
    pre_checkouts: dict[str, PreCheckoutRecord] = field(default_factory=dict)
    invoice_links: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "EasyFlow Sandbox",
            "username": self.username,
        }

    def add_update(self, kind: str, payload: dict[str, Any]) -> int:
        update_id = self.next_update_id
        self.next_update_id += 1
        self.updates.append({"update_id": update_id, kind: payload})
        self.updates_changed.notify()
        return update_id

    def pending_updates(self) -> list[dict[str, Any]]:
        allowed = self.allowed_updates
        result = []
        for update in self.updates:
            kind = update_kind(update)
            if allowed:
                if kind in allowed:
                    result.append(update)
            elif kind not in OPT_IN_UPDATE_KINDS:
                result.append(update)
        return result

    def confirm_updates(self, offset: int) -> None:
        """Drops updates below ``offset`` (getUpdates semantics)."""
        if offset < 0:
            # A negative offset keeps only the last |offset| updates.
            self.updates = self.updates[offset:]
        else:
            self.updates = [update for update in self.updates if update["update_id"] >= offset]


def update_kind(update: dict[str, Any]) -> str:
    return next(key for key in update if key != "update_id")


@dataclass
class Fault:
    method: str
    remaining: int
    kind: str  # "429", "500", "502", "delay"
    retry_after: int = 1
    delay: float = 1.0

    def to_view(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "remaining": self.remaining,
            "kind": self.kind,
            "retry_after": self.retry_after,
            "delay": self.delay,
        }


class World:
    """All state of one emulator instance."""

    def __init__(self, bot_username: str, files_dir: Path | None) -> None:
        self.bot_username = bot_username
        self.files_dir = files_dir
        self.users: dict[int, dict[str, Any]] = {}
        # Users who deleted their account: every bot's sends to them fail with 403.
        self.deleted_users: set[int] = set()
        self.bots: dict[int, BotState] = {}
        # Control calls made before any bot connected go here; the first bot adopts it.
        self.unclaimed_bot: BotState | None = None
        self.last_active_bot_id: int | None = None
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.request_log: list[dict[str, Any]] = []
        self._request_ids = itertools.count(1)
        self.faults: list[Fault] = []
        self.charges: list[dict[str, Any]] = []
        self.refunds: list[dict[str, Any]] = []
        self.subscription_edits: list[dict[str, Any]] = []
        self.changed = Notifier()  # any chat content changed
        self._group_ids = itertools.count(1)
        self._file_counter = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._notice_ids = itertools.count(1)
        # The chat page's side: whom it acts as (messages sent without "from" come from this
        # user), whom it acted as before, and the admin group whose owner is "the operator".
        self.page_user: dict[str, Any] | None = None
        self.page_previous_user: dict[str, Any] | None = None
        self.admin_chat_id: int | None = None

    # ------------------------------------------------------------------ bots
    def bot_for_api(self, bot_id: int, token: str) -> BotState:
        """The bot calling the Bot API; created (or adopted from unclaimed state) on first call."""
        bot = self.bots.get(bot_id)
        if bot is None:
            if self.unclaimed_bot is not None:
                bot = self.unclaimed_bot
                bot.bot_id = bot_id
                self.unclaimed_bot = None
            else:
                bot = BotState(bot_id=bot_id, username=self.bot_username)
            self.bots[bot_id] = bot
        bot.token = token
        self.last_active_bot_id = bot_id
        return bot

    def bot_for_control(self, bot_id: int | None = None) -> BotState:
        """The bot a control call is about: explicit id, else the most recently active bot."""
        if bot_id is not None:
            bot = self.bots.get(bot_id)
            if bot is None:
                bot = BotState(bot_id=bot_id, username=self.bot_username)
                self.bots[bot_id] = bot
            return bot
        if self.last_active_bot_id is not None:
            return self.bots[self.last_active_bot_id]
        if self.unclaimed_bot is None:
            self.unclaimed_bot = BotState(bot_id=0, username=self.bot_username)
        return self.unclaimed_bot

    # ----------------------------------------------------------------- users
    def remember_user(self, raw: dict[str, Any]) -> dict[str, Any]:
        """Normalizes a user object from the control API and stores it."""
        user_id = int(raw["id"])
        known = self.users.get(user_id, {})
        user: dict[str, Any] = {
            "id": user_id,
            "is_bot": bool(raw.get("is_bot", False)),
            "first_name": str(
                raw.get("first_name") or known.get("first_name") or f"User {user_id}"
            ),
        }
        for key in ("last_name", "username", "language_code"):
            value = raw.get(key, known.get(key))
            if value:
                user[key] = str(value)
        self.users[user_id] = user
        return user

    def new_group_id(self, supergroup: bool) -> int:
        sequence = next(self._group_ids)
        return (
            -(1_000_000_000_000 + 4_000_000 + sequence) if supergroup else -(4_000_000 + sequence)
        )

    def new_callback_id(self) -> str:
        return f"{next(self._callback_ids)}{secrets.randbelow(10**12):012d}"

    def add_notice(self, chat: Chat, record: CallbackRecord) -> Notice:
        """Records the answer to ``record`` (answered, with text) as a notice in ``chat``."""
        notice = Notice(
            notice_id=next(self._notice_ids),
            text=record.text or "",
            show_alert=record.show_alert,
            date=time.time(),
            user_id=record.user_id,
            message_id=record.message_id,
            message_thread_id=record.message_thread_id,
            callback_query_id=record.callback_query_id,
        )
        chat.notices.append(notice)
        # Faded toasts are of no use to anyone: keep the list short.
        chat.notices = [item for item in chat.notices if item.visible(notice.date)]
        return notice

    # ----------------------------------------------------------------- files
    def store_file(
        self,
        kind: str,
        data: bytes,
        file_name: str | None,
        mime_type: str | None,
        source_url: str | None = None,
    ) -> StoredFile:
        file_id, unique_id = new_file_id()
        extension = Path(file_name).suffix if file_name else ""
        folder = {"photo": "photos", "voice": "voice", "audio": "music", "video": "videos"}.get(
            kind, "documents"
        )
        file_path = f"{folder}/file_{next(self._file_counter)}{extension}"
        stored = StoredFile(
            file_id=file_id,
            file_unique_id=unique_id,
            kind=kind,
            data=data,
            file_name=file_name,
            mime_type=mime_type,
            file_path=file_path,
            source_url=source_url,
        )
        self.files[file_id] = stored
        self.files_by_path[file_path] = stored
        if self.files_dir is not None:
            target = self.files_dir / file_path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        return stored

    # ------------------------------------------------------------------- log
    def log_request(self, entry: dict[str, Any]) -> dict[str, Any]:
        entry = {"id": next(self._request_ids), "time": time.time(), **entry}
        self.request_log.append(entry)
        return entry

    def take_fault(self, method: str) -> Fault | None:
        for fault in self.faults:
            if fault.method.lower() == method.lower() and fault.remaining > 0:
                fault.remaining -= 1
                return fault
        return None
