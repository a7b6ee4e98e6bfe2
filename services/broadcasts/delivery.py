"""Sending a running broadcast: each process's worker claims a few recipients at a time, hands
them to the one sender's bulk lane and writes every outcome back, so that

- no user gets it twice: a recipient is claimed by one worker (one conditional UPDATE) and sent
  only by it; a recipient whose process died while it was queued is marked unconfirmed, not
  sent again;
- nobody is missed: a stopping process hands back what it had not sent, and any process (after
  a restart, or a second one) picks up the rows still pending;
- the pace is the sender's: the claim keeps about two seconds of sending queued, so pausing
  takes effect within seconds and the bulk lane never crowds anyone out.

The worker knows no Telegram: it talks to a `BroadcastOutbox` the admin module implements over
the sender.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from sqlalchemy import ColumnElement, bindparam, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services import audit
from services.audit import AuditAction
from services.broadcasts.control import BroadcastProgress, RecipientState, read_progress
from services.broadcasts.drafts import BroadcastMessage, BroadcastStatus, get_broadcast
from services.metrics import BROADCAST_SENDS, count_when_committed
from services.models.base import utcnow
from services.models.broadcast import Broadcast, BroadcastRecipient
from services.models.user import User
from services.update_context import outside_any_update
from services.users import forget_recent_user

logger = logging.getLogger(__name__)

# How often a worker writes outcomes back, checks the broadcast's state and claims more.
STEP_SECONDS = 0.25
# A worker says it is alive (stamps its claims) this often; claims older than STALE_CLAIM
# belong to a process that died.
HEARTBEAT = timedelta(seconds=10)
STALE_CLAIM = timedelta(seconds=60)
# A report claimed this long ago and still not sent is claimed again.
REPORT_RETRY = timedelta(minutes=2)
# The progress message's id while one process posts it (the others then do not).
POSTING = 0
# At shutdown, how long a worker waits for its queued sends before the sender stops.
WIND_DOWN_SECONDS = 5.0


@dataclass(frozen=True)
class Delivery:
    """What became of one recipient's message. `state` None: it was not sent (the sender
    stopped first), so the recipient goes back to pending."""

    state: RecipientState | None
    message_id: int | None = None
    detail: str = ""


class BroadcastOutbox(Protocol):
    def deliver(self, user_id: int, message: BroadcastMessage) -> Awaitable[Delivery]:
        """Queues the message for the user in the bulk lane; resolves to its outcome."""
        ...

    async def show_progress(self, broadcast: Broadcast, progress: BroadcastProgress) -> int | None:
        """Edits the broadcast's progress message (or posts it when it has none); its id."""
        ...

    async def report_end(self, broadcast: Broadcast, progress: BroadcastProgress) -> int | None:
        """Tells the admin group the broadcast is over, with its totals; the message's id, or
        None when it could not be sent."""
        ...


