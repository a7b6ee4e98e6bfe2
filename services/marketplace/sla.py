"""SLA of the desk in the database: sellers' policies, the waits of buyer chats and the alerts
they raise. The timing itself is pure (services/marketplace/sla_time.py); this module feeds it
a chat's messages and answers and stores what it says.

Rules it keeps:
- A chat's waits are replayed from all its messages and answers whenever they change (new
  messages stored, an answer delivered, the policy edited), so late or out-of-order messages
  end up where they belong. An answer from the desk counts from when the member wrote it, once
  the marketplace has it; an answer written on the marketplace's site counts too.
- One row per (chat, metric, buyer message): each warning and each breach is claimed once, by
  a compare-and-set on `warned_at` / `breached_at`, whichever process or tick gets there first.
- Waits already past due when the account was connected are history, not stored; deadlines that
  passed more than `ALERT_HORIZON` ago raise nothing (a bot that was down does not flood the
  group with old news); a closed chat raises nothing until its buyer writes again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from services.database import dialect_insert
from services.marketplace.models import Author, Marketplace
from services.marketplace.sla_input import HoursInput
from services.marketplace.sla_report import WaitRecord
from services.marketplace.sla_time import (
    BusinessHours,
    ChatEvent,
    EventKind,
    Metric,
    SlaPolicy,
    Wait,
    chat_waits,
)
from services.models.base import aware, utcnow
from services.models.marketplace import (
    BuyerChat,
    BuyerMessage,
    DeskReply,
    MarketplaceAccount,
    Seller,
    SellerSlaPolicy,
    SlaWait,
)

DEFAULT_FIRST_RESPONSE = timedelta(hours=1)
DEFAULT_NEXT_RESPONSE = timedelta(hours=1)
DEFAULT_WARN_PERCENT = 75
# Deadlines older than this raise no alert: after a long outage they are history, not news.
ALERT_HORIZON = timedelta(days=1)
# A chat is in the open-chats list while it waits for an answer or for this long after its
# last message (unless closed).
OPEN_CHAT_DAYS = 7


@dataclass(frozen=True)
class PolicySettings:
    """A seller's policy as they set it (the default one until they do)."""

    first_response: timedelta
    next_response: timedelta
    warn_percent: int
    timezone: ZoneInfo
    hours: HoursInput | None = None  # None: around the clock
    holidays: frozenset[date] = field(default_factory=frozenset)
    custom: bool = False  # the seller set it (False: the default)

    def policy(self) -> SlaPolicy:
        hours = None
        if self.hours is not None:
            hours = BusinessHours(
                timezone=self.timezone,
                days=self.hours.days,
                opens=self.hours.opens,
                closes=self.hours.closes,
                holidays=self.holidays,
            )
        return SlaPolicy(
            first_response=self.first_response,
            next_response=self.next_response,
            warn_share=self.warn_percent / 100,
            hours=hours,
        )


def default_policy(timezone: ZoneInfo) -> PolicySettings:
    return PolicySettings(
        first_response=DEFAULT_FIRST_RESPONSE,
        next_response=DEFAULT_NEXT_RESPONSE,
        warn_percent=DEFAULT_WARN_PERCENT,
        timezone=timezone,
    )


def _settings_of(row: SellerSlaPolicy) -> PolicySettings:
    hours = None
    if row.work_days and row.opens_minute is not None and row.closes_minute is not None:
        days = frozenset(int(day) for day in row.work_days.split(","))
        hours = HoursInput(days, row.opens_minute, row.closes_minute)
    return PolicySettings(
        first_response=timedelta(minutes=row.first_response_minutes),
        next_response=timedelta(minutes=row.next_response_minutes),
        warn_percent=row.warn_percent,
        timezone=ZoneInfo(row.timezone),
        hours=hours,
        holidays=frozenset(date.fromisoformat(day) for day in row.holidays),
        custom=True,
    )


async def policy_of(session: AsyncSession, seller_id: int, timezone: ZoneInfo) -> PolicySettings:
    """The seller's policy; `timezone` (the desk's) is the default one's."""
    row = await session.get(SellerSlaPolicy, seller_id)
    return default_policy(timezone) if row is None else _settings_of(row)


