"""Who may run the admin console: owners (ADMIN_IDS, from settings) and the admins they add.

Rights are read from the database on every update, so an admin an owner removes loses them
at their next message or press, in every process.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.audit import AuditAction, record
from services.models.admin import Admin
from services.models.base import aware
from services.models.user import User
from services.users import display_name, lift_ban


class AdminRole(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"


class AdminChangeProblem(StrEnum):
    NOT_OWNER = "not-owner"
    IS_OWNER = "is-owner"
    ALREADY_ADMIN = "already-admin"
    NOT_ADMIN = "not-admin"


class AdminChangeRefused(Exception):
    def __init__(self, problem: AdminChangeProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


@dataclass(frozen=True, slots=True)
class AdminMember:
    telegram_id: int
    role: AdminRole
    name: str  # "@username" or the first name; empty when the bot never saw them
    added_by: int | None = None
    added_at: datetime | None = None


async def admin_role(
    session: AsyncSession, telegram_id: int, owners: Collection[int]
) -> AdminRole | None:
    if telegram_id in owners:
        return AdminRole.OWNER
    if await session.get(Admin, telegram_id) is not None:
        return AdminRole.ADMIN
    return None


async def admin_members(session: AsyncSession, owners: Collection[int]) -> list[AdminMember]:
    """Owners first (in ADMIN_IDS order), then the added admins, oldest first."""
    added = (await session.scalars(select(Admin).order_by(Admin.added_at, Admin.telegram_id))).all()
    ids = [*owners, *(admin.telegram_id for admin in added if admin.telegram_id not in owners)]
    users = {
        user.telegram_id: user
        for user in (await session.scalars(select(User).where(User.telegram_id.in_(ids)))).all()
    }
    members = [AdminMember(owner, AdminRole.OWNER, _name(users.get(owner))) for owner in owners]
    members += [
        AdminMember(
            admin.telegram_id,
            AdminRole.ADMIN,
            _name(users.get(admin.telegram_id)),
            added_by=admin.added_by,
            added_at=aware(admin.added_at),
        )
        for admin in added
        if admin.telegram_id not in owners
    ]
    return members


async def add_admin(
    session: AsyncSession, telegram_id: int, *, by: int, owners: Collection[int]
) -> None:
    """The caller commits, then makes the process forget the user (`forget_recent_user`): a
    block this lifts ends at once here, within a minute elsewhere."""
    _check_owner(by, owners)
    if telegram_id in owners:
        raise AdminChangeRefused(AdminChangeProblem.IS_OWNER)
    if await session.get(Admin, telegram_id) is not None:
        raise AdminChangeRefused(AdminChangeProblem.ALREADY_ADMIN)
    session.add(Admin(telegram_id=telegram_id, added_by=by))
    await record(
        session, by, AuditAction.ADMIN_ADD, telegram_id, before=None, after={"role": "admin"}
    )
    # Blocked once, an admin now: the console must be theirs (a block never hits an admin).
    await lift_ban(session, telegram_id, by=by)


async def remove_admin(
    session: AsyncSession, telegram_id: int, *, by: int, owners: Collection[int]
) -> None:
    _check_owner(by, owners)
    if telegram_id in owners:
        raise AdminChangeRefused(AdminChangeProblem.IS_OWNER)
    admin = await session.get(Admin, telegram_id)
    if admin is None:
        raise AdminChangeRefused(AdminChangeProblem.NOT_ADMIN)
    await session.delete(admin)
    await record(
        session, by, AuditAction.ADMIN_REMOVE, telegram_id, before={"role": "admin"}, after=None
    )


def _check_owner(telegram_id: int, owners: Collection[int]) -> None:
    if telegram_id not in owners:
        raise AdminChangeRefused(AdminChangeProblem.NOT_OWNER)


def _name(user: User | None) -> str:
    return display_name(user) if user is not None else ""
