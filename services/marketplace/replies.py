"""Members' answers from a buyer's topic to the marketplace, through an outbox.

A member's message in a buyer's topic becomes a `desk_replies` row before the marketplace is
called (`record_reply`); `ReplyDelivery` then sends the pending rows of a chat one at a time,
in the order they were written in Telegram, a long text in parts at sentence boundaries. A
failure the marketplace may get over (an outage, its rate limit) leaves the row pending for
the scheduled job, with a growing pause; a refusal (the answer window has closed, the chat is
closed, the file is not accepted) fails the row with its reason. Either way `ReplyNotices`
shows the member what happened, on their own message.

One process sends a row at a time: a row is claimed for a while (`claimed_until`) by a
conditional update, in the database every process shares. A crash between the call and the
row's update can send that part again when the claim runs out (at least once, never lost).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.marketplace import MarketplaceConnector
from services.marketplace.connections import ConnectorFactory
from services.marketplace.errors import FailureReason, MarketplaceError
from services.marketplace.files import EXTENSIONS, sniffed_type
from services.marketplace.models import (
    ChatAddress,
    Marketplace,
    OutgoingFile,
)
from services.marketplace.ozon import OZON_TEXT_LIMIT
from services.marketplace.sellers import chat_account_seller, of_buyer_chats
from services.marketplace.sla import close_chat, refresh_waits
from services.marketplace.splitting import split_reply
from services.marketplace.vault import CredentialsUnreadable, CredentialVault
from services.marketplace.wildberries import WILDBERRIES_TEXT_LIMIT
from services.models.base import aware, utcnow
from services.models.marketplace import (
    BuyerChat,
    BuyerMessage,
    DeskReply,
    MarketplaceAccount,
    Seller,
)
from services.retry_policy import doubling_pause
from services.telegram_text import TELEGRAM_DOWNLOAD_LIMIT_BYTES
from services.update_context import outside_any_update

logger = logging.getLogger(__name__)

TEXT_LIMITS = {Marketplace.OZON: OZON_TEXT_LIMIT, Marketplace.WILDBERRIES: WILDBERRIES_TEXT_LIMIT}
# How long one delivery may hold a row before another process may take it over.
CLAIM_SECONDS = 120
# Pauses between attempts after an outage: 15 s, 30 s, 1 min, ... up to 10 min; a reply
# that still has not gone after a day fails (Ozon's answer window is 48 h).
FIRST_PAUSE = timedelta(seconds=15)
LONGEST_PAUSE = timedelta(minutes=10)
GIVE_UP_AFTER = timedelta(hours=24)
# Refusals another try cannot change: no 🔁 for them.
FINAL_REFUSALS = frozenset(
    {
        FailureReason.ANSWER_WINDOW_CLOSED,
        FailureReason.CHAT_CLOSED,
        FailureReason.CHAT_NOT_FOUND,
        FailureReason.FILE_REFUSED,
        FailureReason.TEXT_REFUSED,
    }
)
# Members' messages that came in together are all written before the first goes out.
SETTLE_SECONDS = 0.5
# Telegram lets a bot download files up to 20 MB.


class ReplyKind(StrEnum):
    TEXT = "text"
    PHOTO = "photo"
    DOCUMENT = "document"


class ReplyStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True)
class MemberReply:
    """A member's message in a topic, as the handler read it."""

    group_chat_id: int
    topic_id: int
    telegram_message_id: int
    member_id: int
    kind: ReplyKind
    text: str = ""
    file_id: str | None = None
    file_name: str | None = None
    content_type: str | None = None
    file_size: int | None = None


@dataclass(frozen=True)
class ReplyOutcome:
    """What became of one reply, for the member's eyes. `waiting`: it will be tried again."""

    reply_id: int
    group_chat_id: int
    topic_id: int | None
    telegram_message_id: int
    language: str
    marketplace: Marketplace
    status: ReplyStatus
    failure: FailureReason | None = None
    notice_message_id: int | None = None
    attempts: int = 1
    parts_sent: int = 0  # of `parts` calls (a file, then text parts) the marketplace has
    parts: int = 1
    notice_state: str | None = None  # what the member's notice says now

    @property
    def waiting(self) -> bool:
        return self.status is ReplyStatus.PENDING

    @property
    def may_go_later(self) -> bool:
        """Another try may go through: not for what the marketplace refuses for good."""
        return self.failure not in FINAL_REFUSALS

    @property
    def gave_up(self) -> bool:
        """Failed after a day of outages."""
        return self.status is ReplyStatus.FAILED and self.failure in {
            FailureReason.UNAVAILABLE,
            FailureReason.RATE_LIMITED,
        }

    @property
    def state(self) -> str:
        """What a notice about this outcome says, in short: it changes when the notice must.
        Waiting is one state whatever the attempt; each failed 🔁 is news."""
        attempts = "" if self.waiting else f":{self.attempts}"
        parts = f":{self.parts_sent}/{self.parts}" if 0 < self.parts_sent < self.parts else ""
        return f"{self.status.value}:{self.failure or ''}{attempts}{parts}"


