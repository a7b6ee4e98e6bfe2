"""The operator's admin group (ADMIN_CHAT_ID) as every module's admin part sees it: who may
act there, the steps that wait for an admin's input, and the language its texts are in."""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

from aiogram import Bot
from aiogram.filters import Filter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, ForceReply, TelegramObject, User
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from services.admins import AdminRole, admin_role
from services.models.base import aware
from services.users import UserLookupFailed, full_name


class IsAdmin(Filter):
    """An owner (ADMIN_IDS) or an admin they added, acting in the admin group (ADMIN_CHAT_ID).

    Read from the database on every update, so a removed admin's next message or press is
    already refused. Gives handlers `admin_role`.
    """

    async def __call__(
        self, event: TelegramObject, settings: Settings, session: AsyncSession
    ) -> bool | dict[str, AdminRole]:
        message = event.message if isinstance(event, CallbackQuery) else event
        user = getattr(event, "from_user", None)
        chat = getattr(message, "chat", None)
        if (
            settings.admin_chat_id is None
            or chat is None
            or chat.id != settings.admin_chat_id
            or user is None
        ):
            return False
        role = await admin_role(session, user.id, settings.admin_ids)
        return {"admin_role": role} if role is not None else False


class AdminInput(StatesGroup):
    """The admin group's steps that wait for an admin's typed input (or a file). With the admin
    module on, such input from someone who is no longer an admin is refused."""

    credits = State()  # /user → grant or take credits: "<number> <reason>"
    bank_file = State()  # /bank → import: the edited YAML file
    refund_reason = State()  # a refund request → Reject: the reason the user will read
    broadcast_text = State()  # /broadcast: the message (a text, or a photo with a caption)
    broadcast_photo = State()  # a draft → Add photo: a photo (or an image file)
    broadcast_button = State()  # a draft → Add button: "label | address"
    broadcast_days = State()  # a draft → audience "inactive for N days": N


def admin_text(i18n: I18nContext, settings: Settings, key: str, **args: Any) -> str:
    """A text for the admin group, which several admins share: in the operator's language
    (DEFAULT_LANGUAGE), whatever each admin's own."""
    return i18n.core.get(key, settings.default_language, **args)


def console_date(moment: datetime | None) -> str:
    return moment.strftime("%d.%m.%Y") if moment else "—"


def console_moment(moment: datetime | None) -> str:
    """A moment as the admin group reads them: UTC, which every admin shares."""
    return moment.strftime("%d.%m.%Y %H:%M UTC") if moment else "—"


def lookup_failure_text(
    i18n: I18nContext, settings: Settings, reference: str, failed: UserLookupFailed
) -> str:
    """Why `/user`, `/admins` or `/audit` found nobody by `reference`; for an @username several
    users carried, who they are."""
    text = admin_text(
        i18n, settings, f"user-lookup-{failed.problem}", reference=escape(reference or "…")
    )
    matches = [
        admin_text(
            i18n,
            settings,
            "user-lookup-match",
            id=str(match.telegram_id),
            name=escape(full_name(match) or "—"),
            seen=console_moment(aware(match.last_seen_at)),
        )
        for match in failed.matches
    ]
    return "\n".join([text, *matches])


async def ask_admin(
    bot: Bot, i18n: I18nContext, settings: Settings, admin: User, key: str, **args: Any
) -> None:
    """Asks the admin for their input in the admin group: the question (`key`, an admin text
    with `args`) mentions them as `admin`. A selective ForceReply opens the reply field for that
    admin only, and a reply to the bot reaches it even when the group's privacy mode hides other
    members' messages."""
    await bot.send_message(
        settings.admin_chat_id,  # type: ignore[arg-type]
        admin_text(i18n, settings, key, admin=admin.mention_html(), **args),
        reply_markup=ForceReply(selective=True),
    )
