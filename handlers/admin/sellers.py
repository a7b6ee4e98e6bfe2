"""/sellers in the admin group: each seller's marketplaces, their last sync and errors, buyer
chats and SLA hit rate, sellers with problems first, a page at a time."""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Module, Settings
from handlers.admin_group import admin_text
from handlers.screens import show
from handlers.time_text import duration_text, local_moment
from services.marketplace.overview import (
    SYNC_ERRORS,
    AccountOverview,
    AccountState,
    SellerOverview,
    SellersOverview,
    seller_overview,
    stale_after,
)
from services.models.base import utcnow

# Titles are the groups' own (up to 255 characters): cut so a page stays within one message.
TITLE_SHOWN = 60


class SellersPage(CallbackData, prefix="adml"):
    page: int


async def sellers_command(
    message: Message, i18n: I18nContext, session: AsyncSession, settings: Settings
) -> None:
    text, markup = await _screen(i18n, session, settings, page=0)
    await message.answer(text, reply_markup=markup, disable_web_page_preview=True)


async def sellers_page(
    query: CallbackQuery, callback_data: SellersPage, i18n: I18nContext, session: AsyncSession,
    settings: Settings,
) -> None:  # fmt: skip
    text, markup = await _screen(i18n, session, settings, page=callback_data.page)
    await show(query, text, markup, preview=False)


async def _screen(
    i18n: I18nContext, session: AsyncSession, settings: Settings, page: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    if not settings.module_enabled(Module.MARKETPLACE):
        return admin_text(i18n, settings, "sellers-module-off"), None
    now = utcnow()
    overview = await seller_overview(
        session, now, page=page, stale_after=stale_after(settings.marketplace_poll_seconds)
    )
    if not overview.total:
        return admin_text(i18n, settings, "sellers-none"), None
    words = _Words(i18n, settings, now)
    days = str((now - overview.sla_since).days)
    blocks = [
        admin_text(
            i18n,
            settings,
            "sellers-title",
            total=overview.total,
            problems=overview.with_problems,
            timezone=settings.marketplace_timezone,
        )
    ]
    blocks += [words.seller(seller, days) for seller in overview.sellers]
    if overview.pages > 1:
        blocks.append(
            admin_text(i18n, settings, "sellers-page", page=overview.page + 1, pages=overview.pages)
        )
    return "\n\n".join(blocks), _keyboard(i18n, settings, overview)


def _keyboard(
    i18n: I18nContext, settings: Settings, overview: SellersOverview
) -> InlineKeyboardMarkup:
    keyboard = InlineKeyboardBuilder()
    row = 0
    if overview.page > 0:
        keyboard.button(
            text=admin_text(i18n, settings, "sellers-previous"),
            callback_data=SellersPage(page=overview.page - 1),
        )
        row += 1
    if overview.page + 1 < overview.pages:
        keyboard.button(
            text=admin_text(i18n, settings, "sellers-next"),
            callback_data=SellersPage(page=overview.page + 1),
        )
        row += 1
    keyboard.button(
        text=admin_text(i18n, settings, "sellers-refresh"),
        callback_data=SellersPage(page=overview.page),
    )
    keyboard.adjust(*([row] if row else []), 1)
    return keyboard.as_markup()


class _Words:
    """The page's texts: in the operator's language, moments in the desk's time zone."""

    def __init__(self, i18n: I18nContext, settings: Settings, now: datetime) -> None:
        self.i18n = i18n
        self.settings = settings
        self.now = now
        self.timezone = ZoneInfo(settings.marketplace_timezone)

    def text(self, key: str, **args: object) -> str:
        return admin_text(self.i18n, self.settings, key, **args)

    def seller(self, seller: SellerOverview, sla_days: str) -> str:
        title = (
            seller.title if len(seller.title) <= TITLE_SHOWN else seller.title[:TITLE_SHOWN] + "…"
        )
        lines = [self.text("sellers-seller", title=escape(title), group=str(seller.forum_chat_id))]
        if seller.rights_lost_at is not None:
            lines.append(self.text("sellers-rights-lost", when=self.when(seller.rights_lost_at)))
        if not seller.accounts:
            lines.append(self.text("sellers-no-accounts"))
        for account in seller.accounts:
            lines += self.account(account)
        chats = seller.chats
        lines.append(
            self.text("sellers-chats", open=chats.open, waiting=chats.waiting, total=chats.total)
        )
        share = seller.sla.share_in_time
        if share is None:
            lines.append(self.text("sellers-sla-none", days=sla_days))
        else:
            lines.append(
                self.text(
                    "sellers-sla",
                    days=sla_days,
                    percent=str(round(share * 100)),
                    in_time=seller.sla.in_time,
                    late=seller.sla.late,
                )
            )
        return "\n".join(lines)

    def account(self, account: AccountOverview) -> list[str]:
        if account.state is AccountState.STALE:
            since = account.problem_since or account.connected_at
            state = self.text(
                "sellers-state-stale", duration=duration_text(self.text, self.now - since, units=2)
            )
        else:
            state = self.text(f"sellers-state-{account.state.value}")
        if account.last_synced_at is not None:
            synced = self.text("sellers-last-sync", when=self.when(account.last_synced_at))
        else:
            synced = self.text("sellers-never-synced", when=self.when(account.connected_at))
        lines = [
            self.text(
                "sellers-account", marketplace=account.marketplace.label, state=state, synced=synced
            )
        ]
        if account.last_error:
            lines.append(
                self.text(
                    "sellers-error",
                    when=self.when(account.last_error_at) if account.last_error_at else "—",
                    error=self.error(account.last_error),
                    code=escape(account.last_error),
                )
            )
        return lines

    def error(self, code: str) -> str:
        if code not in SYNC_ERRORS:  # recorded by a version that knew other errors
            return "—"
        return self.text(f"sellers-error-{code.replace('_', '-')}")

    def when(self, moment: datetime) -> str:
        """ "5 min ago (14:03)": relative, then the local time (with the date another day)."""
        shown = local_moment(moment, self.timezone, self.now)
        return self.text("sellers-when", ago=self.ago(moment), time=shown)

    def ago(self, moment: datetime) -> str:
        elapsed = self.now - moment
        if elapsed < timedelta(minutes=1):
            return self.text("sellers-just-now")
        return self.text("sellers-ago", duration=duration_text(self.text, elapsed, units=2))


def register(router: Router) -> None:
    """Adds /sellers's handlers to the admin console's router (admins in the admin group)."""
    router.message.register(sellers_command, Command("sellers"))
    router.callback_query.register(sellers_page, SellersPage.filter())
