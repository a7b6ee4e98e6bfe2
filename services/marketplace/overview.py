"""The marketplace desk as the operator sees it (/sellers in the admin console): every seller's
group, its marketplace accounts and how their sync goes, its buyer chats and its SLA hit rate.

A few queries whatever the number of sellers: the sellers with their accounts (one query, no
credentials read), the SLA hit rates of all sellers (`sla.sla_hit_rates`, one grouped query)
and the buyer chats of the page's accounts (one grouped query).

Rules:
- An account's state, the first that applies: its key was refused (REFUSED, stopped until the
  seller's /connect), the seller paused it (PAUSED), the bot lost its rights in the group
  (NO_RIGHTS, the whole seller stopped), the last attempt failed (FAILING: sync clears the
  error at its next success), no successful sync for longer than `stale_after` although sync
  is on (STALE), otherwise SYNCING.
- A seller has a problem when one of its accounts is refused, stopped, failing or stale (a
  pause is the seller's own choice, not a problem). Sellers with problems come first, the
  newest problem first; then the others by name.
- A buyer chat is open as in the seller's /chats: not closed, in a topic, and a buyer waits
  for an answer or wrote within `sla.OPEN_CHAT_DAYS`; waiting: a buyer waits for an answer.
- The SLA hit rate is over the waits that started in the last `sla_days` days, judged as
  `sla_report.outcome` judges them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.marketplace.errors import FailureReason
from services.marketplace.models import Marketplace
from services.marketplace.outbox import DeliveryProblem
from services.marketplace.sla import HitRate, awaiting_answer, open_chat, sla_hit_rates
from services.models.base import aware
from services.models.marketplace import BuyerChat, MarketplaceAccount, Seller

DEFAULT_SLA_DAYS = 30
SELLERS_PER_PAGE = 5
# Sync runs every MARKETPLACE_POLL_SECONDS; this many missed periods (and at least the floor)
# without a success means it is stuck, although no error was recorded.
STALE_AFTER_POLLS = 10
STALE_AFTER_AT_LEAST = timedelta(minutes=10)

# What sync records as an account's last error (`MarketplaceAccount.last_error`): the
# marketplace's failure reasons, a forwarding problem in Telegram, or a bug in sync itself.
UNEXPECTED_ERROR = "unexpected"
SYNC_ERRORS: frozenset[str] = frozenset(
    {reason.value for reason in FailureReason}
    | {f"telegram_{problem.value}" for problem in DeliveryProblem}
    | {UNEXPECTED_ERROR}
)


def stale_after(poll_seconds: float) -> timedelta:
    """How long sync may go without a success before the account is called stale."""
    return max(STALE_AFTER_AT_LEAST, timedelta(seconds=poll_seconds * STALE_AFTER_POLLS))


class AccountState(StrEnum):
    SYNCING = "syncing"
    FAILING = "failing"
    STALE = "stale"
    NO_RIGHTS = "no-rights"
    PAUSED = "paused"
    REFUSED = "refused"


@dataclass(frozen=True)
class ChatCounts:
    open: int = 0
    waiting: int = 0  # open chats whose buyer waits for an answer
    total: int = 0

    def __add__(self, other: ChatCounts) -> ChatCounts:
        return ChatCounts(
            self.open + other.open, self.waiting + other.waiting, self.total + other.total
        )


@dataclass(frozen=True)
class AccountOverview:
    id: int
    marketplace: Marketplace
    state: AccountState
    connected_at: datetime
    last_synced_at: datetime | None  # the last successful sync
    last_error: str | None  # a `SYNC_ERRORS` value (others only from older versions)
    last_error_at: datetime | None
    # When the state's problem began (None for SYNCING and PAUSED).
    problem_since: datetime | None
    chats: ChatCounts


@dataclass(frozen=True)
class SellerOverview:
    id: int
    title: str
    forum_chat_id: int
    rights_lost_at: datetime | None
    accounts: tuple[AccountOverview, ...]  # Ozon, then Wildberries
    sla: HitRate

    @property
    def chats(self) -> ChatCounts:
        return sum((account.chats for account in self.accounts), ChatCounts())

    @property
    def problem_since(self) -> datetime | None:
        """When its newest problem began; None without one."""
        moments = [a.problem_since for a in self.accounts if a.problem_since is not None]
        return max(moments, default=None)


@dataclass(frozen=True)
class SellersOverview:
    sellers: list[SellerOverview]  # the page's
    total: int  # sellers in all
    with_problems: int
    page: int  # from 0, within range
    pages: int
    sla_since: datetime


@dataclass(frozen=True)
class AccountSync:
    """How one account's sync goes, for /healthz."""

    seller_id: int
    marketplace: Marketplace
    state: AccountState
    last_synced_at: datetime | None
    last_error: str | None
    problem_since: datetime | None


async def account_syncs(
    session: AsyncSession, now: datetime, stale_after: timedelta = STALE_AFTER_AT_LEAST
) -> list[AccountSync]:
    """Every seller's accounts (by seller, Ozon before Wildberries) with their sync state."""
    syncs = []
    for seller in await _sellers(session):
        for account in seller.accounts:
            state, since = _state(seller, account, now, stale_after)
            syncs.append(
                AccountSync(
                    seller.id,
                    Marketplace(account.marketplace),
                    state,
                    account.last_synced_at,
                    account.last_error,
                    since,
                )
            )
    return syncs


@dataclass(frozen=True)
class _Account:
    id: int
    marketplace: str
    paused: bool
    refused_at: datetime | None
    last_synced_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class _Seller:
    id: int
    title: str
    forum_chat_id: int
    created_at: datetime
    rights_lost_at: datetime | None
    accounts: list[_Account]


