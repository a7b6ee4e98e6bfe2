"""Syncing the desk: each account, when due (every MARKETPLACE_POLL_SECONDS) or woken by a
push, fetches from its stored cursor, stores what is new and forwards what is pending.

Once across processes (DESIGN rule 10): an account is due in one process per period (a Redis
claim that expires with the period), and a sync holds the account's lease, extended while it
works; a holder that dies loses it when it expires. A push for an account whose sync is running
elsewhere leaves a wake-up mark that the holder picks up before it lets go.

Failures pause what cannot go on, once: refused credentials pause the account (the group is
told once), and a bot that lost its rights in the group pauses the seller (its admins are told
in private, once). A marketplace that is down only delays: the cursor stays, and the next sync
catches up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol
from zoneinfo import ZoneInfo

from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.leases import Lease, RedisLeases
from services.marketplace import MarketplaceConnector
from services.marketplace.connections import ConnectorFactory
from services.marketplace.errors import FailureReason, MarketplaceError
from services.marketplace.forwarding import DeskAccount, Forwarding, Translate
from services.marketplace.inbox import store_fetched
from services.marketplace.models import Marketplace
from services.marketplace.outbox import DeliveryProblem, DeskOutbox
from services.marketplace.sellers import (
    SYNC_IS_ON,
    SellerView,
    accounts_named,
    accounts_to_sync,
    mark_refused,
    mark_rights_lost,
    mark_rights_restored,
    record_sync_error,
)
from services.marketplace.vault import CredentialsUnreadable, CredentialVault
from services.models.marketplace import MarketplaceAccount, Seller
from services.update_context import outside_any_update

logger = logging.getLogger(__name__)

KEY_PREFIX = "easyflow:marketplace:sync"
LEASE_SECONDS = 120.0
REFUSALS = {FailureReason.CREDENTIALS, FailureReason.PREMIUM_REQUIRED}
# After this many wake-ups in a row a sync lets go, so a stream of pushes cannot hold it.
MAX_ROUNDS = 10


@dataclass(frozen=True)
class _Fetched:
    cursor: str | None
    error: FailureReason | None = None
    lease_lost: bool = False


class HeldLease(Protocol):
    async def extend(self) -> bool: ...


class SyncGuard(Protocol):
    async def claim_due(self, account_id: int, period_seconds: float) -> bool:
        """True for the one caller per period that should sync the account."""
        ...

    def hold(self, account_id: int) -> contextlib.AbstractAsyncContextManager[HeldLease | None]:
        """The account's lease (None: held elsewhere)."""
        ...

    async def leave_wake_up(self, account_id: int) -> None: ...

    async def take_wake_up(self, account_id: int) -> bool: ...


class _UnlessStopping:
    """A held lease that reports itself lost once the desk is stopping, so a sync's
    forwarding ends after what it has queued, and it fetches no more."""

    def __init__(self, held: HeldLease, desk: DeskSync) -> None:
        self.held, self.desk = held, desk

    async def extend(self) -> bool:
        return not self.desk._stopping and await self.held.extend()


class _RedisHeld:
    """Forwarding asks after every message; Redis is asked only once a quarter of the lease
    has passed since the last renewal (until then the lease is surely still ours)."""

    def __init__(self, leases: RedisLeases, lease: Lease, ttl_ms: int) -> None:
        self.leases, self.lease, self.ttl_ms = leases, lease, ttl_ms
        self._renewed = time.monotonic()

    async def extend(self) -> bool:
        now = time.monotonic()
        if now - self._renewed < self.ttl_ms / 4000:
            return True
        if not await self.leases.extend(self.lease, self.ttl_ms):
            return False
        self._renewed = now
        return True