async def save_policy(
    session: AsyncSession, seller_id: int, settings: PolicySettings, member_id: int
) -> None:
    """Stores the policy and moves the deadlines of the seller's open waits to it."""
    hours = settings.hours
    values = {
        "first_response_minutes": _minutes(settings.first_response),
        "next_response_minutes": _minutes(settings.next_response),
        "warn_percent": settings.warn_percent,
        "timezone": settings.timezone.key,
        "work_days": ",".join(str(day) for day in sorted(hours.days)) if hours else None,
        "opens_minute": hours.opens if hours else None,
        "closes_minute": hours.closes if hours else None,
        "holidays": sorted(day.isoformat() for day in settings.holidays),
        "updated_at": utcnow(),
        "updated_by": member_id,
    }
    await session.execute(
        dialect_insert(session)(SellerSlaPolicy)
        .values(seller_id=seller_id, **values)
        .on_conflict_do_update(index_elements=["seller_id"], set_=values)
    )
    waiting = await session.scalars(
        select(SlaWait.buyer_chat_id)
        .join(BuyerChat, BuyerChat.id == SlaWait.buyer_chat_id)
        .join(MarketplaceAccount, MarketplaceAccount.id == BuyerChat.account_id)
        .where(MarketplaceAccount.seller_id == seller_id, _is_open())
        .distinct()
    )
    await refresh_waits(session, list(waiting))
    await session.commit()


def _minutes(value: timedelta) -> int:
    return round(value.total_seconds() / 60)


async def refresh_waits(session: AsyncSession, buyer_chat_ids: Iterable[int]) -> None:
    """Replays the chats' messages, answers and closing into their waits (in the caller's
    transaction). A settled wait (answered or closed) is final: the replay continues from the
    last one, so what came before it stays as it was measured; the open wait's deadline follows
    the policy of now."""
    policies: dict[int, SlaPolicy] = {}
    for buyer_chat_id in sorted(set(buyer_chat_ids)):  # one lock order for every caller
        found = (
            await session.execute(
                select(BuyerChat, MarketplaceAccount)
                .join(MarketplaceAccount, MarketplaceAccount.id == BuyerChat.account_id)
                .where(BuyerChat.id == buyer_chat_id)
                # Sync and reply delivery replay a chat one at a time (PostgreSQL row lock).
                .with_for_update(of=BuyerChat)
            )
        ).first()
        if found is None:
            continue
        chat, account = found
        if account.seller_id not in policies:
            settings = await policy_of(session, account.seller_id, ZoneInfo("UTC"))
            policies[account.seller_id] = settings.policy()
        settled_until, answered = await _settled(session, buyer_chat_id)
        events = await _chat_events(session, buyer_chat_id)
        later = [e for e in events if settled_until is None or e.at > settled_until]
        if settled_until is not None:  # an answer on the site before it counts too
            answered = answered or any(
                e.kind is EventKind.ANSWER and e.at <= settled_until for e in events
            )
        if chat.closed_at is not None:
            closed_at = aware(chat.closed_at)
            if any(e.kind is EventKind.BUYER and _after_close(e.at, closed_at) for e in later):
                chat.closed_at = None  # the buyer wrote again: the chat is open
            if settled_until is None or closed_at > settled_until:
                later.append(ChatEvent(closed_at, EventKind.CLOSE))
        window = Marketplace(account.marketplace).answer_window
        connected_at = aware(account.created_at)
        waits = [
            wait
            for wait in chat_waits(later, policies[account.seller_id], window, answered)
            if wait.deadline.due_at >= connected_at
        ]
        await _store_waits(session, buyer_chat_id, waits)


def _after_close(written_at: datetime, closed_at: datetime) -> bool:
    """Written after the chat was closed; within the second of the closing counts too, since
    marketplaces keep whole seconds."""
    return written_at >= closed_at.replace(microsecond=0)


async def _settled(session: AsyncSession, buyer_chat_id: int) -> tuple[datetime | None, bool]:
    """When the chat's last settled wait ended, and whether any wait was answered."""
    ended = func.coalesce(SlaWait.answered_at, SlaWait.closed_at)
    last, answered = (
        await session.execute(
            select(func.max(ended), func.count(SlaWait.answered_at)).where(
                SlaWait.buyer_chat_id == buyer_chat_id, ended.is_not(None)
            )
        )
    ).one()
    return (aware(last) if last is not None else None), bool(answered)