class BroadcastRunner:
    """One per process: a worker per running broadcast, started by `tick` (every few seconds,
    and at once when an admin starts or resumes one)."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        outbox: BroadcastOutbox,
        *,
        claim_size: int,
        progress_every: timedelta,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.session_factory = session_factory
        self.outbox = outbox
        self.claim_size = max(2, claim_size)
        self.progress_every = progress_every
        self._clock = clock
        self._workers: dict[int, asyncio.Task[None]] = {}
        self._progress: dict[int, asyncio.Task[None]] = {}
        self._progress_tried: dict[int, float] = {}  # broadcast -> when this process last tried
        self._stopping = False
        self._ticking = asyncio.Lock()

    # ------------------------------------------------------------------ the process's side
    async def tick(self) -> None:
        """Starts a worker for each running broadcast this process does not work on yet, marks
        claims of dead processes unconfirmed, and ends and reports what is over."""
        if self._stopping:
            return
        async with self._ticking:
            async with self.session_factory() as session, session.begin():
                await mark_stale_claims_unconfirmed(session)
                running = await running_broadcasts(session)
            for broadcast_id in running:
                worker = self._workers.get(broadcast_id)
                if worker is None or worker.done():
                    worker = outside_any_update(
                        self._work(broadcast_id), name=f"broadcast-{broadcast_id}"
                    )
                    worker.add_done_callback(_log_failure)
                    self._workers[broadcast_id] = worker
            await self._end_what_is_over()

    def wake(self) -> None:
        """Ticks now, in the background (an admin started or resumed a broadcast)."""
        task = outside_any_update(self.tick())
        task.add_done_callback(_log_failure)

    async def show_progress_now(self, broadcast_id: int) -> None:
        """Shows the broadcast's state on its progress message now (posting it if needed)."""
        showing = self._progress.get(broadcast_id)
        if showing is not None:
            await asyncio.wait({showing})
        task = asyncio.create_task(self._show_progress(broadcast_id, now=True))
        self._progress[broadcast_id] = task
        await task

    async def wind_down(self) -> None:
        """At shutdown, before the sender stops: no more claims; queued sends get a few
        seconds to go out. What is left is handed back by `close`, after the sender stopped."""
        self._stopping = True
        workers = [task for task in self._workers.values() if not task.done()]
        if workers:
            await asyncio.wait(workers, timeout=WIND_DOWN_SECONDS)

    async def close(self) -> None:
        """After the sender stopped (every queued send resolved, sent or not): the workers
        write the last outcomes and hand back the rest."""
        self._stopping = True
        tasks = [task for task in (*self._workers.values(), *self._progress.values())]
        if tasks:
            await asyncio.wait(tasks, timeout=WIND_DOWN_SECONDS)
        unfinished = [task for task in tasks if not task.done()]
        for task in unfinished:
            task.cancel()  # each writes what it knows before it ends
        if unfinished:
            await asyncio.wait(unfinished, timeout=WIND_DOWN_SECONDS)

    # ------------------------------------------------------------------ one broadcast
    async def _work(self, broadcast_id: int) -> None:
        worker = secrets.token_hex(8)
        queued: dict[asyncio.Future[Delivery], int] = {}
        unwritten: dict[int, Delivery] = {}  # outcomes the database does not have yet
        last_stamp = self._clock()
        try:
            while True:
                for future in [future for future in queued if future.done()]:
                    unwritten[queued.pop(future)] = _outcome(future)
                stamp = bool(queued) and self._clock() - last_stamp >= HEARTBEAT.total_seconds()
                try:
                    step = await self._step(broadcast_id, worker, unwritten, len(queued), stamp)
                except Exception:  # the database away, say: nothing is lost, the step is retried
                    logger.exception("broadcast %s: a step failed; retrying", broadcast_id)
                    await asyncio.sleep(1.0)
                    continue
                unwritten = {}
                last_stamp = self._clock() if stamp else last_stamp
                if step is None:  # the broadcast is gone
                    return
                status, message, claimed = step
                for user_id in claimed:
                    queued[asyncio.ensure_future(self.outbox.deliver(user_id, message))] = user_id
                if not queued:
                    break
                self._show_progress_if_due(broadcast_id)
                await asyncio.wait(list(queued), timeout=STEP_SECONDS)
        except asyncio.CancelledError:
            # Cancelled at the very end of a shutdown, after the sender stopped.
            await asyncio.shield(self._hand_back(broadcast_id, worker, queued, unwritten))
            raise
        if not self._stopping:
            await self._end_what_is_over()  # shows the end itself
            if status is not BroadcastStatus.RUNNING:  # paused: the counts it stopped at
                self._show_progress_if_due(broadcast_id, now=True)

    async def _step(
        self,
        broadcast_id: int,
        worker: str,
        outcomes: dict[int, Delivery],
        queued: int,
        stamp: bool,
    ) -> tuple[BroadcastStatus, BroadcastMessage, list[int]] | None:
        """One transaction: the outcomes written, the state read, more recipients claimed."""
        async with self.session_factory() as session, session.begin():
            if outcomes:
                await record_deliveries(session, broadcast_id, worker, outcomes)
            broadcast = await get_broadcast(session, broadcast_id)
            if broadcast is None:
                return None
            status = BroadcastStatus(broadcast.status)
            claimed: list[int] = []
            if (
                status is BroadcastStatus.RUNNING
                and not self._stopping
                and queued <= self.claim_size // 2
            ):
                claimed = await claim_recipients(
                    session, broadcast_id, worker, self.claim_size - queued
                )
            if stamp:
                await stamp_claims(session, broadcast_id, worker)
            message = BroadcastMessage.of(broadcast)
        forget_unreachable(outcomes)
        return status, message, claimed

    async def _hand_back(
        self,
        broadcast_id: int,
        worker: str,
        queued: dict[asyncio.Future[Delivery], int],
        unwritten: dict[int, Delivery],
    ) -> None:
        """Writes what is known; a send still unresolved may yet go out, so it is not handed
        back as pending but marked unconfirmed."""
        outcomes = dict(unwritten)
        for future, user_id in queued.items():
            outcomes[user_id] = (
                _outcome(future)
                if future.done()
                else Delivery(RecipientState.UNCONFIRMED, detail="unresolved at shutdown")
            )
        if not outcomes:
            return
        async with self.session_factory() as session, session.begin():
            await record_deliveries(session, broadcast_id, worker, outcomes)
        forget_unreachable(outcomes)

    def _show_progress_if_due(self, broadcast_id: int, now: bool = False) -> None:
        """Edits the progress message in the background, one edit at a time per broadcast,
        and (across processes) no more often than `progress_every` unless `now`."""
        running = self._progress.get(broadcast_id)
        if running is not None and not running.done():
            return
        tried = self._progress_tried.get(broadcast_id)
        if (
            not now
            and tried is not None
            and self._clock() - tried < self.progress_every.total_seconds()
        ):
            return
        self._progress_tried[broadcast_id] = self._clock()
        task = asyncio.create_task(self._show_progress(broadcast_id, now))
        task.add_done_callback(_log_failure)
        self._progress[broadcast_id] = task

    async def _show_progress(self, broadcast_id: int, now: bool) -> None:
        async with self.session_factory() as session, session.begin():
            every = timedelta(0) if now else self.progress_every
            if not await claim_progress_turn(session, broadcast_id, every):
                return
            broadcast = await get_broadcast(session, broadcast_id)
            progress = await read_progress(session, broadcast_id)
            if broadcast is None or progress is None:
                return
            if broadcast.progress_message_id == POSTING:
                return  # another process is posting it
            posting = broadcast.progress_message_id is None
            if posting:
                await set_progress_message(session, broadcast_id, POSTING)
        await self._show(broadcast, progress, posting=posting)

    async def _show(
        self, broadcast: Broadcast, progress: BroadcastProgress, *, posting: bool = False
    ) -> None:
        """Edits (or posts) the progress message and keeps the id it ends up with (none after
        a failed post, so that the next turn posts it)."""
        message_id = await self.outbox.show_progress(broadcast, progress)
        if posting or message_id != broadcast.progress_message_id:
            async with self.session_factory() as session, session.begin():
                await set_progress_message(session, broadcast.id, message_id)

    async def _end_what_is_over(self) -> None:
        """Finishes running broadcasts with nobody left, and reports each ended one: once, or
        again later if the report could not be sent."""
        async with self.session_factory() as session, session.begin():
            await finish_completed(session)
            first, again = await claim_reports(session)
            ended: list[BroadcastProgress] = []
            for broadcast_id in (*first, *again):
                progress = await read_progress(session, broadcast_id)
                if progress is not None:
                    ended.append(progress)
            for progress in ended:
                if progress.broadcast_id in first:
                    broadcast = await get_broadcast(session, progress.broadcast_id)
                    assert broadcast is not None
                    await audit.record(
                        session,
                        broadcast.started_by or broadcast.created_by,
                        AuditAction.BROADCAST_FINISH,
                        str(progress.broadcast_id),
                        after={"status": progress.status.value, **progress.counts()},
                    )
        for progress in ended:
            showing = self._progress.get(progress.broadcast_id)
            if showing is not None:  # the message it is posting is the one to edit
                await asyncio.wait({showing})
            async with self.session_factory() as session:
                broadcast = await get_broadcast(session, progress.broadcast_id)
            if broadcast is None:
                continue
            await self._show(broadcast, progress)
            report_id = await self.outbox.report_end(broadcast, progress)
            if report_id is not None:
                async with self.session_factory() as session, session.begin():
                    await set_report_message(session, broadcast.id, report_id)


