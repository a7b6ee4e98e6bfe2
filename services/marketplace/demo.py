"""The sandbox's demo seller. It lives as long as the sandbox: `make run` gives it a new forum
group on every start (the Telegram emulator forgets its groups, and the marketplace emulators
their chats and message ids, while the database keeps its rows) and forgets it on a clean stop;
after an unclean one, the row left behind moves to the new group and starts over."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.marketplace.sellers import SellerView, register_seller
from services.models.marketplace import MarketplaceAccount, Seller


async def move_demo_seller(
    session: AsyncSession, *, title: str, forum_chat_id: int, language: str, user_id: int
) -> SellerView:
    """The seller called `title` (created when missing) now owns the group `forum_chat_id`,
    with no marketplace accounts, buyer chats or lost rights left from an earlier run: connect
    its accounts again. Its buyer chats pointed at topics of a group that is gone, and the
    emulators count chats and message ids from the start again, so nothing of them is kept.

    Any other seller row holding `forum_chat_id` is from an earlier run too (the group was
    just created, so no one else can own it) and is removed, as are older rows of the title.
    """
    title = title[:255]
    holders = (
        await session.scalars(select(Seller).where(Seller.title == title).order_by(Seller.id))
    ).all()
    demo = holders[0] if holders else None
    stale = delete(Seller).where(Seller.forum_chat_id == forum_chat_id)
    if demo is not None:
        stale = stale.where(Seller.id != demo.id)
    await session.execute(stale)
    if len(holders) > 1:
        await session.execute(delete(Seller).where(Seller.id.in_([s.id for s in holders[1:]])))
    if demo is None:
        await session.commit()
        return await register_seller(session, forum_chat_id, title, language, user_id)
    # Buyer chats, their messages and attachments go with the accounts (ON DELETE CASCADE).
    await session.execute(delete(MarketplaceAccount).where(MarketplaceAccount.seller_id == demo.id))
    demo.forum_chat_id = forum_chat_id
    demo.language = language
    demo.connected_by = user_id
    demo.rights_lost_at = None
    # Read before the commit expires the row; its accounts were just deleted.
    view = SellerView(
        id=demo.id,
        forum_chat_id=forum_chat_id,
        title=demo.title,
        language=language,
        connected_by=user_id,
        rights_lost=False,
        accounts=(),
    )
    await session.commit()
    return view


async def forget_demo_seller(session: AsyncSession, *, title: str) -> bool:
    """Removes the seller called `title` with its accounts and buyer chats, when the sandbox
    stops and its group goes with it. True when there was one."""
    result = await session.execute(delete(Seller).where(Seller.title == title[:255]))
    await session.commit()
    return bool(result.rowcount)
