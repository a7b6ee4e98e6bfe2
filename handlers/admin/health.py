"""/health: the checks behind /healthz (the database, Redis), in words."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from aiogram_i18n import I18nContext

from bot.config import Settings
from handlers.admin_group import admin_text
from services.health import HealthChecks


async def health_command(
    message: Message, i18n: I18nContext, settings: Settings, health_checks: HealthChecks
) -> None:
    report = await health_checks.run()
    lines = [admin_text(i18n, settings, "health-title", healthy=str(report.healthy).lower())]
    lines += [
        admin_text(i18n, settings, f"health-{part}", state=state.name.lower())
        for part, state in report.checks.items()
    ]
    await message.answer("\n".join(lines))


def register(router: Router) -> None:
    router.message.register(health_command, Command("health"))