def _outcome(future: asyncio.Future[Delivery]) -> Delivery:
    if future.cancelled():
        return Delivery(RecipientState.UNCONFIRMED, detail="cancelled")
    error = future.exception()
    if error is None:
        return future.result()
    logger.error("a broadcast send failed unexpectedly", exc_info=error)
    return Delivery(RecipientState.FAILED, detail=repr(error))


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("a broadcast task failed", exc_info=task.exception())


# ---------------------------------------------------------------------- the database's side
async def running_broadcasts(session: AsyncSession) -> list[int]:
    rows = await session.scalars(
        select(Broadcast.id).where(Broadcast.status == BroadcastStatus.RUNNING)
    )
    return list(rows)


async def claim_recipients(
    session: AsyncSession, broadcast_id: int, worker: str, limit: int
) -> list[int]:
    """Up to `limit` pending recipients, now this worker's (concurrent workers get others).

    Picked first, then claimed: an UPDATE whose WHERE holds the picking subquery may run that
    subquery again for each row it looks at, and with SKIP LOCKED each run picks others, so
    it could claim far more than `limit`."""
    picked = list(
        await session.scalars(
            select(BroadcastRecipient.user_id)
            .where(
                BroadcastRecipient.broadcast_id == broadcast_id,
                BroadcastRecipient.state == RecipientState.PENDING,
            )
            .order_by(BroadcastRecipient.user_id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if not picked:
        return []
    claimed = await session.scalars(
        update(BroadcastRecipient)
        .where(
            BroadcastRecipient.broadcast_id == broadcast_id,
            # Without row locks (SQLite) another worker may have claimed some meanwhile.
            BroadcastRecipient.state == RecipientState.PENDING,
            BroadcastRecipient.user_id.in_(picked),
        )
        .values(state=RecipientState.CLAIMED, claimed_by=worker, claimed_at=utcnow())
        .returning(BroadcastRecipient.user_id)
    )
    return sorted(claimed)


RECIPIENTS = BroadcastRecipient.__table__


async def record_deliveries(
    session: AsyncSession, broadcast_id: int, worker: str, outcomes: dict[int, Delivery]
) -> None:
    """Writes each claimed recipient's outcome (only while still this worker's claim); users
    who blocked the bot or whose account is gone are marked, so later broadcasts leave them
    out until they write again."""
    now = utcnow()
    rows = [
        {
            "b_id": broadcast_id,
            "u_id": user_id,
            "worker": worker,
            "new_state": (delivery.state or RecipientState.PENDING).value,
            "new_claimant": worker if delivery.state else None,
            "new_message_id": delivery.message_id,
            "new_detail": delivery.detail[:200] or None,
            "new_done_at": now if delivery.state else None,
        }
        for user_id, delivery in outcomes.items()
    ]
    await session.execute(
        RECIPIENTS.update()
        .where(
            RECIPIENTS.c.broadcast_id == bindparam("b_id"),
            RECIPIENTS.c.user_id == bindparam("u_id"),
            RECIPIENTS.c.claimed_by == bindparam("worker"),
            RECIPIENTS.c.state == RecipientState.CLAIMED.value,
        )
        .values(
            state=bindparam("new_state"),
            claimed_by=bindparam("new_claimant"),
            message_id=bindparam("new_message_id"),
            detail=bindparam("new_detail"),
            done_at=bindparam("new_done_at"),
        ),
        rows,
    )
    for outcome, count in Counter(d.state for d in outcomes.values() if d.state).items():
        count_when_committed(session, BROADCAST_SENDS.labels(outcome=outcome.value), count)
    blocked = [u for u, d in outcomes.items() if d.state is RecipientState.BLOCKED]
    gone = [u for u, d in outcomes.items() if d.state is RecipientState.DEACTIVATED]
    if blocked:
        await session.execute(
            update(User).where(User.telegram_id.in_(blocked)).values(is_blocked=True)
        )
    if gone:
        await session.execute(
            update(User).where(User.telegram_id.in_(gone)).values(deactivated_at=now)
        )


def forget_unreachable(outcomes: dict[int, Delivery]) -> None:
    """After the commit that marked them: this process's cache of users forgets those who
    blocked the bot or are gone, so their next update reads the mark."""
    for user_id, delivery in outcomes.items():
        if delivery.state in (RecipientState.BLOCKED, RecipientState.DEACTIVATED):
            forget_recent_user(user_id)


async def stamp_claims(session: AsyncSession, broadcast_id: int, worker: str) -> None:
    await session.execute(
        update(BroadcastRecipient)
        .where(
            BroadcastRecipient.broadcast_id == broadcast_id,
            BroadcastRecipient.claimed_by == worker,
            BroadcastRecipient.state == RecipientState.CLAIMED,
        )
        .values(claimed_at=utcnow())
    )


async def mark_stale_claims_unconfirmed(session: AsyncSession) -> int:
    """Claims nobody stamped for STALE_CLAIM: their process died with them queued, and they
    may have gone out, so they are not sent again."""
    unreported = select(Broadcast.id).where(Broadcast.reported_at.is_(None))
    marked = await session.execute(
        update(BroadcastRecipient)
        .where(
            BroadcastRecipient.broadcast_id.in_(unreported),
            BroadcastRecipient.state == RecipientState.CLAIMED,
            BroadcastRecipient.claimed_at < utcnow() - STALE_CLAIM,
        )
        .values(state=RecipientState.UNCONFIRMED, done_at=utcnow())
    )
    if marked.rowcount:
        count_when_committed(
            session,
            BROADCAST_SENDS.labels(outcome=RecipientState.UNCONFIRMED.value),
            marked.rowcount,
        )
        logger.warning(
            "%d broadcast recipients were queued by a process that stopped: not sent again",
            marked.rowcount,
        )
    return int(marked.rowcount or 0)


def _has_recipients_in(states: tuple[RecipientState, ...]) -> ColumnElement[bool]:
    return exists().where(
        BroadcastRecipient.broadcast_id == Broadcast.id,
        BroadcastRecipient.state.in_(states),
    )


async def finish_completed(session: AsyncSession) -> None:
    await session.execute(
        update(Broadcast)
        .where(
            Broadcast.status == BroadcastStatus.RUNNING,
            ~_has_recipients_in((RecipientState.PENDING, RecipientState.CLAIMED)),
        )
        .values(status=BroadcastStatus.FINISHED, finished_at=utcnow())
    )


async def claim_reports(session: AsyncSession) -> tuple[list[int], list[int]]:
    """Ended broadcasts (finished, or cancelled with nothing queued any more) whose report is
    now this process's to send: never reported, and those whose report was claimed a while
    ago but never sent (its process died, or Telegram was away)."""
    ended = (
        Broadcast.status.in_((BroadcastStatus.FINISHED, BroadcastStatus.CANCELLED)),
        Broadcast.report_message_id.is_(None),
        ~_has_recipients_in((RecipientState.CLAIMED,)),
    )
    now = utcnow()
    first = await session.scalars(
        update(Broadcast)
        .where(*ended, Broadcast.reported_at.is_(None))
        .values(reported_at=now)
        .returning(Broadcast.id)
    )
    first_ids = list(first)
    again = await session.scalars(
        update(Broadcast)
        .where(*ended, Broadcast.reported_at < now - REPORT_RETRY)
        .values(reported_at=now)
        .returning(Broadcast.id)
    )
    return first_ids, list(again)


async def claim_progress_turn(session: AsyncSession, broadcast_id: int, every: timedelta) -> bool:
    """Whether this process edits the progress message now: not within `every` of the last
    edit by any process."""
    now = utcnow()
    claimed = await session.execute(
        update(Broadcast)
        .where(
            Broadcast.id == broadcast_id,
            or_(
                Broadcast.progress_shown_at.is_(None),
                Broadcast.progress_shown_at <= now - every,
            ),
        )
        .values(progress_shown_at=now)
    )
    return claimed.rowcount == 1


async def set_report_message(session: AsyncSession, broadcast_id: int, message_id: int) -> None:
    await session.execute(
        update(Broadcast).where(Broadcast.id == broadcast_id).values(report_message_id=message_id)
    )


async def set_progress_message(
    session: AsyncSession, broadcast_id: int, message_id: int | None
) -> None:
    await session.execute(
        update(Broadcast).where(Broadcast.id == broadcast_id).values(progress_message_id=message_id)
    )


__all__ = ["BroadcastOutbox", "BroadcastRunner", "Delivery"]
