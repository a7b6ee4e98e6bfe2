"""/user <id|@username> in the admin group: a user's card, and its buttons — grant or take
credits (typed as "<number> <reason>"), block or unblock, open their last report, refresh."""

from __future__ import annotations

from html import escape
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Module, Settings
from handlers.admin_group import (
    AdminInput,
    admin_text,
    ask_admin,
    console_date,
    console_moment,
    lookup_failure_text,
)
from handlers.filters import PLAIN_TEXT
from handlers.screens import show
from services.console.user_card import (
    REASON_MAX_LENGTH,
    BanProblem,
    BanRefused,
    CreditChangeRefused,
    CreditDirection,
    CreditProblem,
    MoneyTotal,
    UserCard,
    ban_user,
    card_for_reference,
    change_credits,
    last_report,
    unban_user,
    user_card,
)
from services.interview.bank import LEVELS
from services.payments.catalog import format_amount
from services.users import UserLookupFailed, forget_recent_user, full_name

# FSM data of the credits step: whose balance, and which way.
CREDITS_USER = "credits_user"
CREDITS_DIRECTION = "credits_direction"

GRANT, TAKE = CreditDirection.GRANT.value, CreditDirection.TAKE.value
BLOCK, UNBLOCK, REPORT, REFRESH = "block", "unblock", "report", "refresh"


class UserCardAction(CallbackData, prefix="admu"):
    action: str  # grant | take | block | unblock | report | refresh
    user: int


async def user_command(
    message: Message, command: CommandObject, i18n: I18nContext, session: AsyncSession,
    settings: Settings,
) -> None:  # fmt: skip
    reference = (command.args or "").strip()
    try:
        card = await card_for_reference(session, reference, settings.free_interviews)
    except UserLookupFailed as failed:
        await message.answer(lookup_failure_text(i18n, settings, reference, failed))
        return
    await message.answer(
        _card_text(i18n, settings, card), reply_markup=_markup(i18n, settings, card)
    )


async def credits_pressed(
    query: CallbackQuery, callback_data: UserCardAction, bot: Bot, state: FSMContext,
    i18n: I18nContext, session: AsyncSession, settings: Settings,
) -> None:  # fmt: skip
    card = await user_card(session, callback_data.user, settings.free_interviews)
    if card is None:
        await query.answer(admin_text(i18n, settings, "card-user-gone"), show_alert=True)
        return
    await state.set_state(AdminInput.credits)
    await state.update_data(
        {CREDITS_USER: card.telegram_id, CREDITS_DIRECTION: callback_data.action}
    )
    await query.answer()
    await ask_admin(
        bot,
        i18n,
        settings,
        query.from_user,
        f"card-credits-ask-{callback_data.action}",
        name=escape(card.display_name),
        balance=card.credits,
        limit=settings.admin_credit_limit,
    )


async def credits_typed(
    message: Message, state: FSMContext, i18n: I18nContext, session: AsyncSession,
    settings: Settings,
) -> None:  # fmt: skip
    data = await state.get_data()
    user_id, direction = data.get(CREDITS_USER), data.get(CREDITS_DIRECTION)
    if user_id is None or direction not in (GRANT, TAKE):  # the step's data expired
        await state.clear()
        await message.reply(admin_text(i18n, settings, "card-credits-expired"))
        return
    try:
        change = await change_credits(
            session, int(user_id), CreditDirection(direction), message.text or "",
            admin_id=message.from_user.id,  # type: ignore[union-attr]
            limit=settings.admin_credit_limit,
        )  # fmt: skip
    except CreditChangeRefused as refused:
        if refused.problem is CreditProblem.NO_USER:
            await state.clear()
        await message.reply(
            admin_text(
                i18n,
                settings,
                f"card-credits-{refused.problem}",
                limit=settings.admin_credit_limit,
                balance=refused.balance if refused.balance is not None else 0,
                max=REASON_MAX_LENGTH,
            )
        )
        return
    await session.commit()  # changed before anyone is told so
    await state.clear()
    done = admin_text(
        i18n,
        settings,
        f"card-credits-done-{change.direction}",
        amount=change.amount,
        before=change.balance_before,
        after=change.balance_after,
        reason=escape(change.reason),
    )
    card = await user_card(session, int(user_id), settings.free_interviews)
    assert card is not None
    await message.reply(
        f"{done}\n\n{_card_text(i18n, settings, card)}", reply_markup=_markup(i18n, settings, card)
    )


async def block_pressed(
    query: CallbackQuery, callback_data: UserCardAction, i18n: I18nContext,
    session: AsyncSession, settings: Settings,
) -> None:  # fmt: skip
    try:
        if callback_data.action == BLOCK:
            await ban_user(
                session, callback_data.user, admin_id=query.from_user.id, owners=settings.admin_ids
            )
        else:
            await unban_user(session, callback_data.user, admin_id=query.from_user.id)
    except BanRefused as refused:
        # Already as asked (another admin was quicker): the fresh card shows it.
        if refused.problem not in (BanProblem.ALREADY_BANNED, BanProblem.NOT_BANNED):
            await query.answer(
                admin_text(i18n, settings, f"card-block-refused-{refused.problem}"),
                show_alert=True,
            )
            return
    else:
        await session.commit()
        # This process's next update from them reads the new row (other processes: ≤ 1 min).
        forget_recent_user(callback_data.user)
    await _show_card(query, callback_data.user, i18n, session, settings)


async def refresh_pressed(
    query: CallbackQuery, callback_data: UserCardAction, i18n: I18nContext,
    session: AsyncSession, settings: Settings,
) -> None:  # fmt: skip
    await _show_card(query, callback_data.user, i18n, session, settings)


