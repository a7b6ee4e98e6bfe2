"""Opt-in report links: create (idempotent), open, revoke, re-share, and the deep-link payload."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.database import create_engine, create_session_factory
from services.interview.shares import (
    create_share,
    parse_share_payload,
    revoke_share,
    share_link,
    share_payload,
    shared_interview,
)
from services.models import InterviewSession, ReportShare, User

OWNER_ID = 770_001
DEEP_LINK_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")


@pytest.fixture
async def sessions(migrated_database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(migrated_database_url)
    factory = create_session_factory(engine)
    async with factory() as session:
        existing = await session.get(User, OWNER_ID)
        if existing is not None:
            await session.delete(existing)  # cascades to its interviews and their shares
            await session.commit()
        session.add(User(telegram_id=OWNER_ID, first_name="Ann", language="en"))
        await session.commit()
    yield factory
    async with factory() as session:
        await session.delete(await session.get(User, OWNER_ID))
        await session.commit()
    await engine.dispose()


async def new_interview(factory: async_sessionmaker[AsyncSession]) -> int:
    async with factory() as session:
        interview = InterviewSession(
            user_id=OWNER_ID,
            mode="track",
            specialization="backend",
            level="junior",
            language="en",
            plan=[],
            status="finished",
            overall_score=7.5,
        )
        session.add(interview)
        await session.commit()
        return interview.id


async def test_sharing_is_idempotent_and_the_token_opens_the_interview(sessions) -> None:
    interview_id = await new_interview(sessions)
    async with sessions() as session:
        token = await create_share(session, interview_id)
        assert await create_share(session, interview_id) == token
        await session.commit()
    async with sessions() as session:
        assert await create_share(session, interview_id) == token  # across transactions too
        opened = await shared_interview(session, token)
        assert opened is not None and opened.id == interview_id and opened.overall_score == 7.5
        rows = (await session.execute(select(ReportShare))).scalars().all()
        assert [row.token for row in rows if row.session_id == interview_id] == [token]
    assert DEEP_LINK_PAYLOAD.fullmatch(share_payload(token))
    assert parse_share_payload(share_payload(token)) == token


async def test_revoking_closes_the_link_and_sharing_again_issues_a_new_token(sessions) -> None:
    interview_id = await new_interview(sessions)
    async with sessions() as session:
        token = await create_share(session, interview_id)
        await session.commit()
    async with sessions() as session:
        assert await revoke_share(session, interview_id) is True
        assert await revoke_share(session, interview_id) is False  # nothing active any more
        await session.commit()
    async with sessions() as session:
        assert await shared_interview(session, token) is None
        renewed = await create_share(session, interview_id)
        await session.commit()
    assert renewed != token
    async with sessions() as session:
        assert await shared_interview(session, token) is None  # the old link stays dead
        reopened = await shared_interview(session, renewed)
        assert reopened is not None and reopened.id == interview_id


async def test_unknown_tokens_and_interviews(sessions) -> None:
    interview_id = await new_interview(sessions)
    async with sessions() as session:
        assert await shared_interview(session, "nope") is None
        assert await shared_interview(session, "") is None
        assert await shared_interview(session, "x" * 200) is None
        assert await revoke_share(session, interview_id) is False
        with pytest.raises(LookupError):
            await create_share(session, 987_654_321)


async def test_shares_are_per_interview(sessions) -> None:
    first, second = await new_interview(sessions), await new_interview(sessions)
    async with sessions() as session:
        first_token = await create_share(session, first)
        second_token = await create_share(session, second)
        await session.commit()
    assert first_token != second_token
    async with sessions() as session:
        assert await revoke_share(session, first) is True
        await session.commit()
    async with sessions() as session:
        assert await shared_interview(session, first_token) is None
        still_open = await shared_interview(session, second_token)
        assert still_open is not None and still_open.id == second


def test_share_link_and_payload_parsing() -> None:
    assert (
        share_link("EasyFlowBot", "abc_DEF-123") == "https://t.me/EasyFlowBot?start=r_abc_DEF-123"
    )
    assert share_link("@EasyFlowBot", "t") == "https://t.me/EasyFlowBot?start=r_t"
    with pytest.raises(ValueError):
        share_link("bad name/", "t")
    assert parse_share_payload("r_abc_DEF-123") == "abc_DEF-123"
    for payload in (None, "", "r_", "ref_abc", "abc", "r_a b", "r_<script>", "r_" + "a" * 40):
        assert parse_share_payload(payload) is None


async def test_concurrent_shares_of_one_interview_agree_on_one_token(sessions) -> None:
    interview_id = await new_interview(sessions)

    async def share_and_commit() -> str:
        async with sessions() as session:
            token = await create_share(session, interview_id)
            await session.commit()
            return token

    tokens = await asyncio.gather(*(share_and_commit() for _ in range(4)))
    assert len(set(tokens)) == 1
    async with sessions() as session:
        assert await shared_interview(session, tokens[0]) is not None