async def _chat_events(session: AsyncSession, buyer_chat_id: int) -> list[ChatEvent]:
    messages = await session.execute(
        select(BuyerMessage.id, BuyerMessage.author, BuyerMessage.written_at).where(
            BuyerMessage.buyer_chat_id == buyer_chat_id,
            BuyerMessage.author.in_([Author.BUYER.value, Author.SELLER.value]),
        )
    )
    events = [
        ChatEvent(aware(written_at), EventKind.BUYER, message=row_id)
        if author == Author.BUYER.value
        else ChatEvent(aware(written_at), EventKind.ANSWER)
        for row_id, author, written_at in messages
    ]
    # A member's answer counts from its writing, once the marketplace has it.
    answers = await session.execute(
        select(DeskReply.created_at, DeskReply.member_id).where(
            DeskReply.buyer_chat_id == buyer_chat_id, DeskReply.status == "sent"
        )
    )
    events.extend(
        ChatEvent(aware(written_at), EventKind.ANSWER, member=member_id)
        for written_at, member_id in answers
    )
    return events


def _is_open() -> ColumnElement[bool]:
    return and_(SlaWait.answered_at.is_(None), SlaWait.closed_at.is_(None))


def awaiting_answer() -> ColumnElement[bool]:
    """The buyer chat has a wait still open: a buyer waits for an answer. (On an alias, so a
    query that joins the waits itself keeps its own.)"""
    wait = aliased(SlaWait)
    return exists().where(
        wait.buyer_chat_id == BuyerChat.id, wait.answered_at.is_(None), wait.closed_at.is_(None)
    )


def open_chat(now: datetime) -> ColumnElement[bool]:
    """The chats `/chats` lists (and `/stats` and `/sellers` count): in a topic, not closed,
    and waiting for an answer or written in within `OPEN_CHAT_DAYS`."""
    recently_written = exists().where(
        BuyerMessage.buyer_chat_id == BuyerChat.id,
        BuyerMessage.written_at >= now - timedelta(days=OPEN_CHAT_DAYS),
    )
    return and_(_chat_is_open(), or_(awaiting_answer(), recently_written))


async def _store_waits(session: AsyncSession, buyer_chat_id: int, waits: list[Wait]) -> None:
    insert = dialect_insert(session)
    for wait in waits:
        values = {
            "warn_at": wait.deadline.warn_at,
            "due_at": wait.deadline.due_at,
            "capped": wait.deadline.capped,
            "answered_at": wait.answered_at,
            "answered_by": wait.answered_by,
            "closed_at": wait.closed_at,
        }
        await session.execute(
            insert(SlaWait)
            .values(
                buyer_chat_id=buyer_chat_id,
                buyer_message_id=wait.message,
                metric=wait.metric.value,
                started_at=wait.started_at,
                **values,
            )
            .on_conflict_do_update(
                index_elements=["buyer_chat_id", "metric", "buyer_message_id"],
                set_=values,
                where=_is_open(),  # a settled wait stays as it was measured
            )
        )
    # At most one wait is open; an open row the replay no longer has (an earlier message
    # arrived late and started the wait instead) goes.
    stale = delete(SlaWait).where(SlaWait.buyer_chat_id == buyer_chat_id, _is_open())
    still_open = next((wait for wait in waits if not wait.settled), None)
    if still_open is not None:
        stale = stale.where(
            or_(
                SlaWait.metric != still_open.metric.value,
                SlaWait.buyer_message_id != still_open.message,
            )
        )
    await session.execute(stale)


async def close_chat(session: AsyncSession, buyer_chat_id: int, now: datetime) -> bool:
    """Marks the chat closed (by a member, or found closed on the marketplace): it raises no
    alerts until its buyer writes again. False when it was closed already."""
    closed = await session.execute(
        update(BuyerChat)
        .where(BuyerChat.id == buyer_chat_id, BuyerChat.closed_at.is_(None))
        .values(closed_at=now)
    )
    if not closed.rowcount:  # type: ignore[attr-defined]
        return False
    await refresh_waits(session, [buyer_chat_id])  # the open wait ends here
    return True


class AlertKind(StrEnum):
    WARNING = "warning"
    BREACH = "breach"