async def report_pressed(
    query: CallbackQuery, callback_data: UserCardAction, bot: Bot, i18n: I18nContext,
    session: AsyncSession, settings: Settings,
) -> None:  # fmt: skip
    if not settings.module_enabled(Module.INTERVIEW):
        await query.answer(admin_text(i18n, settings, "card-report-module-off"), show_alert=True)
        return

    def translate(key: str, args: dict[str, Any]) -> str:
        return admin_text(i18n, settings, key, **args)

    report = await last_report(session, callback_data.user, translate)
    if report is None:
        await query.answer(admin_text(i18n, settings, "card-report-none"), show_alert=True)
        return
    await query.answer()
    chat_id: int = settings.admin_chat_id  # type: ignore[assignment]
    await bot.send_message(chat_id, report.summary_html)
    await bot.send_document(
        chat_id,
        BufferedInputFile(report.pdf, filename=f"easyflow-interview-{report.interview_id}.pdf"),
        caption=admin_text(
            i18n,
            settings,
            "card-report-caption",
            interview=str(report.interview_id),
            id=str(callback_data.user),
            date=console_date(report.finished_at),
        ),
    )


async def _show_card(
    query: CallbackQuery, user_id: int, i18n: I18nContext, session: AsyncSession,
    settings: Settings,
) -> None:  # fmt: skip
    card = await user_card(session, user_id, settings.free_interviews)
    if card is None:
        await query.answer(admin_text(i18n, settings, "card-user-gone"), show_alert=True)
        return
    await show(query, _card_text(i18n, settings, card), _markup(i18n, settings, card))


# Rendering


def _card_text(i18n: I18nContext, settings: Settings, card: UserCard) -> str:
    def t(key: str, **args: Any) -> str:
        return admin_text(i18n, settings, key, **args)

    lines = [
        t(
            "card-title",
            name=escape(full_name(card) or "—"),
            username=f"@{escape(card.username)}" if card.username else t("card-no-username"),
            id=str(card.telegram_id),
        ),
        t(
            "card-profile",
            language=card.language,
            joined=console_date(card.joined_at),
            seen=console_moment(card.last_seen_at),
        ),
        t(
            "card-banned",
            by=str(card.banned_by or "—"),
            since=console_moment(card.banned_at),
            notice_sent="yes" if card.ban_notice_sent_at else "no",
            notice=console_moment(card.ban_notice_sent_at),
        )
        if card.banned_at
        else t("card-not-banned"),
        t("card-bot-blocked", blocked="yes" if card.blocked_the_bot else "no"),
        "",
        t(
            "card-balance",
            credits=card.credits,
            used=card.free_interviews_used,
            free=card.free_interviews,
        ),
        t("card-subscription", until=console_date(card.subscription_until))
        if card.subscription_until
        else t("card-no-subscription"),
        "",
        t(
            "card-interviews",
            started=card.interviews_started,
            completed=card.interviews_completed,
            average=f"{card.average_score:g}" if card.average_score is not None else "—",
            drills=card.practice_drills,
        ),
    ]
    last = card.last_interview
    if last is not None:
        level = t(f"interview-level-{last.level}") if last.level in LEVELS else last.level
        track = " · ".join(part for part in (last.specialization, level) if part)
        lines.append(
            t(
                "card-last-interview",
                id=str(last.id),
                date=console_date(last.started_at),
                mode=last.mode,
                track=escape(track or "—"),
                status=last.status,
                score=f"{last.score:g}" if last.score is not None else "—",
            )
        )
    lines += [
        "",
        t("card-payments", count=_count(card.payments), sums=_sums(card.payments))
        if card.payments
        else t("card-no-payments"),
        t("card-refunds", count=_count(card.refunds), sums=_sums(card.refunds))
        if card.refunds
        else t("card-no-refunds"),
    ]
    if card.open_refund_requests:
        lines.append(t("card-open-refund-requests", count=card.open_refund_requests))
    return "\n".join(lines)


def _markup(i18n: I18nContext, settings: Settings, card: UserCard) -> InlineKeyboardMarkup:
    def button(key: str, action: str) -> None:
        keyboard.button(
            text=admin_text(i18n, settings, key),
            callback_data=UserCardAction(action=action, user=card.telegram_id),
        )

    keyboard = InlineKeyboardBuilder()
    button("card-button-grant", GRANT)
    button("card-button-take", TAKE)
    if card.banned_at:
        button("card-button-unblock", UNBLOCK)
    else:
        button("card-button-block", BLOCK)
    rows = [2, 1]
    if card.last_report_interview_id is not None and settings.module_enabled(Module.INTERVIEW):
        button("card-button-report", REPORT)
        rows.append(1)
    button("card-button-refresh", REFRESH)
    rows.append(1)
    keyboard.adjust(*rows)
    return keyboard.as_markup()


def _count(totals: list[MoneyTotal]) -> int:
    return sum(total.count for total in totals)


def _sums(totals: list[MoneyTotal]) -> str:
    return ", ".join(format_amount(total.amount, total.currency) for total in totals)


def register(router: Router) -> None:
    """Adds /user's handlers to the admin console's router (admins in the admin group)."""
    router.message.register(user_command, Command("user"))
    router.message.register(credits_typed, StateFilter(AdminInput.credits), PLAIN_TEXT)
    router.callback_query.register(
        credits_pressed, UserCardAction.filter(F.action.in_({GRANT, TAKE}))
    )
    router.callback_query.register(
        block_pressed, UserCardAction.filter(F.action.in_({BLOCK, UNBLOCK}))
    )
    router.callback_query.register(report_pressed, UserCardAction.filter(F.action == REPORT))
    router.callback_query.register(refresh_pressed, UserCardAction.filter(F.action == REFRESH))
