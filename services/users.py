"""Users: who they are, which language they read, whether they still talk to us."""

from __future__ import annotations

import re
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Protocol

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit
from services.audit import AuditAction
from services.database import dialect_insert
from services.languages import SUPPORTED_LANGUAGES, language_from_telegram
from services.models import User
from services.models.base import aware, utcnow

LAST_SEEN_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class TelegramProfile:
    """What Telegram tells us about a person on every update, as plain values."""

    telegram_id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None


async def upsert_user(
    session: AsyncSession, profile: TelegramProfile, fallback_language: str
) -> tuple[User, bool]:
    """Creates the user on first contact; afterwards refreshes the profile and last-seen time.

    Returns the user and whether this update created them.

    The language is chosen once, from Telegram's language_code; later the user's own choice
    (/language) wins, so it is not overwritten here.
    """
    user = await session.get(User, profile.telegram_id)
    now = utcnow()
    if user is None:
        # Two first updates of one person can arrive at once (from two chats): the row is
        # inserted unless it exists, with no unique-key error to spoil either update; only the
        # update that lost the race reads the row the other inserted.
        inserted = await session.scalar(
            dialect_insert(session)(User)
            .values(
                telegram_id=profile.telegram_id,
                username=profile.username,
                first_name=profile.first_name,
                last_name=profile.last_name,
                language=language_from_telegram(profile.language_code, fallback_language),
                created_at=now,
                last_seen_at=now,
            )
            .on_conflict_do_nothing(index_elements=[User.telegram_id])
            .returning(User)
        )
        if inserted is not None:
            return inserted, True
        user = await session.get(User, profile.telegram_id, populate_existing=True)
        assert user is not None
        return user, False
    user.username = profile.username
    user.first_name = profile.first_name
    user.last_name = profile.last_name
    user.is_blocked = False  # they write again: reachable again
    user.deactivated_at = None
    # Refreshing last-seen on every update would turn each read into a write.
    if now - aware(user.last_seen_at) > LAST_SEEN_RESOLUTION:
        user.last_seen_at = now
    return user, False


class RecentUsers:
    """Users this process saw less than `LAST_SEEN_RESOLUTION` ago, kept between updates.

    Most updates come from someone who wrote a moment ago; for them the profile is unchanged
    and last-seen needs no refresh, so the database has nothing to do. A hit is attached to
    the update's session without a query (`merge(load=False)`), so handlers still change it
    like any loaded row. Entries expire with the last-seen resolution, which bounds how stale
    a row changed by another process (a blocked flag, say) can be here: one minute.
    """

    def __init__(self, ttl: timedelta = LAST_SEEN_RESOLUTION, max_size: int = 50_000) -> None:
        self.ttl = ttl
        self.max_size = max_size
        self._users: dict[int, User] = {}
        _caches_in_this_process.add(self)

    async def attach(self, session: AsyncSession, profile: TelegramProfile) -> User | None:
        """The cached user merged into `session`, or None when the database must be asked."""
        user = self._users.get(profile.telegram_id)
        if user is None:
            return None
        if (
            utcnow() - aware(user.last_seen_at) > self.ttl
            or user.is_blocked
            or (user.username, user.first_name, user.last_name)
            != (profile.username, profile.first_name, profile.last_name)
        ):
            del self._users[profile.telegram_id]
            return None
        return await session.merge(user, load=False)

    def remember(self, user: User) -> None:
        """Call once the update's changes to `user` are final (handler done, no error)."""
        if len(self._users) >= self.max_size and user.telegram_id not in self._users:
            self._users.pop(next(iter(self._users)))  # the oldest insertion
        self._users[user.telegram_id] = user

    def forget(self, telegram_id: int) -> None:
        self._users.pop(telegram_id, None)


# Every RecentUsers of this process (one per dispatcher), so that a change an admin makes to a
# user's row reaches them without a handle on the middleware that owns each cache.
_caches_in_this_process: weakref.WeakSet[RecentUsers] = weakref.WeakSet()


def forget_recent_user(telegram_id: int) -> None:
    """Drops the user from every RecentUsers cache of this process: their next update here
    reads their row from the database. Call it after the change is committed (an update that
    read the row before the commit would cache the old one again). Other processes' caches are
    not reached; theirs expire within `LAST_SEEN_RESOLUTION` (one minute)."""
    for cache in list(_caches_in_this_process):
        cache.forget(telegram_id)


DEEP_LINK_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def is_valid_deep_link_payload(payload: str) -> bool:
    """Telegram only builds t.me/<bot>?start= links from these characters, at most 64."""
    return bool(DEEP_LINK_PAYLOAD.fullmatch(payload))


