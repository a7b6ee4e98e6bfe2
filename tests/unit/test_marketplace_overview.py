"""The desk as the operator's /sellers sees it, on a scratch database (SQLite on the embedded
backend, PostgreSQL on the real one): the SLA hit rates counted in SQL agree with the report's
verdicts (`sla_report.outcome`), and `seller_overview` gives each seller's accounts, their state,
sync and errors, chats and hit rate, problems first, in a few queries whatever the sellers."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from fluent.syntax import FluentParser
from fluent.syntax.ast import Junk
from fluent.syntax.ast import Message as FluentMessage
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from services.database import create_engine, create_session_factory
from services.marketplace.models import Marketplace
from services.marketplace.overview import SYNC_ERRORS, AccountState, ChatCounts, seller_overview
from services.marketplace.sla import HitRate, sla_hit_rates
from services.marketplace.sla_report import Outcome, WaitRecord, outcome
from services.models.marketplace import (
    BuyerChat,
    BuyerMessage,
    MarketplaceAccount,
    Seller,
    SlaWait,
)

NOW = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)
SINCE = NOW - timedelta(days=30)
_ids = itertools.count(1)


@dataclass
class Scratch:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]

    async def seller(self, title: str, *, rights_lost_at: datetime | None = None) -> int:
        async with self.sessions() as session:
            seller = Seller(
                forum_chat_id=-1000 - next(_ids),
                title=title,
                language="en",
                connected_by=7,
                rights_lost_at=rights_lost_at,
                created_at=NOW - timedelta(days=60),
            )
            session.add(seller)
            await session.commit()
            return seller.id

    async def account(self, seller_id: int, marketplace: str = "wb", **fields: object) -> int:
        values: dict[str, object] = {
            "created_at": NOW - timedelta(days=60),
            "last_synced_at": NOW - timedelta(minutes=1),
            **fields,
        }
        async with self.sessions() as session:
            account = MarketplaceAccount(
                seller_id=seller_id,
                marketplace=marketplace,
                external_id=str(next(_ids)),
                sealed_credentials=b"sealed",
                connected_by=7,
                **values,
            )
            session.add(account)
            await session.commit()
            return account.id

    async def chat(
        self,
        account_id: int,
        *,
        last_written: datetime = NOW - timedelta(hours=1),
        closed_at: datetime | None = None,
        topic_id: int | None = 11,
    ) -> int:
        async with self.sessions() as session:
            chat = BuyerChat(
                account_id=account_id,
                chat_id=f"c-{next(_ids)}",
                topic_id=topic_id,
                closed_at=closed_at,
            )
            session.add(chat)
            await session.flush()
            session.add(
                BuyerMessage(
                    buyer_chat_id=chat.id,
                    message_id=str(next(_ids)),
                    author="buyer",
                    written_at=last_written,
                )
            )
            await session.commit()
            return chat.id

    async def wait(self, buyer_chat_id: int, record: WaitRecord) -> None:
        """A wait as the record has it (its buyer message made for it)."""
        async with self.sessions() as session:
            message = BuyerMessage(
                buyer_chat_id=buyer_chat_id,
                message_id=str(next(_ids)),
                author="buyer",
                written_at=record.started_at,
            )
            session.add(message)
            await session.flush()
            session.add(
                SlaWait(
                    buyer_chat_id=buyer_chat_id,
                    buyer_message_id=message.id,
                    metric=record.metric,
                    started_at=record.started_at,
                    warn_at=record.due_at - timedelta(minutes=15),
                    due_at=record.due_at,
                    answered_at=record.answered_at,
                    answered_by=record.answered_by,
                    closed_at=record.closed_at,
                )
            )
            await session.commit()


@pytest_asyncio.fixture
async def scratch(fresh_database_url: str) -> AsyncIterator[Scratch]:
    engine = create_engine(fresh_database_url)
    yield Scratch(engine, create_session_factory(engine))
    await engine.dispose()


def record(
    started: timedelta,
    due: timedelta,
    *,
    answered: timedelta | None = None,
    closed: timedelta | None = None,
) -> WaitRecord:
    """A wait whose moments are given relative to NOW."""
    return WaitRecord(
        marketplace="wb",
        metric="first",
        started_at=NOW + started,
        due_at=NOW + due,
        answered_at=None if answered is None else NOW + answered,
        answered_by=None if answered is None else 7,
        closed_at=None if closed is None else NOW + closed,
    )


H = timedelta(hours=1)
M = timedelta(minutes=1)

# Every verdict, the boundaries included (a moment equal to the due time is in time).
CASES: dict[str, tuple[WaitRecord, Outcome]] = {
    "answered in time": (record(-5 * H, -4 * H, answered=-4.5 * H), Outcome.IN_TIME),
    "answered at the due time": (record(-5 * H, -4 * H, answered=-4 * H), Outcome.IN_TIME),
    "answered late": (record(-5 * H, -4 * H, answered=-3 * H), Outcome.LATE),
    "answered late, after a closing": (
        record(-5 * H, -4 * H, answered=-3 * H, closed=-4.5 * H),
        Outcome.LATE,
    ),
    "closed in time": (record(-5 * H, -4 * H, closed=-4.5 * H), Outcome.CLOSED),
    "closed at the due time": (record(-5 * H, -4 * H, closed=-4 * H), Outcome.CLOSED),
    "closed after the due time": (record(-5 * H, -4 * H, closed=-3 * H), Outcome.LATE),
    "closed later than now, still in time": (record(-30 * M, 30 * M, closed=H), Outcome.PENDING),
    "closed later than now, overdue": (record(-2 * H, -H, closed=H), Outcome.LATE),
    "pending": (record(-30 * M, 30 * M), Outcome.PENDING),
    "pending, due right now": (record(-H, timedelta(0)), Outcome.PENDING),
    "pending overdue": (record(-2 * H, -H), Outcome.LATE),
}


async def test_sla_hit_rates_agree_with_the_reports_verdicts(scratch: Scratch) -> None:
    sellers = [await scratch.seller("One"), await scratch.seller("Two")]
    expected: dict[int, HitRate] = {}
    for index, (name, (wait, verdict)) in enumerate(CASES.items()):
        assert outcome(wait, NOW) is verdict, name  # the table says what the report says
        seller_id = sellers[index % 2]
        chat = await scratch.chat(await scratch.account(seller_id, f"m{index}"))
        await scratch.wait(chat, wait)
        rate = expected.get(seller_id, HitRate())
        expected[seller_id] = HitRate(
            rate.in_time + (verdict is Outcome.IN_TIME), rate.late + (verdict is Outcome.LATE)
        )
    # Waits that started before the period count for nobody; a seller with only those is absent.
    old_only = await scratch.seller("Old")
    old_chat = await scratch.chat(await scratch.account(old_only))
    await scratch.wait(old_chat, record(-31 * 24 * H, -31 * 24 * H + H, answered=-31 * 24 * H))
    await scratch.wait(
        await scratch.chat(await scratch.account(sellers[0], "old")),
        record(-30 * 24 * H - M, -29 * 24 * H),
    )

    async with scratch.sessions() as session:
        rates = await sla_hit_rates(session, SINCE, now=NOW)
    assert rates == expected
    assert expected[sellers[0]].in_time + expected[sellers[1]].in_time == 2
    assert expected[sellers[0]].late + expected[sellers[1]].late == 5


class QueryCounter:
    def __init__(self, engine: AsyncEngine) -> None:
        self.count = 0
        event.listen(engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: object) -> None:
        self.count += 1


async def test_seller_overview_shows_each_seller_problems_first(scratch: Scratch) -> None:
    # Healthy: Ozon syncing, Wildberries failing since a while ago.
    acme = await scratch.seller("Acme")
    acme_ozon = await scratch.account(acme, "ozon")
    acme_wb = await scratch.account(
        acme,
        "wb",
        last_synced_at=NOW - 20 * M,
        last_error="unavailable",
        last_error_at=NOW - 2 * M,
    )
    waiting = await scratch.chat(acme_ozon)
    await scratch.wait(waiting, record(-30 * M, 30 * M))  # waits for an answer
    answered = await scratch.chat(acme_ozon)
    await scratch.wait(answered, record(-3 * H, -2 * H, answered=-2.5 * H))
    await scratch.chat(acme_wb)  # active today, answered: open
    await scratch.chat(acme_wb, last_written=NOW - 8 * 24 * H)  # quiet for a week: not open
    await scratch.chat(acme_wb, closed_at=NOW - H)
    late = await scratch.chat(acme_wb, closed_at=NOW - H)
    await scratch.wait(late, record(-5 * H, -4 * H, closed=-3 * H))
    await scratch.chat(acme_wb, topic_id=None)  # not forwarded yet

    # The bot lost its rights a day ago: every account stopped.
    bazaar = await scratch.seller("bazaar", rights_lost_at=NOW - 24 * H)
    await scratch.account(bazaar, "ozon")
    # A refused key (newest problem) next to a paused account.
    corner = await scratch.seller("Corner shop")
    await scratch.account(
        corner,
        "ozon",
        refused_at=NOW - 5 * M,
        last_error="credentials",
        last_error_at=NOW - 5 * M,
    )
    await scratch.account(corner, "wb", paused=True, last_synced_at=NOW - 3 * 24 * H)
    # Paused only: the seller's choice, not a problem.
    dozy = await scratch.seller("Dozy")
    await scratch.account(dozy, "wb", paused=True, last_synced_at=None)
    # Sync on but nothing succeeded for an hour: stale.
    echo = await scratch.seller("Echo")
    await scratch.account(echo, "wb", last_synced_at=NOW - H)
    # Connected a minute ago, not synced yet: fine.
    fresh = await scratch.seller("fresh")
    await scratch.account(fresh, "wb", created_at=NOW - M, last_synced_at=None)
    empty = await scratch.seller("Aardvark, nothing connected")

    async with scratch.sessions() as session:
        counter = QueryCounter(scratch.engine)
        overview = await seller_overview(session, NOW, per_page=10, stale_after=10 * M)
    assert counter.count <= 4  # a few queries, whatever the number of sellers

    assert overview.total == 7 and overview.with_problems == 4
    assert (overview.page, overview.pages) == (0, 1)
    assert overview.sla_since == SINCE
    order = [seller.id for seller in overview.sellers]
    # Problems, newest first (2 min, 5 min, 1 h, 1 day), then the others by name.
    assert order == [acme, corner, echo, bazaar, empty, dozy, fresh]
    shown = {seller.id: seller for seller in overview.sellers}

    acme_view = shown[acme]
    ozon, wb = acme_view.accounts
    assert (ozon.marketplace, ozon.state, ozon.last_error) == (
        Marketplace.OZON,
        AccountState.SYNCING,
        None,
    )
    assert ozon.last_synced_at == NOW - M
    assert (wb.marketplace, wb.state) == (Marketplace.WILDBERRIES, AccountState.FAILING)
    assert (wb.last_error, wb.last_error_at, wb.problem_since) == (
        "unavailable",
        NOW - 2 * M,
        NOW - 2 * M,
    )
    assert ozon.chats == ChatCounts(open=2, waiting=1, total=2)
    assert wb.chats == ChatCounts(open=1, waiting=0, total=5)
    assert acme_view.chats == ChatCounts(open=3, waiting=1, total=7)
    assert acme_view.sla == HitRate(in_time=1, late=1)
    assert acme_view.sla.share_in_time == 0.5

    [stopped] = shown[bazaar].accounts
    assert stopped.state is AccountState.NO_RIGHTS and stopped.problem_since == NOW - 24 * H
    assert shown[bazaar].rights_lost_at == NOW - 24 * H
    refused, paused = shown[corner].accounts
    assert (refused.state, refused.last_error) == (AccountState.REFUSED, "credentials")
    assert paused.state is AccountState.PAUSED and paused.problem_since is None
    assert shown[corner].problem_since == NOW - 5 * M
    assert [a.state for a in shown[dozy].accounts] == [AccountState.PAUSED]
    assert [a.state for a in shown[echo].accounts] == [AccountState.STALE]
    assert shown[echo].problem_since == NOW - H
    assert [a.state for a in shown[fresh].accounts] == [AccountState.SYNCING]
    assert shown[fresh].accounts[0].last_synced_at is None
    assert shown[empty].accounts == () and shown[empty].chats == ChatCounts()
    assert shown[empty].sla == HitRate() and shown[empty].sla.share_in_time is None

    # Pages: the same order, cut; a page past the end is the last one.
    async with scratch.sessions() as session:
        second = await seller_overview(session, NOW, page=1, per_page=3, stale_after=10 * M)
        beyond = await seller_overview(session, NOW, page=9, per_page=3, stale_after=10 * M)
    assert (second.page, second.pages) == (1, 3)
    assert [seller.id for seller in second.sellers] == order[3:6]
    assert beyond.page == 2 and [seller.id for seller in beyond.sellers] == order[6:]
    assert second.sellers[0].accounts[0].state is AccountState.NO_RIGHTS


async def test_no_sellers_is_an_empty_overview(scratch: Scratch) -> None:
    async with scratch.sessions() as session:
        overview = await seller_overview(session, NOW)
    assert (overview.total, overview.with_problems, overview.sellers) == (0, 0, [])
    assert (overview.page, overview.pages) == (0, 1)


@pytest.mark.parametrize("language", ["en", "ru"])
def test_every_state_and_error_has_its_words(language: str) -> None:
    """/sellers words an account's state and its last error by keys built from their values."""
    path = Path(__file__).resolve().parents[2] / "locales" / language / "sellers.ftl"
    resource = FluentParser().parse(path.read_text(encoding="utf-8"))
    assert not [entry for entry in resource.body if isinstance(entry, Junk)]
    defined = {entry.id.name for entry in resource.body if isinstance(entry, FluentMessage)}
    needed = {f"sellers-state-{state.value}" for state in AccountState}
    needed |= {f"sellers-error-{code.replace('_', '-')}" for code in SYNC_ERRORS}
    assert needed <= defined, sorted(needed - defined)
