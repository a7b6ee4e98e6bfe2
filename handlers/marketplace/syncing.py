"""The sync job: every tick (once per poll period), the accounts that are due start syncing
(in the background, so one slow account holds up no other); Ozon's pushes wake their account
at once."""

from __future__ import annotations

from bot.registration import ModuleContext
from handlers.marketplace.outbox import TelegramDeskOutbox
from handlers.marketplace.suggestions import suggestion_poster
from handlers.marketplace.tools import TOOLS_KEY, MarketplaceTools, translations_for
from services.marketplace.sync import DeskSync, create_sync_guard


def desk_sync(context: ModuleContext) -> DeskSync:
    """The process's one `DeskSync`, made on first use (the sender exists once polling or the
    webhook has started) and closed with the module's tools."""
    tools: MarketplaceTools = context.workflow_data[TOOLS_KEY]
    if tools.desk is None:
        tools.desk = DeskSync(
            session_factory=context.session_factory,
            vault=tools.vault,
            connectors=tools.connectors,
            outbox=TelegramDeskOutbox(context.sender),
            translate_for=translations_for(context.i18n_core),
            timezone=tools.timezone,
            guard=create_sync_guard(tools.redis),
            poll_seconds=tools.poll_seconds,
            after_forward=suggestion_poster(
                tools, context.session_factory, context.sender, context.i18n_core
            ).post_automatic,
        )
    return tools.desk


async def sync_due_accounts(context: ModuleContext) -> None:
    await desk_sync(context).sync_due()