class RedisSyncGuard:
    def __init__(self, redis: Redis, lease_seconds: float = LEASE_SECONDS) -> None:
        self.redis = redis
        self.leases = RedisLeases(redis)
        self.ttl_ms = math.ceil(lease_seconds * 1000)

    async def claim_due(self, account_id: int, period_seconds: float) -> bool:
        # Expires a little before the period ends, so the next tick finds the account due.
        ttl_ms = max(1, math.ceil(period_seconds * 1000) - 200)
        return await self.leases.try_acquire(f"{KEY_PREFIX}:{account_id}:due", ttl_ms) is not None

    @contextlib.asynccontextmanager
    async def hold(self, account_id: int) -> AsyncIterator[HeldLease | None]:
        lease = await self.leases.try_acquire(f"{KEY_PREFIX}:{account_id}:lease", self.ttl_ms)
        if lease is None:
            yield None
            return
        try:
            yield _RedisHeld(self.leases, lease, self.ttl_ms)
        finally:
            await self.leases.release(lease)

    async def leave_wake_up(self, account_id: int) -> None:
        await self.redis.set(f"{KEY_PREFIX}:{account_id}:wake", "1", px=self.ttl_ms)

    async def take_wake_up(self, account_id: int) -> bool:
        return bool(await self.redis.getdel(f"{KEY_PREFIX}:{account_id}:wake"))


class _LocalHeld:
    async def extend(self) -> bool:
        return True


class LocalSyncGuard:
    """One process (no Redis): its memory is the truth."""

    def __init__(self) -> None:
        self._held: set[int] = set()
        self._woken: set[int] = set()

    async def claim_due(self, account_id: int, period_seconds: float) -> bool:
        # The only process: the sync job ticks once per period, so whatever it finds is due.
        return True

    @contextlib.asynccontextmanager
    async def hold(self, account_id: int) -> AsyncIterator[HeldLease | None]:
        if account_id in self._held:
            yield None
            return
        self._held.add(account_id)
        try:
            yield _LocalHeld()
        finally:
            self._held.discard(account_id)

    async def leave_wake_up(self, account_id: int) -> None:
        self._woken.add(account_id)

    async def take_wake_up(self, account_id: int) -> bool:
        if account_id in self._woken:
            self._woken.discard(account_id)
            return True
        return False


def create_sync_guard(redis: Redis | None) -> SyncGuard:
    return LocalSyncGuard() if redis is None else RedisSyncGuard(redis)