class _ClaimLost(Exception):
    """The row's claim ran out and another delivery took it over: this one stops."""


class FileSource(Protocol):
    async def read(self, file_id: str) -> bytes:
        """The bytes of a file a member sent (Telegram's file id)."""
        ...


class ReplyNotices(Protocol):
    """How an outcome shows in the group (handlers/marketplace/replies.py)."""

    async def delivered(self, outcome: ReplyOutcome) -> None: ...

    async def problem(self, outcome: ReplyOutcome) -> int | None:
        """Tells the member why the reply has not gone (yet); returns the notice's id."""
        ...


@dataclass(frozen=True)
class TopicChat:
    """The buyer chat a forum topic belongs to."""

    id: int
    seller_id: int
    marketplace: Marketplace
    language: str
    buyer_name: str | None
    order_number: str | None


async def buyer_chat_of_topic(
    session: AsyncSession, group_chat_id: int, topic_id: int
) -> TopicChat | None:
    found = (
        await session.execute(
            of_buyer_chats(BuyerChat, MarketplaceAccount.marketplace, Seller).where(
                Seller.forum_chat_id == group_chat_id, BuyerChat.topic_id == topic_id
            )
        )
    ).first()
    if found is None:
        return None
    chat, marketplace, seller = found
    return TopicChat(
        id=chat.id,
        seller_id=seller.id,
        marketplace=Marketplace(marketplace),
        language=seller.language,
        buyer_name=chat.buyer_name,
        order_number=chat.order_number,
    )


async def record_reply(session: AsyncSession, reply: MemberReply) -> int | None:
    """Writes the reply into the outbox; the id of the buyer chat it is for, or None when the
    topic is no buyer's. A reply recorded before (an update delivered twice) keeps its row."""
    chat = await buyer_chat_of_topic(session, reply.group_chat_id, reply.topic_id)
    if chat is None:
        return None
    row = DeskReply(
        buyer_chat_id=chat.id,
        group_chat_id=reply.group_chat_id,
        telegram_message_id=reply.telegram_message_id,
        member_id=reply.member_id,
        kind=reply.kind.value,
        text=reply.text,
        file_id=reply.file_id,
        file_name=reply.file_name,
        content_type=reply.content_type,
        file_size=reply.file_size,
        status=ReplyStatus.PENDING.value,
        parts_sent=0,
        attempts=0,
    )
    session.add(row)
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
    return chat.id


def pause_after(attempts: int) -> timedelta:
    """The wait before the next attempt after `attempts` failed ones."""
    return doubling_pause(attempts, FIRST_PAUSE, LONGEST_PAUSE)


def reply_calls(row: DeskReply, limit: int) -> list[str | None]:
    """The calls the reply takes, in order: its file (None), then its caption's parts; or the
    text's parts. `parts_sent` counts the first ones of them."""
    texts: list[str | None] = list(split_reply(row.text, limit))
    return texts if row.kind == ReplyKind.TEXT.value else [None, *texts]


@dataclass(frozen=True)
class _Target:
    """Where a chat's replies go: the account's connector and the chat's address."""

    marketplace: Marketplace
    language: str
    topic_id: int | None
    address: ChatAddress
    connector: MarketplaceConnector | None
    refusal: FailureReason | None  # the account cannot send (refused keys, unreadable)
    last_buyer_message_id: str | None


