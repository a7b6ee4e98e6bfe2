"""/admins: who runs the console. Owners (ADMIN_IDS) add and remove the other admins."""

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
from handlers.admin_group import admin_text, console_date, lookup_failure_text
from handlers.screens import show
from services.admins import (
    AdminChangeRefused,
    AdminMember,
    AdminRole,
    add_admin,
    admin_members,
    remove_admin,
)
from services.users import UserLookupFailed, display_name, find_user, forget_recent_user

ADD, REMOVE = "add", "remove"


class AdminRemoval(CallbackData, prefix="adma"):
    admin: int


async def admins_command(
    message: Message, command: CommandObject, i18n: I18nContext, session: AsyncSession,
    settings: Settings,
) -> None:  # fmt: skip
    words = (command.args or "").split()
    if not words:
        text, markup = await _listing(i18n, session, settings)
        await message.answer(text, reply_markup=markup)
        return
    if len(words) != 2 or words[0].lower() not in (ADD, REMOVE):
        await message.answer(admin_text(i18n, settings, "admins-usage"))
        return
    try:
        person = await find_user(session, words[1])
    except UserLookupFailed as failed:
        await message.answer(lookup_failure_text(i18n, settings, words[1], failed))
        return
    adding = words[0].lower() == ADD
    change = add_admin if adding else remove_admin
    try:
        await change(
            session, person.telegram_id, by=message.from_user.id,  # type: ignore[union-attr]
            owners=settings.admin_ids,
        )  # fmt: skip
    except AdminChangeRefused as refused:
        await message.answer(admin_text(i18n, settings, f"admins-refused-{refused.problem}"))
        return
    await session.commit()
    forget_recent_user(person.telegram_id)  # a block the new admin had is lifted
    name = escape(display_name(person))
    await message.answer(
        admin_text(
            i18n,
            settings,
            "admins-added" if adding else "admins-removed",
            name=name,
            id=str(person.telegram_id),
        )
    )


async def admin_removal(
    query: CallbackQuery, callback_data: AdminRemoval, i18n: I18nContext,
    session: AsyncSession, settings: Settings,
) -> None:  # fmt: skip
    try:
        await remove_admin(
            session, callback_data.admin, by=query.from_user.id, owners=settings.admin_ids
        )
    except AdminChangeRefused as refused:
        await query.answer(
            admin_text(i18n, settings, f"admins-refused-{refused.problem}"), show_alert=True
        )
        return
    await session.commit()
    text, markup = await _listing(i18n, session, settings)
    await show(query, text, markup)


async def _listing(
    i18n: I18nContext, session: AsyncSession, settings: Settings
) -> tuple[str, InlineKeyboardMarkup | None]:
    members = await admin_members(session, settings.admin_ids)
    lines = [admin_text(i18n, settings, "admins-title")]
    lines += [_line(i18n, settings, member) for member in members]
    lines.append(admin_text(i18n, settings, "admins-usage"))
    keyboard = InlineKeyboardBuilder()
    for member in members:
        if member.role is AdminRole.ADMIN:
            keyboard.button(
                text=admin_text(i18n, settings, "admins-remove-button", name=_name(member)),
                callback_data=AdminRemoval(admin=member.telegram_id),
            )
    keyboard.adjust(1)
    return "\n".join(lines), keyboard.as_markup() if list(keyboard.buttons) else None


def _line(i18n: I18nContext, settings: Settings, member: AdminMember) -> str:
    if member.role is AdminRole.OWNER:
        return admin_text(
            i18n,
            settings,
            "admins-owner-line",
            name=escape(_name(member)),
            id=str(member.telegram_id),
        )
    return admin_text(
        i18n,
        settings,
        "admins-admin-line",
        name=escape(_name(member)),
        id=str(member.telegram_id),
        by=str(member.added_by or "—"),
        date=console_date(member.added_at),
    )


def _name(member: AdminMember) -> str:
    return member.name or str(member.telegram_id)


def register(router: Router) -> None:
    router.message.register(admins_command, Command("admins"))
    router.callback_query.register(admin_removal, AdminRemoval.filter())