@dataclass(frozen=True)
class DueAlert:
    wait_id: int
    kind: AlertKind
    metric: Metric
    seller_id: int
    group_chat_id: int
    language: str
    sla_topic_id: int | None
    buyer_chat_id: int
    topic_id: int
    marketplace: Marketplace
    buyer_name: str | None
    order_number: str | None
    started_at: datetime
    due_at: datetime
    # The buyer message that started the wait, in the topic (None: not forwarded yet).
    message_in_topic: int | None


def _chat_is_open() -> ColumnElement[bool]:
    return and_(BuyerChat.closed_at.is_(None), BuyerChat.topic_id.is_not(None))


def _alert_due(kind: AlertKind, now: datetime) -> ColumnElement[bool]:
    """The wait is owed this alert now (its moment came within the horizon, not raised yet)."""
    if kind is AlertKind.BREACH:
        return and_(
            SlaWait.breached_at.is_(None),
            SlaWait.due_at <= now,
            SlaWait.due_at > now - ALERT_HORIZON,
        )
    return and_(
        SlaWait.warned_at.is_(None),
        SlaWait.breached_at.is_(None),
        SlaWait.due_at > now,  # past due, the breach is the news
        SlaWait.warn_at <= now,
        SlaWait.warn_at > now - ALERT_HORIZON,
    )


async def due_alerts(session: AsyncSession, now: datetime, limit: int = 200) -> list[DueAlert]:
    """Alerts owed now, nearest deadline first: a breach for a wait past due, else a warning
    for one past its warning time."""
    rows = await session.execute(
        select(
            SlaWait,
            BuyerChat,
            MarketplaceAccount.marketplace,
            Seller,
            BuyerMessage.telegram_message_id,
        )
        .join(BuyerChat, BuyerChat.id == SlaWait.buyer_chat_id)
        .join(BuyerMessage, BuyerMessage.id == SlaWait.buyer_message_id)
        .join(MarketplaceAccount, MarketplaceAccount.id == BuyerChat.account_id)
        .join(Seller, Seller.id == MarketplaceAccount.seller_id)
        .where(
            _is_open(),
            _chat_is_open(),
            Seller.rights_lost_at.is_(None),
            or_(_alert_due(AlertKind.BREACH, now), _alert_due(AlertKind.WARNING, now)),
        )
        .order_by(SlaWait.due_at)
        .limit(limit)
    )
    return [
        DueAlert(
            wait_id=wait.id,
            kind=AlertKind.BREACH if aware(wait.due_at) <= now else AlertKind.WARNING,
            metric=Metric(wait.metric),
            seller_id=seller.id,
            group_chat_id=seller.forum_chat_id,
            language=seller.language,
            sla_topic_id=seller.sla_topic_id,
            buyer_chat_id=chat.id,
            topic_id=chat.topic_id,
            marketplace=Marketplace(marketplace),
            buyer_name=chat.buyer_name,
            order_number=chat.order_number,
            started_at=aware(wait.started_at),
            due_at=aware(wait.due_at),
            message_in_topic=message_in_topic,
        )
        for wait, chat, marketplace, seller, message_in_topic in rows
    ]


async def late_waits(
    session: AsyncSession, now: datetime
) -> dict[tuple[Marketplace, AlertKind], int]:
    """Open waits in open chats past their warning time (WARNING) or their deadline (BREACH),
    by marketplace, whether or not the alert was posted (for `/metrics`)."""
    state = case((SlaWait.due_at <= now, AlertKind.BREACH.value), else_=AlertKind.WARNING.value)
    rows = await session.execute(
        select(MarketplaceAccount.marketplace, state, func.count())
        .select_from(SlaWait)
        .join(BuyerChat, BuyerChat.id == SlaWait.buyer_chat_id)
        .join(MarketplaceAccount, MarketplaceAccount.id == BuyerChat.account_id)
        .where(_is_open(), _chat_is_open(), SlaWait.warn_at <= now)
        .group_by(MarketplaceAccount.marketplace, state)
    )
    return {
        (Marketplace(marketplace), AlertKind(kind)): int(count) for marketplace, kind, count in rows
    }


