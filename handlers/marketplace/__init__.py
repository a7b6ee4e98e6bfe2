"""The marketplace module: a seller's support desk in its Telegram forum group. /connect links
Ozon and Wildberries accounts (credentials asked in private, checked, sealed), /seller shows and
steers them, and buyer chats sync into forum topics (a scheduled job, and Ozon's pushes).
Members answer in the topics; /sla, /chats and the SLA job watch how fast."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aiogram import Router

from bot.config import Module, Settings
from bot.registration import HealthSection, ModuleContext, ModuleRegistration, ScheduledJob
from services.metrics import StateGauge

# Pending replies (after an outage, or left by a crash) are tried again this often.
REPLY_RETRY_SECONDS = 10
# SLA warnings and breaches are looked for this often (deadlines are minutes apart).
SLA_CHECK_SECONDS = 20


def build_router() -> Router:
    from handlers.marketplace import (
        connect,
        menu,
        replies,
        rights,
        seller,
        sla,
        suggestions,
        templates,
    )

    router = Router(name="marketplace")
    # Replies last: commands and flows in the group are theirs first.
    for part in (rights, menu, connect, seller, templates, sla, suggestions, replies):
        part.register(router)
    return router


def workflow_data(settings: Settings) -> dict[str, Any]:
    from handlers.marketplace.tools import TOOLS_KEY, build_tools

    return {TOOLS_KEY: build_tools(settings)}


def web_routes(settings: Settings) -> list[Any]:
    from handlers.marketplace.webhooks import web_routes as routes

    return routes(settings)


async def sync_due_accounts(context: ModuleContext) -> None:
    from handlers.marketplace.syncing import sync_due_accounts as sync

    await sync(context)


def sync_job(settings: Settings) -> ScheduledJob:
    """Every process ticks once per poll period; each account's sync runs where its due claim
    and then its lease are won."""
    return ScheduledJob(
        name="marketplace-sync",
        run=sync_due_accounts,
        every=timedelta(seconds=settings.marketplace_poll_seconds),
        once_across_processes=False,
    )


async def deliver_due_replies(context: ModuleContext) -> None:
    from handlers.marketplace.replies import deliver_due_replies as deliver

    await deliver(context)


REPLIES_JOB = ScheduledJob(
    name="marketplace-replies",
    run=deliver_due_replies,
    every=timedelta(seconds=REPLY_RETRY_SECONDS),
    once_across_processes=True,
)


async def raise_sla_alerts(context: ModuleContext) -> None:
    from handlers.marketplace.sla_alerts import raise_due_alerts

    await raise_due_alerts(context)


SLA_JOB = ScheduledJob(
    name="marketplace-sla",
    run=raise_sla_alerts,
    every=timedelta(seconds=SLA_CHECK_SECONDS),
    once_across_processes=True,
)


async def desk_state(context: ModuleContext) -> list[StateGauge]:
    """For /metrics: each account's sync lag, the outbox backlog, buyers waiting past the SLA."""
    from handlers.marketplace.tools import TOOLS_KEY
    from services.marketplace.gauges import outbox_backlog, sla_waits, sync_lag
    from services.models.base import utcnow

    sla_now = context.workflow_data[TOOLS_KEY].clock()
    async with context.session_factory() as session:
        return [
            await sync_lag(session, utcnow()),
            await outbox_backlog(session),
            await sla_waits(session, sla_now),
        ]


async def desk_health(context: ModuleContext) -> dict[str, Any]:
    """For /healthz: each seller's accounts, their last successful sync and their state
    (syncing, stale, failing, paused, refused, no rights)."""
    from services.marketplace.overview import account_syncs, stale_after
    from services.models.base import utcnow

    now = utcnow()
    async with context.session_factory() as session:
        syncs = await account_syncs(
            session, now, stale_after(context.settings.marketplace_poll_seconds)
        )
    return {
        "accounts": [
            {
                "seller": sync.seller_id,
                "marketplace": sync.marketplace.value,
                "state": sync.state.value,
                "last_sync": _iso(sync.last_synced_at),
                "seconds_since_sync": None
                if sync.last_synced_at is None
                else round((now - sync.last_synced_at).total_seconds(), 1),
                "last_error": sync.last_error,
                "problem_since": _iso(sync.problem_since),
            }
            for sync in syncs
        ],
    }


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds")


REGISTRATION = ModuleRegistration(
    name=Module.MARKETPLACE.value,
    menu_screen=True,
    routers=(build_router,),
    web_routes=(web_routes,),
    jobs=(sync_job, REPLIES_JOB, SLA_JOB),
    group_admin_commands=("connect", "seller", "templates", "sla", "chats", "close"),
    workflow_data=(workflow_data,),
    state_metrics=(desk_state,),
    health=(HealthSection("marketplace", desk_health),),
)
