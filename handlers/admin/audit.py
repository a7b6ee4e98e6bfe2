"""/audit: the latest admin actions, by one admin or of one kind, page by page."""

from __future__ import annotations

from html import escape

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from handlers.admin_group import admin_text, console_moment, lookup_failure_text
from handlers.screens import show
from services import audit
from services.audit import AuditAction, AuditRecord
from services.users import UserLookupFailed, find_user, parse_telegram_id

NO_FILTER = 0
# Characters of one /audit page: under Telegram's 4096 with room for HTML and the title.
PAGE_BUDGET = 3800


class AuditPage(CallbackData, prefix="admt"):
    """The entries older than `before`, with the same filters (0: none)."""

    before: int
    admin: int = NO_FILTER
    action: str = ""


async def audit_command(
    message: Message, command: CommandObject, i18n: I18nContext, session: AsyncSession,
    settings: Settings,
) -> None:  # fmt: skip
    admin_id: int | None = None
    action: AuditAction | None = None
    for word in (command.args or "").split():
        if word.lower() in set(AuditAction):
            action = AuditAction(word.lower())
        elif (typed_id := parse_telegram_id(word)) is not None:
            admin_id = typed_id  # by id: also an owner the bot never saw
        elif word.startswith("@"):
            try:
                admin_id = (await find_user(session, word)).telegram_id
            except UserLookupFailed as failed:
                await message.answer(lookup_failure_text(i18n, settings, word, failed))
                return
        else:
            actions = ", ".join(action.value for action in AuditAction)
            await message.answer(
                admin_text(
                    i18n, settings, "audit-unknown-filter", word=escape(word), actions=actions
                )
            )
            return
    text, markup = await _page(i18n, session, settings, admin_id=admin_id, action=action)
    await message.answer(text, reply_markup=markup)


async def audit_page(
    query: CallbackQuery, callback_data: AuditPage, i18n: I18nContext, session: AsyncSession,
    settings: Settings,
) -> None:  # fmt: skip
    text, markup = await _page(
        i18n,
        session,
        settings,
        admin_id=callback_data.admin or None,
        action=AuditAction(callback_data.action) if callback_data.action else None,
        before_id=callback_data.before,
    )
    await show(query, text, markup)


async def _page(
    i18n: I18nContext, session: AsyncSession, settings: Settings, *,
    admin_id: int | None, action: AuditAction | None, before_id: int | None = None,
) -> tuple[str, InlineKeyboardMarkup | None]:  # fmt: skip
    entries = await audit.latest(session, admin_id=admin_id, action=action, before_id=before_id)
    if not entries:
        return admin_text(i18n, settings, "audit-empty"), None
    text = admin_text(i18n, settings, "audit-title")
    shown = 0
    for entry in entries:  # as many as one message holds; the rest on the next page
        line = _line(i18n, settings, entry)
        if len(text) + 1 + len(line) > PAGE_BUDGET and shown:
            break
        text, shown = f"{text}\n{line}", shown + 1
    if shown == len(entries) < audit.DEFAULT_AUDIT_PAGE:
        return text, None
    keyboard = InlineKeyboardBuilder()
    keyboard.button(
        text=admin_text(i18n, settings, "audit-older"),
        callback_data=AuditPage(
            before=entries[shown - 1].id,
            admin=admin_id or NO_FILTER,
            action=action.value if action else "",
        ),
    )
    return text, keyboard.as_markup()


def _line(i18n: I18nContext, settings: Settings, entry: AuditRecord) -> str:
    return admin_text(
        i18n,
        settings,
        "audit-line",
        date=console_moment(entry.at),
        admin=str(entry.admin_id),
        action=escape(str(entry.action)),
        target=escape(entry.target),
        change=escape(entry.change_summary()),
    )


def register(router: Router) -> None:
    router.message.register(audit_command, Command("audit"))
    router.callback_query.register(audit_page, AuditPage.filter())