async def seller_overview(
    session: AsyncSession,
    now: datetime,
    *,
    page: int = 0,
    per_page: int = SELLERS_PER_PAGE,
    sla_days: int = DEFAULT_SLA_DAYS,
    stale_after: timedelta = STALE_AFTER_AT_LEAST,
) -> SellersOverview:
    """One page of sellers (problems first, see the module's rules) as of `now` (aware)."""
    sellers = await _sellers(session)
    states = {
        account.id: _state(seller, account, now, stale_after)
        for seller in sellers
        for account in seller.accounts
    }

    def problem_since(seller: _Seller) -> datetime | None:
        moments = [since for a in seller.accounts if (since := states[a.id][1]) is not None]
        return max(moments, default=None)

    problems = {seller.id: problem_since(seller) for seller in sellers}
    sellers.sort(
        key=lambda s: (
            problems[s.id] is None,
            -(problems[s.id] or now).timestamp(),
            s.title.casefold(),
            s.id,
        )
    )
    pages = max(1, -(-len(sellers) // per_page))
    page = min(max(page, 0), pages - 1)
    shown = sellers[page * per_page : (page + 1) * per_page]
    sla_since = now - timedelta(days=sla_days)
    rates = await sla_hit_rates(session, sla_since, now=now)
    chats = await _chat_counts(
        session, [account.id for seller in shown for account in seller.accounts], now
    )
    return SellersOverview(
        sellers=[
            SellerOverview(
                id=seller.id,
                title=seller.title,
                forum_chat_id=seller.forum_chat_id,
                rights_lost_at=seller.rights_lost_at,
                accounts=tuple(
                    AccountOverview(
                        id=account.id,
                        marketplace=Marketplace(account.marketplace),
                        state=states[account.id][0],
                        connected_at=account.created_at,
                        last_synced_at=account.last_synced_at,
                        last_error=account.last_error,
                        last_error_at=account.last_error_at,
                        problem_since=states[account.id][1],
                        chats=chats.get(account.id, ChatCounts()),
                    )
                    for account in seller.accounts
                ),
                sla=rates.get(seller.id, HitRate()),
            )
            for seller in shown
        ],
        total=len(sellers),
        with_problems=sum(since is not None for since in problems.values()),
        page=page,
        pages=pages,
        sla_since=sla_since,
    )


def _optional(moment: datetime | None) -> datetime | None:
    return None if moment is None else aware(moment)


async def _sellers(session: AsyncSession) -> list[_Seller]:
    """Every seller with its accounts (Ozon before Wildberries); the sealed credentials stay
    unread."""
    rows = await session.execute(
        select(
            Seller.id,
            Seller.title,
            Seller.forum_chat_id,
            Seller.created_at,
            Seller.rights_lost_at,
            MarketplaceAccount.id,
            MarketplaceAccount.marketplace,
            MarketplaceAccount.paused,
            MarketplaceAccount.refused_at,
            MarketplaceAccount.last_synced_at,
            MarketplaceAccount.last_error,
            MarketplaceAccount.last_error_at,
            MarketplaceAccount.created_at,
        )
        .outerjoin(MarketplaceAccount, MarketplaceAccount.seller_id == Seller.id)
        .order_by(Seller.id, MarketplaceAccount.marketplace)
    )
    sellers: dict[int, _Seller] = {}
    for (
        seller_id, title, forum_chat_id, created_at, rights_lost_at,
        account_id, marketplace, paused, refused_at, synced_at, error, error_at, connected_at,
    ) in rows:  # fmt: skip
        seller = sellers.get(seller_id)
        if seller is None:
            seller = sellers[seller_id] = _Seller(
                seller_id, title, forum_chat_id, aware(created_at), _optional(rights_lost_at), []
            )
        if account_id is not None:
            seller.accounts.append(
                _Account(
                    id=account_id,
                    marketplace=marketplace,
                    paused=bool(paused),
                    refused_at=_optional(refused_at),
                    last_synced_at=_optional(synced_at),
                    last_error=error,
                    last_error_at=_optional(error_at),
                    created_at=aware(connected_at),
                )
            )
    return list(sellers.values())


def _state(
    seller: _Seller, account: _Account, now: datetime, stale_after: timedelta
) -> tuple[AccountState, datetime | None]:
    """The account's state and when its problem began (see the module's rules)."""
    if account.refused_at is not None:
        return AccountState.REFUSED, account.refused_at
    if account.paused:
        return AccountState.PAUSED, None
    if seller.rights_lost_at is not None:
        return AccountState.NO_RIGHTS, seller.rights_lost_at
    if account.last_error is not None:
        return AccountState.FAILING, account.last_error_at or account.last_synced_at or now
    last_success = account.last_synced_at or account.created_at
    if now - last_success > stale_after:
        return AccountState.STALE, last_success
    return AccountState.SYNCING, None


async def _chat_counts(
    session: AsyncSession, account_ids: list[int], now: datetime
) -> dict[int, ChatCounts]:
    """Open, waiting and all buyer chats of each account (see the module's rules)."""
    if not account_ids:
        return {}
    per_chat = (
        select(
            BuyerChat.account_id.label("account_id"),
            case((and_(open_chat(now), awaiting_answer()), 1), else_=0).label("waiting"),
            case((open_chat(now), 1), else_=0).label("open"),
        )
        .where(BuyerChat.account_id.in_(account_ids))
        .subquery()
    )
    rows = await session.execute(
        select(
            per_chat.c.account_id,
            func.sum(per_chat.c.open),
            func.sum(per_chat.c.waiting),
            func.count(),
        ).group_by(per_chat.c.account_id)
    )
    return {
        account_id: ChatCounts(int(open_chats or 0), int(waiting_chats or 0), int(total))
        for account_id, open_chats, waiting_chats, total in rows
    }
