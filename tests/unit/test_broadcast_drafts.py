"""A broadcast's draft: the button typed as "label | address", the addresses a button may open,
the message measured as Telegram counts it, the "inactive for N days" number, the checks on the
database (a text too long, a photo too big, a photo a long text can't be the caption of), the
audiences counted without users the bot can't reach, and a text for every refusal."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.broadcasts.composing import audience_choices, draft_summary, excerpt
from services.broadcasts.drafts import (
    Audience,
    AudienceKind,
    DraftProblem,
    DraftRefused,
    check_message_fits,
    count_audience,
    create_draft,
    get_broadcast,
    is_valid_button_url,
    parse_button,
    parse_inactive_days,
    set_audience,
    set_photo,
    set_text,
    visible_length,
)
from services.database import create_engine, create_session_factory
from services.languages import SUPPORTED_LANGUAGES
from services.models import Order, Payment, User
from services.models.base import utcnow
from services.telegram_text import TELEGRAM_PHOTO_LIMIT_BYTES
from tests.unit.test_locales import message_ids

ADMIN = 777_000_002
ADMIN_CHAT = -100_777_000_002


@pytest.fixture
async def sessions(seeded_catalogue: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(seeded_catalogue)
    yield create_session_factory(engine)
    await engine.dispose()


@pytest.fixture
async def session(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One transaction, rolled back: the users and drafts of a test are never seen by others."""
    async with sessions() as session:
        yield session
        await session.rollback()


def refusal(call: object, *args: object, **kwargs: object) -> DraftRefused:
    with pytest.raises(DraftRefused) as refused:
        call(*args, **kwargs)  # type: ignore[operator]
    return refused.value


# The button


@pytest.mark.parametrize(
    "spec",
    [
        "Open the shop | https://example.com/shop",
        "  Open the shop|https://example.com/shop  ",
        "Open the shop\nhttps://example.com/shop",
        "Open the shop - https://example.com/shop",
    ],
)
def test_a_button_is_a_label_and_an_address(spec: str) -> None:
    assert parse_button(spec) == ("Open the shop", "https://example.com/shop")


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ("", DraftProblem.BAD_BUTTON),
        ("just a label", DraftProblem.BAD_BUTTON),
        ("https://example.com", DraftProblem.BAD_BUTTON),
        ("L" * 65 + " | https://example.com", DraftProblem.BUTTON_LABEL_TOO_LONG),
        ("Shop | htp:/x", DraftProblem.BAD_URL),
        ("Shop | javascript:alert(1)", DraftProblem.BAD_URL),
        ("Shop | https://", DraftProblem.BAD_URL),
        ("Shop | example.com", DraftProblem.BAD_URL),
    ],
)
def test_a_button_that_cannot_be_shown_is_refused(spec: str, problem: DraftProblem) -> None:
    assert refusal(parse_button, spec).problem is problem


def test_the_longest_label_is_accepted_and_a_bad_address_is_named_back() -> None:
    assert parse_button("L" * 64 + " | https://example.com")[0] == "L" * 64
    refused = refusal(parse_button, "Shop | javascript:alert(1)")
    assert refused.details == {"url": "javascript:alert(1)"}


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com",
        "http://example.com/a?b=c#d",
        "https://sub.example.co.uk:8443/path",
        "http://localhost:8080/x",
        "tg://resolve?domain=easyflow_bot",
        "https://user@example.com/",
    ],
)
def test_addresses_a_button_can_open(url: str) -> None:
    assert is_valid_button_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "htp:/x",
        "javascript:alert(1)",
        "https://",
        "https://nohost",
        "https://.",
        "ftp://example.com/file",
        "https://exa mple.com",
        "example.com",
        "tg://",
        "https://example.com/" + "a" * 2048,
        "http://[::1",  # urlsplit refuses it
    ],
)
def test_addresses_a_button_cannot_open(url: str) -> None:
    assert not is_valid_button_url(url)


# The message


def test_the_length_is_what_users_see_without_the_formatting() -> None:
    assert visible_length("<b>Hi</b> &amp; <i>you</i>") == len("Hi & you")
    assert visible_length('<a href="https://example.com/long/address">shop</a>') == 4
    assert visible_length("2 &lt; 3") == 5
    assert visible_length("") == 0


def test_a_message_must_have_text_and_fit_telegrams_limits() -> None:
    for empty in ("", "   ", "<b></b>"):
        assert refusal(check_message_fits, empty, False).problem is DraftProblem.EMPTY_TEXT
    check_message_fits("x" * 4096, with_photo=False)
    check_message_fits("<b>" + "x" * 4096 + "</b>", with_photo=False)  # tags don't count
    too_long = refusal(check_message_fits, "x" * 4097, False)
    assert too_long.problem is DraftProblem.TEXT_TOO_LONG
    assert too_long.details == {"length": 4097, "limit": 4096}
    check_message_fits("x" * 1024, with_photo=True)
    caption = refusal(check_message_fits, "x" * 1025, True)
    assert caption.problem is DraftProblem.CAPTION_TOO_LONG
    assert caption.details == {"length": 1025, "limit": 1024}


@pytest.mark.parametrize(("text", "days"), [("30", 30), (" 7 ", 7), ("1", 1), ("3650", 3650)])
def test_inactive_days_are_a_whole_number_of_days(text: str, days: int) -> None:
    assert parse_inactive_days(text) == days


@pytest.mark.parametrize("text", ["", "0", "3651", "-1", "1.5", "a week"])
def test_inactive_days_out_of_range_or_not_a_number_are_refused(text: str) -> None:
    assert refusal(parse_inactive_days, text).problem is DraftProblem.BAD_DAYS