class DeskSync:
    """Starts and runs account syncs; one per process, closed at shutdown."""

    def __init__(
        self,
        *,
        session_factory: async_sessionmaker[AsyncSession],
        vault: CredentialVault,
        connectors: ConnectorFactory,
        outbox: DeskOutbox,
        translate_for: Callable[[str], Translate],
        timezone: ZoneInfo,
        guard: SyncGuard,
        poll_seconds: float,
        after_forward: Callable[[set[int]], Awaitable[None]] | None = None,
    ) -> None:
        """`after_forward` hears of the buyer chats that got new buyer messages in the group
        (automatic reply suggestions)."""
        self.after_forward = after_forward
        self.session_factory = session_factory
        self.vault = vault
        self.connectors = connectors
        self.outbox = outbox
        self.translate_for = translate_for
        self.timezone = timezone
        self.guard = guard
        self.poll_seconds = poll_seconds
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._follow_ups: set[asyncio.Task[None]] = set()
        self._stopping = False

    # ------------------------------------------------------------------ starting syncs
    async def sync_due(self) -> None:
        """Starts (in the background) the syncs due now. Called once per poll period (the sync
        job's ticks); Redis's claim keeps each account to once a period across processes."""
        async with self.session_factory() as session:
            account_ids = await accounts_to_sync(session)
        for account_id in account_ids:
            if account_id in self._tasks:
                continue
            if await self.guard.claim_due(account_id, self.poll_seconds):
                self._start(account_id)

    async def wake(self, marketplace: Marketplace, name: str) -> None:
        """A push named an account (Ozon: its Client-Id): sync it now, wherever it runs. A sync
        running here takes the wake-up mark and goes round again; one running elsewhere gets
        the mark from the sync started here, which finds the lease held."""
        async with self.session_factory() as session:
            account_ids = await accounts_named(session, marketplace, name)
        for account_id in account_ids:
            if account_id in self._tasks:
                await self.guard.leave_wake_up(account_id)
            else:
                self._start(account_id)

    def _start(self, account_id: int) -> None:
        if self._stopping:
            return
        task = outside_any_update(self.sync(account_id), name=f"marketplace-sync-{account_id}")
        self._tasks[account_id] = task
        task.add_done_callback(lambda _: self._tasks.pop(account_id, None))

    async def wind_down(self, grace_seconds: float = 5.0) -> None:
        """No new syncs, fetches or passes; running syncs get `grace_seconds` to record what
        they sent. Called first at shutdown: the sender and the translations still work."""
        self._stopping = True
        tasks = [*self._tasks.values(), *self._follow_ups]
        if tasks:
            await asyncio.wait(tasks, timeout=grace_seconds)

    async def close(self, grace_seconds: float = 5.0) -> None:
        """Once the sender has stopped, every send a sync waits for has its outcome: the syncs
        get `grace_seconds` to record them and end; what still runs then is cancelled (leases
        are given back)."""
        self._stopping = True
        running = [task for task in [*self._tasks.values(), *self._follow_ups] if not task.done()]
        if not running:
            return
        _, unfinished = await asyncio.wait(running, timeout=grace_seconds)
        for task in unfinished:
            task.cancel()
        if unfinished:
            await asyncio.wait(unfinished)

    async def _after_forward(self, account: DeskAccount, buyer_chats: set[int]) -> None:
        assert self.after_forward is not None
        try:
            await self.after_forward(buyer_chats)
        except Exception:
            logger.exception("after forwarding to seller %s", account.seller_id)

    # ------------------------------------------------------------------ one sync
    async def sync(self, account_id: int) -> None:
        async with self.guard.hold(account_id) as held:
            if held is None:  # running elsewhere: the holder syncs again before it lets go
                await self.guard.leave_wake_up(account_id)
                return
            # A wake-up left before we held the lease is served by this run.
            await self.guard.take_wake_up(account_id)
            working = _UnlessStopping(held, self)
            for _ in range(MAX_ROUNDS):
                if self._stopping:
                    break
                try:
                    await self._sync_once(account_id, working)
                except Exception:  # one account's bug must not stop the others
                    logger.exception("marketplace sync of account %s failed", account_id)
                    await self._record_error(account_id, "unexpected")
                    break
                if not await self.guard.take_wake_up(account_id):
                    break

    async def _sync_once(self, account_id: int, held: HeldLease) -> None:
        loaded = await self._load(account_id)
        if loaded is None:
            return
        account, sealed, cursor = loaded
        try:
            credentials = self.vault.open(sealed)
        except CredentialsUnreadable:
            logger.error(
                "the credentials of marketplace account %s do not open with the current "
                "MARKETPLACE_CREDENTIALS_KEY; sync is paused until /connect",
                account_id,
            )
            await self._refused(account, FailureReason.CREDENTIALS)
            return
        connector = self.connectors.connector(account.marketplace, credentials)
        try:
            await self._fetch_and_forward(account, connector, cursor, held)
        finally:
            await connector.close()

    async def _fetch_and_forward(
        self,
        account: DeskAccount,
        connector: MarketplaceConnector,
        cursor: str | None,
        held: HeldLease,
    ) -> None:
        fetch = await self._fetch(account, connector, cursor, held)
        if fetch.error in REFUSALS or fetch.lease_lost:
            return
        # What is pending goes out even when the fetch failed: it was stored before.
        forwarding = Forwarding(
            self.session_factory,
            self.outbox,
            connector,
            account,
            self.translate_for(account.language),
            self.timezone,
            held.extend,
        )
        forwarded = asyncio.create_task(forwarding.run())
        try:
            # A backlog can take minutes at a group's 20 messages a minute: meanwhile the
            # account is still fetched every period, so what buyers write joins the next pass
            # instead of waiting for the backlog to go out.
            while not (await asyncio.wait({forwarded}, timeout=self.poll_seconds))[0]:
                if self._stopping:
                    continue  # no more fetches; forwarding ends after what it has queued
                fetch = await self._fetch(account, connector, fetch.cursor, held)
                if fetch.lease_lost:  # forwarding stops too, at its next check of the lease
                    await asyncio.wait({forwarded})
                    break
            report = forwarded.result()
        finally:
            if not forwarded.done():
                forwarded.cancel()
                await asyncio.wait({forwarded})
        if report.buyer_chats and self.after_forward is not None and not self._stopping:
            # Not under the account's lease: suggestions may take the model a while.
            follow_up = asyncio.create_task(self._after_forward(account, report.buyer_chats))
            self._follow_ups.add(follow_up)
            follow_up.add_done_callback(self._follow_ups.discard)
        if report.problem is DeliveryProblem.NO_RIGHTS:
            await self._rights_lost(account)
        elif report.problem is not None:
            await self._record_error(account.id, f"telegram_{report.problem.value}")

    async def _fetch(
        self,
        account: DeskAccount,
        connector: MarketplaceConnector,
        cursor: str | None,
        held: HeldLease,
    ) -> _Fetched:
        """Fetches from `cursor` and stores what came; a refusal pauses the account (told
        once), any other failure is recorded and leaves the cursor where it was."""
        try:
            result = await connector.fetch_new(cursor)
        except MarketplaceError as failure:
            if failure.reason in REFUSALS:
                await self._refused(account, failure.reason)
            else:
                logger.warning(
                    "%s account %s: fetch failed (%s); the next sync catches up",
                    account.marketplace.label,
                    account.id,
                    failure,
                )
                await self._record_error(account.id, failure.reason.value)
            return _Fetched(cursor, error=failure.reason)
        if not await held.extend():
            return _Fetched(cursor, lease_lost=True)
        async with self.session_factory() as session:
            await store_fetched(session, account.id, result.messages, result.cursor)
        return _Fetched(result.cursor)

    async def _load(self, account_id: int) -> tuple[DeskAccount, bytes, str | None] | None:
        async with self.session_factory() as session:
            row = (
                await session.execute(
                    select(MarketplaceAccount, Seller)
                    .join(Seller, Seller.id == MarketplaceAccount.seller_id)
                    .where(MarketplaceAccount.id == account_id, SYNC_IS_ON)
                )
            ).first()
        if row is None:  # gone, or its sync is off
            return None
        stored, seller = row
        account = DeskAccount(
            id=stored.id,
            marketplace=Marketplace(stored.marketplace),
            seller_id=seller.id,
            forum_chat_id=seller.forum_chat_id,
            language=seller.language,
        )
        return account, stored.sealed_credentials, stored.cursor

    # ------------------------------------------------------------------ pauses, told once
    async def _refused(self, account: DeskAccount, reason: FailureReason) -> None:
        async with self.session_factory() as session:
            paused_here = await mark_refused(session, account.id, reason)
        if not paused_here:
            return
        translate = self.translate_for(account.language)
        text = translate(
            "desk-credentials-refused",
            marketplace=account.marketplace.label,
            reason=translate(f"marketplace-failure-{reason.value}"),
        )
        await self.outbox.post_text(account.forum_chat_id, None, text)

    async def _rights_lost(self, account: DeskAccount) -> None:
        async with self.session_factory() as session:
            await notify_rights_lost(session, self.outbox, self.translate_for, account.seller_id)

    async def _record_error(self, account_id: int, error: str) -> None:
        async with self.session_factory() as session:
            await record_sync_error(session, account_id, error)


