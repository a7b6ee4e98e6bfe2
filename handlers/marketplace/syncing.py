"""Placeholder: the sync job."""

from __future__ import annotations

from bot.registration import ModuleContext


async def sync_due_accounts(context: ModuleContext) -> None:
    del context
