"""Who may run the console (services/admins.py) and the audit it writes (services/audit.py),
on a scratch database (SQLite, and PostgreSQL on the real backend)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services import audit
from services.admins import (
    AdminChangeProblem,
    AdminChangeRefused,
    AdminRole,
    add_admin,
    admin_members,
    admin_role,
    remove_admin,
)
from services.audit import AuditAction
from services.database import create_engine, create_session_factory
from services.models import User
from services.models.base import utcnow
from services.users import LookupProblem, UserLookupFailed, find_user, parse_telegram_id

OWNER, OTHER_OWNER, HELPER, STRANGER = 1, 2, 10, 20
OWNERS = (OWNER, OTHER_OWNER)


@pytest_asyncio.fixture
async def sessions(fresh_database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(fresh_database_url)
    factory = create_session_factory(engine)
    async with factory() as session:
        session.add_all(
            [
                User(telegram_id=OWNER, first_name="Olga", username="olga"),
                User(telegram_id=HELPER, first_name="Hugo", username="Hugo_H"),
                User(telegram_id=STRANGER, first_name="Sam", username="sam"),
                # Two people the bot has seen with the same username, at different times.
                User(telegram_id=30, first_name="Old", username="shared_name"),
                User(telegram_id=31, first_name="New", username="Shared_Name"),
            ]
        )
        await session.commit()
    yield factory
    await engine.dispose()


async def test_roles_come_from_settings_and_the_admins_table(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        assert await admin_role(session, OWNER, OWNERS) is AdminRole.OWNER
        assert await admin_role(session, HELPER, OWNERS) is None
        await add_admin(session, HELPER, by=OWNER, owners=OWNERS)
        await session.commit()
    async with sessions() as session:
        assert await admin_role(session, HELPER, OWNERS) is AdminRole.ADMIN
        members = await admin_members(session, OWNERS)
        assert [(member.telegram_id, member.role, member.name) for member in members] == [
            (OWNER, AdminRole.OWNER, "@olga"),
            (OTHER_OWNER, AdminRole.OWNER, ""),  # an owner who never talked to the bot
            (HELPER, AdminRole.ADMIN, "@Hugo_H"),
        ]
        assert members[2].added_by == OWNER
        await remove_admin(session, HELPER, by=OTHER_OWNER, owners=OWNERS)
        await session.commit()
    async with sessions() as session:
        assert await admin_role(session, HELPER, OWNERS) is None
        entries = await audit.latest(session)
        assert [(entry.action, entry.admin_id, entry.target) for entry in entries] == [
            (AuditAction.ADMIN_REMOVE, OTHER_OWNER, str(HELPER)),
            (AuditAction.ADMIN_ADD, OWNER, str(HELPER)),
        ]
        assert entries[1].before is None and entries[1].after == {"role": "admin"}


@pytest.mark.parametrize(
    ("change", "target", "by", "problem"),
    [
        (add_admin, STRANGER, HELPER, AdminChangeProblem.NOT_OWNER),
        (add_admin, OTHER_OWNER, OWNER, AdminChangeProblem.IS_OWNER),
        (remove_admin, OWNER, OTHER_OWNER, AdminChangeProblem.IS_OWNER),
        (remove_admin, STRANGER, OWNER, AdminChangeProblem.NOT_ADMIN),
    ],
)
async def test_refused_changes_change_nothing(
    sessions: async_sessionmaker[AsyncSession],
    change,
    target,
    by,
    problem,  # type: ignore[no-untyped-def]
) -> None:
    async with sessions() as session:
        with pytest.raises(AdminChangeRefused) as refused:
            await change(session, target, by=by, owners=OWNERS)
        assert refused.value.problem is problem
        await session.commit()
    async with sessions() as session:
        assert await audit.latest(session) == []
        assert len(await admin_members(session, OWNERS)) == 2


async def test_adding_an_admin_twice_is_refused(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        await add_admin(session, HELPER, by=OWNER, owners=OWNERS)
        await session.commit()
        with pytest.raises(AdminChangeRefused) as refused:
            await add_admin(session, HELPER, by=OTHER_OWNER, owners=OWNERS)
        assert refused.value.problem is AdminChangeProblem.ALREADY_ADMIN


async def test_the_audit_filters_by_admin_and_action_and_pages_back(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        for number in range(5):
            await audit.record(
                session, OWNER, AuditAction.PRICE_SET, f"pack_{number} RUB",
                before={"amount": number}, after={"amount": number + 1},
            )  # fmt: skip
            await audit.record(session, HELPER, AuditAction.USER_BAN, number)
        await session.commit()
    async with sessions() as session:
        newest = await audit.latest(session, limit=3)
        assert [entry.target for entry in newest] == ["4", "pack_4 RUB", "3"]
        older = await audit.latest(session, limit=3, before_id=newest[-1].id)
        assert [entry.target for entry in older] == ["pack_3 RUB", "2", "pack_2 RUB"]
        blocks = await audit.latest(session, admin_id=HELPER)
        assert {entry.action for entry in blocks} == {AuditAction.USER_BAN} and len(blocks) == 5
        prices = await audit.latest(session, action=AuditAction.PRICE_SET, admin_id=OWNER)
        assert prices[0].before == {"amount": 4} and prices[0].after == {"amount": 5}
        assert await audit.latest(session, action=AuditAction.PRICE_SET, admin_id=HELPER) == []


async def test_users_are_found_by_id_or_username_in_any_case(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        assert (await find_user(session, str(HELPER))).telegram_id == HELPER
        assert (await find_user(session, "@hugo_h")).telegram_id == HELPER
        assert (await find_user(session, "HUGO_H")).telegram_id == HELPER
        for reference, problem in (
            ("@nobody", LookupProblem.NOT_FOUND),
            ("999", LookupProblem.NOT_FOUND),
            ("12345678901234567890", LookupProblem.NOT_FOUND),  # beyond a 64-bit id
            ("@a b", LookupProblem.BAD_REFERENCE),
            ("", LookupProblem.BAD_REFERENCE),
        ):
            with pytest.raises(UserLookupFailed) as failed:
                await find_user(session, reference)
            assert failed.value.problem is problem, reference
        with pytest.raises(UserLookupFailed) as failed:
            await find_user(session, "@shared_name")
        assert failed.value.problem is LookupProblem.AMBIGUOUS
        assert {user.telegram_id for user in failed.value.matches} == {30, 31}


def test_typed_telegram_ids_fit_the_column() -> None:
    assert parse_telegram_id(" 786272863 ") == 786272863
    assert parse_telegram_id("-1001234567890") == -1001234567890
    assert parse_telegram_id(str(2**63 - 1)) == 2**63 - 1
    for bad in ("--5", "9223372036854775808", "12345678901234567890", "1e5", "", "@5"):
        assert parse_telegram_id(bad) is None, bad


def test_a_change_is_summed_up_in_one_short_line() -> None:
    def summary(before: dict | None, after: dict | None, limit: int = 160) -> str:
        record = audit.AuditRecord(1, OWNER, AuditAction.PRICE_SET, "", before, after, utcnow())
        return record.change_summary(limit)

    assert summary({"amount": 100}, {"amount": 200}) == "amount: 100 → 200"
    assert summary(None, {"role": "admin"}) == "role: — → admin"
    assert summary({"status": "pending"}, {"status": "rejected", "reason": "late"}) == (
        "status: pending → rejected; reason: — → late"
    )
    assert summary({"blocked": True}, {"blocked": True}) == "—"
    long = summary({"status": "pending"}, {"reason": "x" * 500})
    assert len(long) == 160 and long.endswith("…")