def record_start_source(user: User, payload: str) -> bool:
    """Keeps the first deep link that brought the user; later links don't overwrite it."""
    if user.start_source is not None or not is_valid_deep_link_payload(payload):
        return False
    user.start_source = payload
    return True


async def set_language(session: AsyncSession, telegram_id: int, language: str) -> None:
    if language not in SUPPORTED_LANGUAGES:
        raise ValueError(f"unsupported language {language!r}")
    await session.execute(
        update(User).where(User.telegram_id == telegram_id).values(language=language)
    )


async def mark_blocked(session: AsyncSession, telegram_id: int, blocked: bool) -> None:
    await session.execute(
        update(User).where(User.telegram_id == telegram_id).values(is_blocked=blocked)
    )


async def claim_ban_notice(session: AsyncSession, telegram_id: int) -> bool:
    """True for exactly one caller per block, across processes: the one whose update stamps
    `ban_notice_sent_at` while it is still empty (PostgreSQL makes a concurrent claim wait for
    this one's commit, then finds the stamp). The caller commits, then sends the notice."""
    claimed = await session.execute(
        update(User)
        .where(
            User.telegram_id == telegram_id,
            User.banned_at.is_not(None),
            User.ban_notice_sent_at.is_(None),
        )
        .values(ban_notice_sent_at=utcnow())
    )
    return bool(claimed.rowcount)  # type: ignore[attr-defined]


async def lift_ban(session: AsyncSession, telegram_id: int, *, by: int) -> bool:
    """Lifts an admin's block (a later block sends its notice again), audited; False when the
    user was not blocked. The caller commits, then `forget_recent_user`."""
    lifted = await session.execute(
        update(User)
        .where(User.telegram_id == telegram_id, User.banned_at.is_not(None))
        .values(banned_at=None, banned_by=None, ban_notice_sent_at=None)
    )
    if not lifted.rowcount:  # type: ignore[attr-defined]
        return False
    await audit.record(
        session,
        by,
        AuditAction.USER_UNBAN,
        telegram_id,
        before={"blocked": True},
        after={"blocked": False},
    )
    return True


async def get_user(session: AsyncSession, telegram_id: int) -> User | None:
    return await session.scalar(select(User).where(User.telegram_id == telegram_id))


class Named(Protocol):
    telegram_id: int
    username: str | None
    first_name: str
    last_name: str | None


def full_name(person: Named) -> str:
    """First and last name; empty when Telegram gave neither."""
    return " ".join(part for part in (person.first_name, person.last_name) if part)


def display_name(person: Named) -> str:
    """How a console names someone: @username, else the full name, else the id."""
    if person.username:
        return f"@{person.username}"
    return full_name(person) or str(person.telegram_id)


class LookupProblem(StrEnum):
    BAD_REFERENCE = "bad-reference"
    NOT_FOUND = "not-found"
    AMBIGUOUS = "ambiguous"


class UserLookupFailed(Exception):
    def __init__(self, problem: LookupProblem, matches: Sequence[User] = ()) -> None:
        super().__init__(problem.value)
        self.problem = problem
        self.matches = tuple(matches)  # the users an ambiguous @username could mean


def parse_telegram_id(text: str) -> int | None:
    """A Telegram id typed by someone: digits (a minus for chats) that fit the 64-bit column."""
    if not re.fullmatch(r"-?\d{1,19}", text.strip()):
        return None
    value = int(text)
    return value if -(2**63) <= value < 2**63 else None


USERNAME_REFERENCE = re.compile(r"^@?([A-Za-z][A-Za-z0-9_]{3,31})$")


async def find_user(session: AsyncSession, reference: str) -> User:
    """The user a numeric Telegram id or an @username (any case) names.

    Usernames move between people: when two users the bot knows carried the same one, the
    lookup is ambiguous and lists both rather than guessing.
    """
    reference = reference.strip()
    if re.fullmatch(r"-?\d+", reference):
        telegram_id = parse_telegram_id(reference)
        user = await get_user(session, telegram_id) if telegram_id is not None else None
        if user is None:
            raise UserLookupFailed(LookupProblem.NOT_FOUND)
        return user
    match = USERNAME_REFERENCE.fullmatch(reference)
    if match is None:
        raise UserLookupFailed(LookupProblem.BAD_REFERENCE)
    matches = (
        await session.scalars(
            select(User)
            .where(func.lower(User.username) == match.group(1).lower())
            .order_by(User.last_seen_at.desc())
            .limit(5)
        )
    ).all()
    if not matches:
        raise UserLookupFailed(LookupProblem.NOT_FOUND)
    if len(matches) > 1:
        raise UserLookupFailed(LookupProblem.AMBIGUOUS, matches)
    return matches[0]