async def notify_rights_lost(
    session: AsyncSession,
    outbox: DeskOutbox,
    translate_for: Callable[[str], Translate],
    seller_id: int,
) -> bool:
    """Pauses the seller's sync and tells the people who connected it, in private, how to fix
    it; only the first caller (of any process) tells. True when this call paused it."""
    if not await mark_rights_lost(session, seller_id):
        return False
    seller = await session.get(Seller, seller_id)
    if seller is None:
        return True
    connected_by = await session.scalars(
        select(MarketplaceAccount.connected_by).where(MarketplaceAccount.seller_id == seller_id)
    )
    people = {seller.connected_by, *connected_by}
    text = translate_for(seller.language)("desk-rights-lost", group=seller.title)
    for user_id in sorted(people):
        await outbox.tell_user(user_id, text)
    return True


async def notify_rights_restored(
    session: AsyncSession,
    outbox: DeskOutbox,
    translate_for: Callable[[str], Translate],
    seller: SellerView,
) -> bool:
    """Resumes the seller's sync and tells its group; only the first caller (of any process)
    tells. True when this call resumed it."""
    if not await mark_rights_restored(session, seller.id):
        return False
    text = translate_for(seller.language)("desk-rights-restored")
    await outbox.post_text(seller.forum_chat_id, None, text)
    return True