async def claim_alert(session: AsyncSession, alert: DueAlert, now: datetime) -> bool:
    """True for the one caller that may raise this alert: the wait is still unanswered, its
    chat open, and nobody raised it yet. A breach claims the warning too."""
    values = {"breached_at": now} if alert.kind is AlertKind.BREACH else {"warned_at": now}
    chat_open = (
        select(BuyerChat.id).where(BuyerChat.id == SlaWait.buyer_chat_id, _chat_is_open()).exists()
    )
    claimed = await session.execute(
        update(SlaWait)
        .where(
            SlaWait.id == alert.wait_id,
            _is_open(),
            chat_open,
            _alert_due(alert.kind, now),
        )
        .values(**values)
    )
    await session.commit()
    return bool(claimed.rowcount)  # type: ignore[attr-defined]


async def release_alert(session: AsyncSession, alert: DueAlert) -> None:
    """The alert could not be posted: the next tick tries again."""
    column = "breached_at" if alert.kind is AlertKind.BREACH else "warned_at"
    await session.execute(update(SlaWait).where(SlaWait.id == alert.wait_id).values({column: None}))
    await session.commit()


async def keep_sla_topic(session: AsyncSession, seller_id: int, topic_id: int) -> int:
    """Records the group's new SLA topic unless another process recorded one first; the topic
    to use either way."""
    kept = await session.execute(
        update(Seller)
        .where(Seller.id == seller_id, Seller.sla_topic_id.is_(None))
        .values(sla_topic_id=topic_id)
    )
    await session.commit()
    if kept.rowcount:  # type: ignore[attr-defined]
        return topic_id
    winner = await session.scalar(select(Seller.sla_topic_id).where(Seller.id == seller_id))
    return winner if winner is not None else topic_id


async def forget_sla_topic(session: AsyncSession, seller_id: int, topic_id: int) -> None:
    """The SLA topic is gone (deleted in the group): the next alert makes a new one."""
    await session.execute(
        update(Seller)
        .where(Seller.id == seller_id, Seller.sla_topic_id == topic_id)
        .values(sla_topic_id=None)
    )
    await session.commit()


class ChatFilter(StrEnum):
    ALL = "all"
    UNANSWERED = "unanswered"  # a buyer waits for an answer
    URGENT = "urgent"  # past the warning time, or past due
    OZON = "ozon"
    WILDBERRIES = "wb"


@dataclass(frozen=True)
class OpenChat:
    buyer_chat_id: int
    topic_id: int
    marketplace: Marketplace
    buyer_name: str | None
    order_number: str | None
    metric: Metric | None  # of the open wait; None when nobody waits for an answer
    warn_at: datetime | None
    due_at: datetime | None
    last_message_at: datetime | None


@dataclass(frozen=True)
class ChatPage:
    chats: list[OpenChat]
    total: int
    page: int  # from 0, within range
    pages: int


async def open_chats(
    session: AsyncSession,
    seller_id: int,
    chat_filter: ChatFilter,
    now: datetime,
    page: int = 0,
    per_page: int = 10,
) -> ChatPage:
    """The seller's open chats (not closed; waiting for an answer, or active within
    `OPEN_CHAT_DAYS`), nearest deadline first, then the most recently active."""
    last_message_at = (
        select(func.max(BuyerMessage.written_at))
        .where(BuyerMessage.buyer_chat_id == BuyerChat.id)
        .scalar_subquery()
    )
    conditions = [MarketplaceAccount.seller_id == seller_id, open_chat(now)]
    if chat_filter is ChatFilter.UNANSWERED:
        conditions.append(SlaWait.id.is_not(None))
    elif chat_filter is ChatFilter.URGENT:
        conditions.append(SlaWait.warn_at <= now)
    elif chat_filter in (ChatFilter.OZON, ChatFilter.WILDBERRIES):
        conditions.append(MarketplaceAccount.marketplace == chat_filter.value)
    base = (
        select(
            BuyerChat.id,
            BuyerChat.topic_id,
            MarketplaceAccount.marketplace,
            BuyerChat.buyer_name,
            BuyerChat.order_number,
            SlaWait.metric,
            SlaWait.warn_at,
            SlaWait.due_at,
            last_message_at.label("last_message_at"),
        )
        .select_from(BuyerChat)
        .join(MarketplaceAccount, MarketplaceAccount.id == BuyerChat.account_id)
        .outerjoin(SlaWait, and_(SlaWait.buyer_chat_id == BuyerChat.id, _is_open()))
        .where(*conditions)
    )
    total = await session.scalar(select(func.count()).select_from(base.subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 0), pages - 1)
    rows = await session.execute(
        base.order_by(
            SlaWait.due_at.is_(None),
            SlaWait.due_at,
            last_message_at.desc(),
            BuyerChat.id.desc(),
        )
        .offset(page * per_page)
        .limit(per_page)
    )
    chats = [
        OpenChat(
            buyer_chat_id=row_id,
            topic_id=topic_id,
            marketplace=Marketplace(marketplace),
            buyer_name=buyer_name,
            order_number=order_number,
            metric=Metric(metric) if metric else None,
            warn_at=aware(warn_at) if warn_at else None,
            due_at=aware(due_at) if due_at else None,
            last_message_at=aware(last) if last else None,
        )
        for row_id, topic_id, marketplace, buyer_name, order_number, metric, warn_at, due_at, last in rows
    ]
    return ChatPage(chats, total, page, pages)