def test_the_excerpt_is_the_plain_start_of_the_text() -> None:
    assert excerpt("<b>Big</b>  sale:\n2 &lt; 3") == "Big sale: 2 < 3"
    assert excerpt("word " * 100, limit=20) == "word word word word…"


# The draft on the database


async def test_a_text_over_4096_characters_is_refused_and_the_draft_keeps_its_text(
    session: AsyncSession,
) -> None:
    draft = await create_draft(session, ADMIN, ADMIN_CHAT, None)
    await set_text(session, draft.id, "<b>Hello</b>")
    with pytest.raises(DraftRefused) as refused:
        await set_text(session, draft.id, "x" * 5000)
    assert refused.value.problem is DraftProblem.TEXT_TOO_LONG
    assert refused.value.details == {"length": 5000, "limit": 4096}
    kept = await get_broadcast(session, draft.id)
    assert kept is not None and kept.text == "<b>Hello</b>"


async def test_a_photo_over_10_mb_or_under_a_text_too_long_for_a_caption_is_refused(
    session: AsyncSession,
) -> None:
    draft = await create_draft(session, ADMIN, ADMIN_CHAT, None)
    await set_text(session, draft.id, "z" * 2000)
    with pytest.raises(DraftRefused) as too_big:
        await set_photo(session, draft.id, "photo-id", TELEGRAM_PHOTO_LIMIT_BYTES + 1)
    assert too_big.value.problem is DraftProblem.PHOTO_TOO_BIG
    assert too_big.value.details["size"] == TELEGRAM_PHOTO_LIMIT_BYTES + 1
    with pytest.raises(DraftRefused) as caption:
        await set_photo(session, draft.id, "photo-id", 1000)
    assert caption.value.problem is DraftProblem.CAPTION_TOO_LONG
    kept = await get_broadcast(session, draft.id)
    assert kept is not None and kept.photo_file_id is None and kept.text == "z" * 2000

    await set_text(session, draft.id, "Short")
    await set_photo(session, draft.id, "photo-id", TELEGRAM_PHOTO_LIMIT_BYTES)
    with pytest.raises(DraftRefused) as long_caption:
        await set_text(session, draft.id, "y" * 1025)
    assert long_caption.value.problem is DraftProblem.CAPTION_TOO_LONG


async def _user(session: AsyncSession, language: str, **fields: object) -> int:
    user_id = random.randint(10**9, 2 * 10**9)
    session.add(User(telegram_id=user_id, first_name="Reader", language=language, **fields))
    await session.flush()
    return user_id


async def _paid(session: AsyncSession, user_id: int) -> None:
    order = Order(
        user_id=user_id, product_id="pack_1", currency="XTR", amount=200, method="stars",
        status="paid", payload=f"o-broadcast-{user_id}",
    )  # fmt: skip
    session.add(order)
    await session.flush()
    session.add(
        Payment(
            order_id=order.id, user_id=user_id, provider="telegram_stars",
            charge_id=f"broadcast-{user_id}", amount=200, currency="XTR",
        )
    )  # fmt: skip
    await session.flush()


async def test_audiences_count_reachable_users_only(session: AsyncSession) -> None:
    audiences = {
        "all": Audience(),
        "en": Audience(AudienceKind.LANGUAGE, language="en"),
        "ru": Audience(AudienceKind.LANGUAGE, language="ru"),
        "paid": Audience(AudienceKind.PAID),
        "never_paid": Audience(AudienceKind.NEVER_PAID),
        "inactive_30": Audience(AudienceKind.INACTIVE, inactive_days=30),
        "inactive_60": Audience(AudienceKind.INACTIVE, inactive_days=60),
    }
    before = {name: await count_audience(session, audience) for name, audience in audiences.items()}

    now = utcnow()
    await _user(session, "en")
    paying = await _user(session, "ru")
    await _paid(session, paying)
    await _user(session, "en", last_seen_at=now - timedelta(days=45))
    # Nobody the bot can't reach counts: banned by an admin, the bot blocked, the account gone.
    await _user(session, "en", banned_at=now)
    blocked = await _user(session, "ru", is_blocked=True)
    await _paid(session, blocked)
    await _user(session, "en", deactivated_at=now, last_seen_at=now - timedelta(days=90))

    added = {
        name: await count_audience(session, audience) - before[name]
        for name, audience in audiences.items()
    }
    assert added == {
        "all": 3,
        "en": 2,
        "ru": 1,
        "paid": 1,
        "never_paid": 2,
        "inactive_30": 1,
        "inactive_60": 0,
    }

    # The menu's choices and a draft's summary count the same way.
    choices = {choice.audience: choice.recipients for choice in await audience_choices(session)}
    assert list(choices) == [
        Audience(),
        *(Audience(AudienceKind.LANGUAGE, language=code) for code in SUPPORTED_LANGUAGES),
        Audience(AudienceKind.PAID),
        Audience(AudienceKind.NEVER_PAID),
    ]
    assert choices[audiences["ru"]] == before["ru"] + 1
    draft = await create_draft(session, ADMIN, ADMIN_CHAT, None)
    await set_audience(session, draft.id, audiences["inactive_30"])
    summary = await draft_summary(session, draft.id)
    assert summary is not None and summary.is_draft
    assert summary.audience == audiences["inactive_30"]
    assert summary.recipients == before["inactive_30"] + 1
    assert await draft_summary(session, -1) is None


# Texts


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_refusal_and_audience_has_its_text(language: str) -> None:
    known = message_ids(language)
    keys = [f"broadcast-problem-{problem.value.replace('_', '-')}" for problem in DraftProblem]
    keys += [f"broadcast-audience-{kind.value.replace('_', '-')}" for kind in AudienceKind]
    keys += [f"language-name-{code}" for code in SUPPORTED_LANGUAGES]
    missing = [key for key in keys if key not in known]
    assert not missing, f"{language}: {missing}"