class ReplyDelivery:
    """Sends pending replies to the marketplace, in order per buyer chat."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        vault: CredentialVault,
        connectors: ConnectorFactory,
        files: FileSource,
        notices: ReplyNotices,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.session_factory = session_factory
        self.vault = vault
        self.connectors = connectors
        self.files = files
        self.notices = notices
        self.clock = clock
        self._running: dict[int, asyncio.Task[None]] = {}
        self._again: set[int] = set()
        self._stopping = False

    async def deliver_due(self) -> int:
        """Every chat whose first pending reply is due (the scheduled job); the number of
        replies sent."""
        now = self.clock()
        async with self.session_factory() as session:
            chat_ids = (
                await session.scalars(
                    select(DeskReply.buyer_chat_id)
                    .where(
                        DeskReply.status == ReplyStatus.PENDING.value,
                        or_(DeskReply.next_attempt_at.is_(None), DeskReply.next_attempt_at <= now),
                    )
                    .group_by(DeskReply.buyer_chat_id)
                    .order_by(func.min(DeskReply.id))
                )
            ).all()
        sent = 0
        for chat_id in chat_ids:
            try:
                sent += await self.deliver_chat(chat_id)
            except Exception:  # one chat's trouble (the database, say) holds up no other
                logger.exception("delivering the replies of buyer chat %s failed", chat_id)
        return sent

    def deliver_soon(self, buyer_chat_id: int) -> None:
        """Delivers the chat's pending replies in the background, now (a member just wrote):
        one task per chat, which goes round again when more came in while it ran."""
        if self._stopping:
            return  # shutting down: the row waits for the job of the next start
        if buyer_chat_id in self._running:
            self._again.add(buyer_chat_id)
            return
        task = outside_any_update(self._deliver_in_background(buyer_chat_id))
        self._running[buyer_chat_id] = task

    async def _deliver_in_background(self, buyer_chat_id: int) -> None:
        try:
            # Members' messages that arrived together are handled concurrently: a moment for
            # all of them to be written, so they go in Telegram's order.
            await asyncio.sleep(SETTLE_SECONDS)
            while True:
                self._again.discard(buyer_chat_id)
                await self.deliver_chat(buyer_chat_id)
                if buyer_chat_id not in self._again:
                    return
        except Exception:
            logger.exception("delivering the replies of buyer chat %s failed", buyer_chat_id)
        finally:
            self._running.pop(buyer_chat_id, None)

    async def wind_down(self, timeout: float = 10.0) -> None:
        """No new deliveries; running ones finish the reply under way (what is left of their
        chat waits for the job of the next start), or are cancelled after `timeout`."""
        self._stopping = True
        tasks = list(self._running.values())
        if not tasks:
            return
        _, late = await asyncio.wait(tasks, timeout=timeout)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)

    async def requeue(self, group_chat_id: int, reply_id: int) -> int | None:
        """A member's 🔁: the reply is pending again, due now, in its turn. Its buyer chat's
        id, or None when it is not this group's or has already gone."""
        async with self.session_factory() as session:
            changed = await session.execute(
                update(DeskReply)
                .where(
                    DeskReply.id == reply_id,
                    DeskReply.group_chat_id == group_chat_id,
                    DeskReply.status != ReplyStatus.SENT.value,
                )
                .values(
                    status=ReplyStatus.PENDING.value,
                    failure=None,
                    next_attempt_at=None,
                    trying_since=self.clock(),  # another day of trying through outages
                )
            )
            await session.commit()
            if not changed.rowcount:  # type: ignore[attr-defined]
                return None
            return await session.scalar(
                select(DeskReply.buyer_chat_id).where(DeskReply.id == reply_id)
            )

    async def deliver_chat(self, buyer_chat_id: int) -> int:
        """Sends the chat's pending replies in order until one has to wait; the number sent."""
        sent = 0
        target: _Target | None = None
        try:
            while not self._stopping:
                row = await self._claim_next(buyer_chat_id)
                if row is None:
                    break
                if target is None:
                    target = await self._target(buyer_chat_id)
                    if target is None:
                        break  # the chat is gone, and its replies with it
                try:
                    outcome = await self._deliver(row, target)
                except _ClaimLost:
                    logger.warning("reply %s was taken over by another delivery", row.id)
                    break
                except Exception:
                    # Whatever broke would break again: the member hears of it, the row rests.
                    logger.exception("reply %s failed unexpectedly", row.id)
                    outcome = await self._settle(
                        row, target, ReplyStatus.FAILED, FailureReason.REJECTED
                    )
                if outcome.status is ReplyStatus.SENT:
                    sent += 1
                    await self.notices.delivered(outcome)
                else:
                    await self._notify_problem(outcome)
                if outcome.waiting:
                    break  # what comes after it waits with it, in order
            if sent and target is not None:
                await self._mark_read(target)
        finally:
            if target is not None and target.connector is not None:
                await target.connector.close()
        return sent

    async def _claim_next(self, buyer_chat_id: int) -> DeskReply | None:
        now = self.clock()
        async with self.session_factory() as session:
            row = await session.scalar(
                select(DeskReply)
                .where(
                    DeskReply.buyer_chat_id == buyer_chat_id,
                    DeskReply.status == ReplyStatus.PENDING.value,
                )
                .order_by(DeskReply.telegram_message_id)
                .limit(1)
            )
            if row is None or (
                row.next_attempt_at is not None and aware(row.next_attempt_at) > now
            ):
                return None
            token = secrets.token_hex(8)
            claimed = await session.execute(
                update(DeskReply)
                .where(
                    DeskReply.id == row.id,
                    DeskReply.status == ReplyStatus.PENDING.value,
                    or_(DeskReply.claimed_until.is_(None), DeskReply.claimed_until < now),
                )
                .values(claimed_until=now + timedelta(seconds=CLAIM_SECONDS), claim_token=token)
                # SQLite's datetimes come back naive: no comparing them in Python.
                .execution_options(synchronize_session=False)
            )
            await session.commit()
            if not claimed.rowcount:  # type: ignore[attr-defined]
                return None  # another delivery has it, and goes on after it
            await session.refresh(row)
            session.expunge(row)
            return row

    async def _target(self, buyer_chat_id: int) -> _Target | None:
        async with self.session_factory() as session:
            found = await chat_account_seller(session, buyer_chat_id)
            if found is None:
                return None
            chat, account, seller = found
            last_buyer_message = await session.scalar(
                select(BuyerMessage.message_id)
                .where(BuyerMessage.buyer_chat_id == chat.id, BuyerMessage.author == "buyer")
                .order_by(BuyerMessage.written_at.desc(), BuyerMessage.id.desc())
                .limit(1)
            )
        marketplace = Marketplace(account.marketplace)
        refusal = FailureReason(account.refusal) if account.refused_at is not None else None
        connector = None
        if refusal is None:
            try:
                credentials = self.vault.open(account.sealed_credentials)
            except CredentialsUnreadable:
                refusal = FailureReason.CREDENTIALS
            else:
                connector = self.connectors.connector(marketplace, credentials)
        return _Target(
            marketplace=marketplace,
            language=seller.language,
            topic_id=chat.topic_id,
            address=ChatAddress(chat.chat_id, chat.reply_sign),
            connector=connector,
            refusal=refusal,
            last_buyer_message_id=last_buyer_message,
        )

    async def _deliver(self, row: DeskReply, target: _Target) -> ReplyOutcome:
        try:
            connector = target.connector
            if connector is None:
                raise MarketplaceError(
                    target.refusal or FailureReason.CREDENTIALS, "the account cannot send"
                )
            calls = reply_calls(row, TEXT_LIMITS[target.marketplace])
            if not calls:
                raise MarketplaceError(FailureReason.TEXT_REFUSED, "the text is empty")
            for part in calls[row.parts_sent :]:
                if part is None:
                    file = await self._file_of(row)
                    await self._call(row, target, connector.send_file(target.address, file))
                else:
                    await self._call(row, target, connector.send_text(target.address, part))
        except MarketplaceError as error:
            return await self._failed(row, target, error)
        return await self._settle(row, target, ReplyStatus.SENT)

    async def _call(self, row: DeskReply, target: _Target, call: Awaitable[object]) -> None:
        """One part to the marketplace, counted once it is there. A call that breaks in an
        unknown way, or is cancelled (shutdown) while out, may have reached the buyer: the
        row fails as maybe delivered rather than go again by itself."""
        try:
            await call
        except MarketplaceError:
            raise
        except asyncio.CancelledError:
            await asyncio.shield(self._in_doubt(row, target))
            raise
        except Exception as error:
            raise MarketplaceError(
                FailureReason.UNAVAILABLE, f"the call broke: {type(error).__name__}: {error}"
            ) from error
        await self._part_sent(row)

    async def _in_doubt(self, row: DeskReply, target: _Target) -> None:
        try:
            outcome = await self._settle(
                row, target, ReplyStatus.FAILED, FailureReason.MAYBE_DELIVERED
            )
            await self._notify_problem(outcome)
        except Exception:
            logger.exception("reply %s: recording a call cut short failed", row.id)

    async def _file_of(self, row: DeskReply) -> OutgoingFile:
        if row.file_id is None or (row.file_size or 0) > TELEGRAM_DOWNLOAD_LIMIT_BYTES:
            raise MarketplaceError(FailureReason.FILE_REFUSED, "the file is over 20 MB")
        try:
            content = await self.files.read(row.file_id)
        except Exception as error:  # Telegram's download: an outage, or the file is gone
            raise MarketplaceError(
                FailureReason.UNAVAILABLE, f"the file did not download: {error}", retryable=True
            ) from error
        declared = row.content_type or "application/octet-stream"
        content_type = sniffed_type(content) or declared
        name = row.file_name or "file"
        if content_type != declared and content_type in EXTENSIONS:
            name = f"{name.rsplit('.', 1)[0]}{EXTENSIONS[content_type]}"
        return OutgoingFile(name=name, content=content, content_type=content_type)

    async def _part_sent(self, row: DeskReply) -> None:
        """Counts a part the marketplace has, and renews the claim for the next one."""
        row.parts_sent += 1
        async with self.session_factory() as session:
            kept = await session.execute(
                update(DeskReply)
                .where(DeskReply.id == row.id, DeskReply.claim_token == row.claim_token)
                .values(
                    parts_sent=row.parts_sent,
                    claimed_until=self.clock() + timedelta(seconds=CLAIM_SECONDS),
                )
            )
            await session.commit()
        if not kept.rowcount:  # type: ignore[attr-defined]
            raise _ClaimLost

    async def _failed(
        self, row: DeskReply, target: _Target, error: MarketplaceError
    ) -> ReplyOutcome:
        logger.warning(
            "reply %s to %s chat %s: %s", row.id, target.marketplace.value, row.buyer_chat_id, error
        )
        if error.reason is FailureReason.UNAVAILABLE and not error.retryable:
            # The call broke after it went out: sending it again could give the buyer two.
            return await self._settle(
                row, target, ReplyStatus.FAILED, FailureReason.MAYBE_DELIVERED
            )
        transient = error.retryable or error.reason is FailureReason.RATE_LIMITED
        if transient and self.clock() - aware(row.trying_since) < GIVE_UP_AFTER:
            pause = pause_after(row.attempts + 1)
            if error.retry_after:
                pause = max(pause, timedelta(seconds=error.retry_after))
            return await self._settle(
                row, target, ReplyStatus.PENDING, error.reason, self.clock() + pause
            )
        return await self._settle(row, target, ReplyStatus.FAILED, error.reason)

    async def _settle(
        self,
        row: DeskReply,
        target: _Target,
        status: ReplyStatus,
        failure: FailureReason | None = None,
        next_attempt_at: datetime | None = None,
    ) -> ReplyOutcome:
        now = self.clock()
        values: dict[str, object] = {
            "status": status.value,
            "failure": failure.value if failure else None,
            "claimed_until": None,
            "claim_token": None,
            "next_attempt_at": next_attempt_at,
            "attempts": row.attempts + 1,
        }
        if status is ReplyStatus.SENT:
            values["sent_at"] = now
        async with self.session_factory() as session:
            kept = await session.execute(
                update(DeskReply)
                .where(DeskReply.id == row.id, DeskReply.claim_token == row.claim_token)
                .values(**values)
            )
            if kept.rowcount:  # type: ignore[attr-defined]
                if status is ReplyStatus.SENT:
                    await refresh_waits(session, [row.buyer_chat_id])  # the buyer has an answer
                elif failure is FailureReason.CHAT_CLOSED:
                    await close_chat(session, row.buyer_chat_id, now)
            await session.commit()
        if not kept.rowcount:  # type: ignore[attr-defined]
            raise _ClaimLost
        return ReplyOutcome(
            reply_id=row.id,
            group_chat_id=row.group_chat_id,
            topic_id=target.topic_id,
            telegram_message_id=row.telegram_message_id,
            language=target.language,
            marketplace=target.marketplace,
            status=status,
            failure=failure,
            notice_message_id=row.notice_message_id,
            attempts=row.attempts + 1,
            parts_sent=row.parts_sent,
            parts=len(reply_calls(row, TEXT_LIMITS[target.marketplace])),
            notice_state=row.notice_state,
        )

    async def _notify_problem(self, outcome: ReplyOutcome) -> None:
        """A notice when what it would say changes: an outage retried by itself for the same
        reason says nothing new; a member's 🔁 that fails again is counted on the notice."""
        state = outcome.state
        if outcome.notice_message_id is not None and state == outcome.notice_state:
            return
        notice = await self.notices.problem(outcome)
        if notice is None:
            return
        async with self.session_factory() as session:
            await session.execute(
                update(DeskReply)
                .where(DeskReply.id == outcome.reply_id)
                .values(notice_message_id=notice, notice_state=state)
            )
            await session.commit()

    async def _mark_read(self, target: _Target) -> None:
        if target.connector is None or target.last_buyer_message_id is None:
            return
        try:
            await target.connector.mark_read(target.address, target.last_buyer_message_id)
        except Exception as error:  # the replies went; a read mark is a courtesy
            logger.info("marking a %s chat read failed: %s", target.marketplace.value, error)
