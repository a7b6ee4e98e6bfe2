"""SLA commands in the seller's group.

- `/sla` shows the policy; `/sla first 30m`, `next 2h`, `warn 80`, `hours mon-fri 09:00-18:00`
  (or `off`), `timezone Europe/Moscow`, `holiday add|remove 2027-01-07` set it (admins only,
  checked with Telegram), each refusal saying what to type instead.
- `/sla report [today|7|30]` (or its buttons): the share answered in time, first-response median
  and p90, breaches per marketplace and member, and a chart.
- `/chats` lists open chats, nearest deadline first, with filters and pages as buttons and each
  chat linked to its topic.
- `/close` in a buyer's topic: no SLA alerts for the chat until the buyer writes again.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date, datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from aiogram import Bot, Router
from aiogram.enums import ChatAction
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, CallbackQuery, LinkPreviewOptions, Message
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.filters import GROUP_CHAT, PRIVATE_CHAT
from handlers.marketplace.keyboards import ChatsPage, SlaReportPick, chats_controls, sla_controls
from handlers.marketplace.membership import (
    group_seller,
    is_group_admin,
    pressed_in_seller_group,
)
from handlers.marketplace.sla_text import (
    Translate,
    buyer_label,
    topic_link,
)
from handlers.marketplace.tools import MarketplaceTools
from handlers.screens import show
from handlers.time_text import duration_text, local_moment
from services.marketplace.models import Marketplace
from services.marketplace.replies import buyer_chat_of_topic
from services.marketplace.sellers import SellerView
from services.marketplace.sla import (
    ChatFilter,
    OpenChat,
    PolicySettings,
    close_chat,
    hard_windows,
    open_chats,
    policy_of,
    save_policy,
    wait_records,
)
from services.marketplace.sla_input import (
    REPORT_PERIODS,
    InputError,
    InputProblem,
    check_target,
    format_clock,
    parse_date,
    parse_duration,
    parse_hours,
    parse_period,
    parse_share,
    parse_timezone,
)
from services.marketplace.sla_report import (
    ChartLabels,
    SlaReport,
    build_report,
    period_start,
    render_chart,
)
from services.marketplace.sla_time import Deadline, WaitState, wait_state

SETTINGS = ("first", "next", "warn", "hours", "timezone", "holiday")
# Members named in the report (each a getChatMember call).
REPORT_MEMBERS = 5
CHATS_PER_PAGE = 10


def policy_text(i18n: I18nContext, policy: PolicySettings, seller: SellerView) -> str:
    translate: Translate = i18n.get
    if policy.hours is None:
        hours = i18n.get("sla-hours-always")
    else:
        days = ", ".join(i18n.get(f"sla-weekday-{day}") for day in sorted(policy.hours.days))
        hours = i18n.get(
            "sla-hours-span",
            days=days,
            opens=format_clock(policy.hours.opens),
            closes=format_clock(policy.hours.closes),
        )
    holidays = ", ".join(day.strftime("%d.%m.%Y") for day in sorted(policy.holidays))
    windows = hard_windows(account.marketplace for account in seller.accounts)
    lines = [
        i18n.get("sla-policy-title", custom=str(policy.custom).lower()),
        i18n.get("sla-policy-first", target=duration_text(translate, policy.first_response)),
        i18n.get("sla-policy-next", target=duration_text(translate, policy.next_response)),
        i18n.get("sla-policy-warn", percent=policy.warn_percent),
        i18n.get("sla-policy-hours", hours=hours, timezone=policy.timezone.key),
        i18n.get("sla-policy-holidays", holidays=holidays or "—"),
    ]
    lines += [
        i18n.get("sla-policy-window", marketplace=name, window=duration_text(translate, window))
        for name, window in windows.items()
    ]
    return "\n".join([*lines, "", i18n.get("sla-policy-usage")])


def _changed(
    policy: PolicySettings, setting: str, value: str, seller: SellerView
) -> PolicySettings:
    """The policy with `setting` set from what the member typed; InputError when it cannot be."""
    if setting in ("first", "next"):
        windows = hard_windows(account.marketplace for account in seller.accounts)
        target = check_target(parse_duration(value), windows)
        field = "first_response" if setting == "first" else "next_response"
        return replace(policy, **{field: target})
    if setting == "warn":
        return replace(policy, warn_percent=round(parse_share(value) * 100))
    if setting == "hours":
        return replace(policy, hours=parse_hours(value))
    if setting == "timezone":
        return replace(policy, timezone=parse_timezone(value))
    action, _, day_text = value.strip().partition(" ")
    action = action.lower()
    if action == "clear":
        return replace(policy, holidays=frozenset())
    if action not in ("add", "remove"):
        raise InputError(InputProblem.MALFORMED_DATE, text=value)
    day: date = parse_date(day_text)
    holidays = policy.holidays | {day} if action == "add" else policy.holidays - {day}
    return replace(policy, holidays=frozenset(holidays))


def input_error_text(i18n: I18nContext, error: InputError) -> str:
    values = {
        name: duration_text(i18n.get, value) if isinstance(value, timedelta) else escape(str(value))
        for name, value in error.values.items()
    }
    return i18n.get(f"sla-error-{error.code.value}", **values)


async def sla_in_group(
    message: Message, command: CommandObject, bot: Bot, i18n: I18nContext,
    session: AsyncSession, marketplace: MarketplaceTools,
) -> None:  # fmt: skip
    seller = await group_seller(message, i18n, session)
    if seller is None:
        return
    words = (command.args or "").split(maxsplit=1)  # spaces or a new line after the setting
    setting = words[0].lower() if words else ""
    value = words[1] if len(words) > 1 else ""
    policy = await policy_of(session, seller.id, marketplace.timezone)
    if not setting:
        await message.answer(policy_text(i18n, policy, seller), reply_markup=sla_controls(i18n))
        return
    if setting == "report":
        days = parse_period(value)
        if days is None:
            await message.answer(i18n.get("sla-report-usage"))
            return
        await send_report(message, bot, i18n, session, marketplace, seller, days)
        return
    if setting not in SETTINGS:
        await message.answer(i18n.get("sla-unknown", setting=escape(setting)))
        return
    author = await admin_author(message, bot)
    if author is None:
        await message.answer(i18n.get("seller-admins-only"))
        return
    member, who = author
    if not value.strip() and setting != "holiday":
        await message.answer(i18n.get("sla-missing-value", setting=setting))
        return
    try:
        changed = _changed(policy, setting, value, seller)
    except InputError as error:
        await message.answer(input_error_text(i18n, error))
        return
    await save_policy(session, seller.id, changed, member)
    changed = replace(changed, custom=True)
    note = i18n.get("sla-policy-saved", name=escape(who))
    await message.answer(
        f"{note}\n\n{policy_text(i18n, changed, seller)}", reply_markup=sla_controls(i18n)
    )


async def admin_author(message: Message, bot: Bot) -> tuple[int, str] | None:
    """Who wrote the command (id and name) when they are an admin of the group: an anonymous
    admin writes as the group itself."""
    if message.sender_chat is not None:
        if message.sender_chat.id != message.chat.id:
            return None  # a channel, not an admin
        return message.chat.id, message.chat.title or ""
    user = message.from_user
    if user is None or not await is_group_admin(bot, message.chat.id, user.id):
        return None
    return user.id, user.full_name


async def sla_in_private(message: Message, i18n: I18nContext) -> None:
    await message.answer(i18n.get("sla-in-private"))


async def send_report(
    message: Message, bot: Bot, i18n: I18nContext, session: AsyncSession,
    marketplace: MarketplaceTools, seller: SellerView, days: int,
) -> None:  # fmt: skip
    await bot.send_chat_action(
        message.chat.id, ChatAction.UPLOAD_PHOTO, message_thread_id=message.message_thread_id
    )
    now = marketplace.clock()
    timezone = (await policy_of(session, seller.id, marketplace.timezone)).timezone
    since = period_start(days, now, timezone)
    records = await wait_records(session, seller.id, since, now)
    report = build_report(records, since=since, until=now, now=now, timezone=timezone)
    names = await _member_names(bot, message.chat.id, report, i18n)
    await message.answer(report_text(i18n, report, days, names, seller))
    if report.waits:
        labels = ChartLabels(
            title=i18n.get("sla-chart-title", days=days),
            in_time=i18n.get("sla-chart-in-time"),
            late=i18n.get("sla-chart-late"),
            share=i18n.get("sla-chart-share"),
        )
        chart = await asyncio.to_thread(render_chart, report, labels)
        await message.answer_photo(BufferedInputFile(chart, filename="sla-report.png"))


async def _member_names(
    bot: Bot, chat_id: int, report: SlaReport, i18n: I18nContext
) -> dict[int | None, str]:
    names: dict[int | None, str] = {None: i18n.get("sla-report-nobody")}
    for member_id in [m for m in report.late_by_member if m is not None][:REPORT_MEMBERS]:
        try:
            member = await bot.get_chat_member(chat_id, member_id)
            names[member_id] = escape(member.user.full_name)
        except (TelegramBadRequest, TelegramForbiddenError):
            names[member_id] = i18n.get("sla-report-member-unknown", id=str(member_id))
    return names


def report_text(
    i18n: I18nContext,
    report: SlaReport,
    days: int,
    names: dict[int | None, str],
    seller: SellerView,
) -> str:
    title = i18n.get("sla-report-title", days=days)
    if not report.waits:
        return f"{title}\n{i18n.get('sla-report-empty')}"
    translate: Translate = i18n.get
    lines = [
        title,
        i18n.get("sla-report-waits", waits=report.waits, pending=report.pending),
    ]
    if report.share_in_time is not None:
        lines.append(
            i18n.get(
                "sla-report-share",
                percent=round(report.share_in_time * 100),
                in_time=report.in_time,
                answered=report.in_time + report.late,
            )
        )
    if report.first_response_median is not None and report.first_response_p90 is not None:
        lines.append(
            i18n.get(
                "sla-report-first",
                median=duration_text(translate, report.first_response_median),
                p90=duration_text(translate, report.first_response_p90),
            )
        )
    late = {account.marketplace.value: 0 for account in seller.accounts}
    late.update(report.late_by_marketplace)
    by_marketplace = " · ".join(
        f"{Marketplace(name).label} {count}" for name, count in sorted(late.items())
    )
    lines.append(i18n.get("sla-report-by-marketplace", breaches=by_marketplace or "—"))
    shown = [m for m in report.late_by_member if m in names][: REPORT_MEMBERS + 1]
    by_member = " · ".join(f"{names[m]} {report.late_by_member[m]}" for m in shown)
    lines.append(i18n.get("sla-report-by-member", breaches=by_member or "—"))
    return "\n".join(lines)


async def sla_report_pressed(
    query: CallbackQuery, callback_data: SlaReportPick, bot: Bot, i18n: I18nContext,
    session: AsyncSession, marketplace: MarketplaceTools,
) -> None:  # fmt: skip
    pressed = await pressed_in_seller_group(query, i18n, session)
    if pressed is None:
        return
    message, seller = pressed
    if callback_data.days not in REPORT_PERIODS:
        await query.answer(i18n.get("callback-stale"))
        return
    await query.answer()
    await send_report(message, bot, i18n, session, marketplace, seller, callback_data.days)


def chat_line(
    i18n: I18nContext,
    number: int,
    chat: OpenChat,
    group_chat_id: int,
    now: datetime,
    timezone: ZoneInfo,
) -> str:
    translate: Translate = i18n.get
    label = escape(buyer_label(translate, chat.buyer_name, chat.order_number))
    link = f'<a href="{topic_link(group_chat_id, chat.topic_id)}">{label}</a>'
    if chat.due_at is None or chat.warn_at is None:
        ago = duration_text(translate, now - chat.last_message_at) if chat.last_message_at else "—"
        state = i18n.get("chats-answered", ago=ago)
    else:
        waiting = wait_state(Deadline(chat.warn_at, chat.due_at, capped=False), None, now)
        if waiting is WaitState.BREACHED:
            state = i18n.get("chats-overdue", late=duration_text(translate, now - chat.due_at))
        else:
            state = i18n.get(
                "chats-due",
                urgent=str(waiting is WaitState.WARNED).lower(),
                left=duration_text(translate, chat.due_at - now),
                due=local_moment(chat.due_at, timezone, now),
            )
    return f"{number}. {link} · {chat.marketplace.label} — {state}"


async def chats_text(
    i18n: I18nContext, session: AsyncSession, marketplace: MarketplaceTools,
    seller: SellerView, chat_filter: ChatFilter, page: int,
) -> tuple[str, int, int]:  # fmt: skip
    """The list's text, and the page shown and the number of pages."""
    now = marketplace.clock()
    found = await open_chats(session, seller.id, chat_filter, now, page, CHATS_PER_PAGE)
    timezone = (await policy_of(session, seller.id, marketplace.timezone)).timezone
    title = i18n.get(
        "chats-title", filter=i18n.get(f"chats-filter-{chat_filter.value}"), total=found.total
    )
    if not found.chats:
        return f"{title}\n{i18n.get('chats-empty')}", found.page, found.pages
    first = found.page * CHATS_PER_PAGE + 1
    lines = [
        chat_line(i18n, first + index, chat, seller.forum_chat_id, now, timezone)
        for index, chat in enumerate(found.chats)
    ]
    return "\n".join([title, *lines]), found.page, found.pages


