"""/stats in the admin group: users, interviews, revenue and refunds, conversion, the desk's
chats and SLA (with the marketplace module), then a 30-day chart as a photo.

The text comes first (the figures are what the operator asked for), the chart follows from a
worker thread. Which window each figure covers is said in the text; services/console/stats.py
defines them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, Message
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Module, Settings
from handlers.admin_group import admin_text
from services.console.stats import (
    ChartLabels,
    ConsoleStats,
    InterviewFigures,
    Money,
    collect_stats,
    render_chart,
)
from services.models.base import utcnow
from services.payments.catalog import format_amount, localized


def _money(money: Money, currency: str) -> str:
    return format_amount(money.amount, currency)


def stats_text(i18n: I18nContext, settings: Settings, stats: ConsoleStats) -> str:
    def say(key: str, **args: Any) -> str:
        return admin_text(i18n, settings, key, **args)

    def percent(fraction: float | None) -> str:
        """A share in whole percent, or a dash when there is nothing to divide by."""
        return (
            say("stats-none")
            if fraction is None
            else say("stats-percent", value=round(fraction * 100))
        )

    def score(value: float | None) -> str:
        return say("stats-none") if value is None else say("stats-score", value=value)

    users = stats.users
    lines = [
        say("stats-title", moment=stats.now.strftime("%Y-%m-%d %H:%M")),
        "",
        say("stats-users-title"),
        say("stats-users-total", count=users.total),
        say("stats-users-new", day=users.new.day, week=users.new.week, month=users.new.month),
        say(
            "stats-users-active",
            day=users.active.day,
            week=users.active.week,
            month=users.active.month,
        ),
        "",
        say("stats-interviews-title"),
        *_interview_lines(say, percent, score, stats.interviews_month, stats.interviews_all_time),
        say(
            "stats-answers-voice",
            percent=percent(stats.answers_month.voice_share),
            voice=stats.answers_month.by_voice,
            answered=stats.answers_month.answered,
        ),
        "",
        say("stats-revenue-title"),
    ]
    if not stats.revenue:
        lines.append(say("stats-revenue-none"))
    for line in stats.revenue:
        lines.append(
            say(
                "stats-revenue-line",
                product=localized(line.titles, settings.default_language) or line.product_id,
                month_amount=_money(line.month, line.currency),
                month_count=line.month.count,
                all_amount=_money(line.all_time, line.currency),
                all_count=line.all_time.count,
            )
        )
    if not stats.refunds:
        lines.append(say("stats-refunds-none"))
    for refunds in stats.refunds:
        lines.append(
            say(
                "stats-refunds-line",
                month_amount=_money(refunds.month, refunds.currency),
                month_count=refunds.month.count,
                all_amount=_money(refunds.all_time, refunds.currency),
                all_count=refunds.all_time.count,
            )
        )
    conversion = stats.conversion
    lines.append(
        say(
            "stats-conversion",
            paid=conversion.users_who_paid,
            started=conversion.users_who_started,
            percent=percent(conversion.rate),
        )
    )
    desk = stats.marketplace
    if desk is not None:
        lines += [
            "",
            say("stats-desk-title"),
            say(
                "stats-desk-chats",
                total=desk.buyer_chats,
                new=desk.new_buyer_chats,
                open=desk.open_buyer_chats,
            ),
            say(
                "stats-desk-sla",
                percent=percent(desk.sla_hit_rate),
                in_time=desk.sla_in_time,
                late=desk.sla_late,
            ),
        ]
    return "\n".join(lines)


def _interview_lines(
    say: Callable[..., str],
    percent: Callable[[float | None], str],
    score: Callable[[float | None], str],
    month: InterviewFigures,
    all_time: InterviewFigures,
) -> list[str]:
    return [
        say("stats-interviews-started", month=month.started, all=all_time.started),
        say(
            "stats-interviews-completed",
            month=month.completed,
            month_percent=percent(month.completion_rate),
            all=all_time.completed,
            all_percent=percent(all_time.completion_rate),
        ),
        say(
            "stats-interviews-score",
            month=score(month.average_score),
            all=score(all_time.average_score),
        ),
        say("stats-interviews-practice", month=month.practice_drills, all=all_time.practice_drills),
    ]


async def stats_command(
    message: Message, i18n: I18nContext, settings: Settings, session: AsyncSession
) -> None:
    stats = await collect_stats(
        session,
        now=utcnow(),
        include_marketplace=settings.module_enabled(Module.MARKETPLACE),
    )
    await message.answer(stats_text(i18n, settings, stats))
    labels = ChartLabels(
        title=admin_text(i18n, settings, "stats-chart-title"),
        new_users=admin_text(i18n, settings, "stats-chart-new-users"),
        started=admin_text(i18n, settings, "stats-chart-started"),
        completed=admin_text(i18n, settings, "stats-chart-completed"),
    )
    chart = await asyncio.to_thread(render_chart, stats.daily, labels)
    await message.answer_photo(BufferedInputFile(chart, filename="stats-30-days.png"))


def register(router: Router) -> None:
    """Adds /stats's handlers to the admin console's router (admins in the admin group)."""
    router.message.register(stats_command, Command("stats"))