async def wait_records(
    session: AsyncSession, seller_id: int, since: datetime, until: datetime
) -> list[WaitRecord]:
    """The seller's waits that started in [since, until), for the report."""
    rows = await session.execute(
        select(
            MarketplaceAccount.marketplace,
            SlaWait.metric,
            SlaWait.started_at,
            SlaWait.due_at,
            SlaWait.answered_at,
            SlaWait.answered_by,
            SlaWait.closed_at,
        )
        .select_from(SlaWait)
        .join(BuyerChat, BuyerChat.id == SlaWait.buyer_chat_id)
        .join(MarketplaceAccount, MarketplaceAccount.id == BuyerChat.account_id)
        .where(
            MarketplaceAccount.seller_id == seller_id,
            SlaWait.started_at >= since,
            SlaWait.started_at < until,
        )
    )
    return [
        WaitRecord(
            marketplace=marketplace,
            metric=metric,
            started_at=aware(started_at),
            due_at=aware(due_at),
            answered_at=aware(answered_at) if answered_at else None,
            answered_by=answered_by,
            closed_at=aware(closed_at) if closed_at else None,
        )
        for marketplace, metric, started_at, due_at, answered_at, answered_by, closed_at in rows
    ]


@dataclass(frozen=True, slots=True)
class HitRate:
    """Waits that ended answered in time, and those that ran late (as `sla_report.outcome`
    judges them); waits still running in time and chats closed in time are in neither."""

    in_time: int = 0
    late: int = 0

    @property
    def share_in_time(self) -> float | None:
        judged = self.in_time + self.late
        return self.in_time / judged if judged else None


async def sla_hit_rates(
    session: AsyncSession, since: datetime, *, now: datetime | None = None
) -> dict[int, HitRate]:
    """Each seller's hit rate over the waits that started since `since`, counted in SQL (the
    admin console's /stats and /sellers); sellers without such waits are absent."""
    now = now or utcnow()
    late = case(
        (SlaWait.answered_at.is_not(None), SlaWait.answered_at > SlaWait.due_at),
        (
            and_(SlaWait.closed_at.is_not(None), SlaWait.closed_at <= now),
            SlaWait.due_at < SlaWait.closed_at,
        ),
        else_=SlaWait.due_at < now,
    )
    in_time = and_(SlaWait.answered_at.is_not(None), SlaWait.answered_at <= SlaWait.due_at)
    rows = await session.execute(
        select(
            MarketplaceAccount.seller_id,
            func.sum(case((in_time, 1), else_=0)),
            func.sum(case((late, 1), else_=0)),
        )
        .select_from(SlaWait)
        .join(BuyerChat, BuyerChat.id == SlaWait.buyer_chat_id)
        .join(MarketplaceAccount, MarketplaceAccount.id == BuyerChat.account_id)
        .where(SlaWait.started_at >= since)
        .group_by(MarketplaceAccount.seller_id)
    )
    return {
        seller_id: HitRate(in_time=int(hits or 0), late=int(misses or 0))
        for seller_id, hits, misses in rows
    }


def hard_windows(marketplaces: Iterable[Marketplace]) -> Mapping[str, timedelta]:
    """The answer windows of these marketplaces (the ones that have one), by name."""
    return {
        marketplace.label: window
        for marketplace in marketplaces
        if (window := marketplace.answer_window) is not None
    }