async def chats_in_group(
    message: Message, i18n: I18nContext, session: AsyncSession, marketplace: MarketplaceTools
) -> None:
    seller = await group_seller(message, i18n, session)
    if seller is None:
        return
    text, page, pages = await chats_text(i18n, session, marketplace, seller, ChatFilter.ALL, 0)
    await message.answer(
        text,
        reply_markup=chats_controls(i18n, ChatFilter.ALL.value, page, pages),
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )


async def chats_pressed(
    query: CallbackQuery, callback_data: ChatsPage, i18n: I18nContext,
    session: AsyncSession, marketplace: MarketplaceTools,
) -> None:  # fmt: skip
    pressed = await pressed_in_seller_group(query, i18n, session)
    if pressed is None:
        return
    seller = pressed[1]
    try:
        chat_filter = ChatFilter(callback_data.shown)
    except ValueError:
        await query.answer(i18n.get("callback-stale"))
        return
    text, page, pages = await chats_text(
        i18n, session, marketplace, seller, chat_filter, callback_data.page
    )
    await show(query, text, chats_controls(i18n, chat_filter.value, page, pages), preview=False)


async def close_in_topic(
    message: Message, i18n: I18nContext, session: AsyncSession, marketplace: MarketplaceTools
) -> None:
    topic_id = message.message_thread_id if message.is_topic_message else None
    chat = await buyer_chat_of_topic(session, message.chat.id, topic_id) if topic_id else None
    if chat is None:
        await message.answer(i18n.get("sla-close-where"))
        return
    closed = await close_chat(session, chat.id, marketplace.clock())
    await session.commit()
    await message.reply(i18n.get("sla-closed" if closed else "sla-closed-already"))


def register(router: Router) -> None:
    router.message.register(sla_in_group, Command("sla"), GROUP_CHAT)
    router.message.register(sla_in_private, Command("sla", "chats", "close"), PRIVATE_CHAT)
    router.message.register(chats_in_group, Command("chats"), GROUP_CHAT)
    router.message.register(close_in_topic, Command("close"), GROUP_CHAT)
    router.callback_query.register(sla_report_pressed, SlaReportPick.filter())
    router.callback_query.register(chats_pressed, ChatsPage.filter())
