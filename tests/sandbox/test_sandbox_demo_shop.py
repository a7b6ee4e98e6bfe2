"""`make run`'s demo shop: a forum group in the Telegram emulator, the seller registered for it
with Ozon and Wildberries connected on the emulators' demo credentials, buyers who wrote
already; started again, the one seller moves to the new group and starts over."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.types import ChatMemberAdministrator
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Module, Settings
from bot.runner import (
    SANDBOX_DEMO_GROUP,
    SANDBOX_DEMO_SHOP,
    SANDBOX_OPERATOR,
    set_up_sandbox_demo_shop,
    with_sandbox_admin_group,
    with_sandbox_marketplaces,
)
from sandbox import SandboxClient, TelegramEmulator
from services.database import create_engine, create_session_factory
from services.marketplace.connections import normalized_credentials
from services.marketplace.demo import forget_demo_seller
from services.marketplace.models import Marketplace
from services.marketplace.sellers import seller_of_group
from services.marketplace.vault import CredentialVault
from services.models.base import utcnow
from services.models.marketplace import BuyerChat, MarketplaceAccount, Seller
from tests.conftest import Backend

KEY = Fernet.generate_key()


@pytest.fixture
async def sessions(
    migrated_database_url: str,
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(migrated_database_url)
    factory = create_session_factory(engine)
    yield factory
    # The demo's rows would hand later tests a seller already connected for their group id.
    async with factory() as session:
        await session.execute(delete(Seller).where(Seller.title == SANDBOX_DEMO_GROUP))
        await session.commit()
    await engine.dispose()


@pytest.fixture
def settings(emulator: TelegramEmulator, migrated_database_url: str, backend: Backend) -> Settings:
    assert emulator.base_url is not None
    port = int(emulator.base_url.rsplit(":", 1)[1])
    return Settings(
        _env_file=None,
        sandbox_host="127.0.0.1",
        sandbox_port=port,
        database_url=migrated_database_url,
        redis_url=backend.redis_url,
        marketplace_credentials_key=SecretStr(KEY.decode()),
    )


async def demo_sellers(session: AsyncSession) -> list[Seller]:
    rows = await session.scalars(select(Seller).where(Seller.title == SANDBOX_DEMO_GROUP))
    return list(rows)


def test_in_the_sandbox_the_marketplaces_are_the_emulators_unless_set(
    emulator: TelegramEmulator, settings: Settings
) -> None:
    pointed = with_sandbox_marketplaces(settings)
    assert pointed.ozon_api_url == f"{emulator.base_url}/ozon"
    assert pointed.wildberries_api_url == f"{emulator.base_url}/wb"

    own = settings.model_copy(update={"ozon_api_url": "http://127.0.0.1:9/ozon"})
    assert with_sandbox_marketplaces(own).ozon_api_url == "http://127.0.0.1:9/ozon"
    telegram = settings.model_copy(update={"bot_token": SecretStr("1:real")})
    assert with_sandbox_marketplaces(telegram).ozon_api_url is None

    # Polled often enough for the buyer panel's Wildberries messages, unless set.
    assert with_sandbox_marketplaces(Settings(_env_file=None)).marketplace_poll_seconds == 5
    chosen = Settings(_env_file=None, marketplace_poll_seconds=60)
    assert with_sandbox_marketplaces(chosen).marketplace_poll_seconds == 60


async def test_the_demo_shop_is_a_forum_with_a_seller_connected_to_both_marketplaces(
    bot: Bot,
    emulator: TelegramEmulator,
    client: SandboxClient,
    base_url: str,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    shop = await set_up_sandbox_demo_shop(with_sandbox_marketplaces(settings), base_url, sessions)
    assert shop is not None and shop.title == SANDBOX_DEMO_GROUP

    group = await client.chat(shop.forum_chat_id)
    assert group["title"] == SANDBOX_DEMO_GROUP and group["is_forum"] is True
    assert {"user": SANDBOX_OPERATOR, "status": "creator"} in group["members"]
    rights = await bot.get_chat_member(shop.forum_chat_id, bot.id)
    assert isinstance(rights, ChatMemberAdministrator) and rights.can_manage_topics

    async with sessions() as session:
        seller = await seller_of_group(session, shop.forum_chat_id)
        assert seller is not None and seller.id == shop.seller_id
        assert seller.title == SANDBOX_DEMO_GROUP
        assert seller.connected_by == SANDBOX_OPERATOR["id"]
        assert seller.language == settings.default_language and not seller.rights_lost
        assert [a.marketplace for a in seller.accounts] == [
            Marketplace.OZON,
            Marketplace.WILDBERRIES,
        ]
        assert all(account.syncing for account in seller.accounts)
        accounts = (
            await session.scalars(
                select(MarketplaceAccount).where(MarketplaceAccount.seller_id == seller.id)
            )
        ).all()
    vault = CredentialVault(KEY)
    opened = {a.marketplace: vault.open(a.sealed_credentials) for a in accounts}
    assert opened == {
        "ozon": normalized_credentials(Marketplace.OZON, emulator.ozon.demo_credentials()),
        "wb": normalized_credentials(
            Marketplace.WILDBERRIES, emulator.wildberries.demo_credentials()
        ),
    }

    # Buyers wrote on both marketplaces, to the demo seller.
    overview = await client.marketplaces()
    assert overview["seller"] == {"name": SANDBOX_DEMO_SHOP}
    assert overview["forum_chat_id"] == shop.forum_chat_id
    for key in ("ozon", "wb"):
        chats = overview["marketplaces"][key]["chats"]
        assert len(chats) >= 2
        assert all(chat["buyer_name"] and chat["order"] and chat["messages"] for chat in chats)


async def test_started_again_the_one_demo_seller_moves_to_the_new_group_and_starts_over(
    base_url: str,
    client: SandboxClient,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    settings = with_sandbox_marketplaces(settings)
    first = await set_up_sandbox_demo_shop(settings, base_url, sessions)
    assert first is not None
    async with sessions() as session:
        ozon_account = await session.scalar(
            select(MarketplaceAccount).where(
                MarketplaceAccount.seller_id == first.seller_id,
                MarketplaceAccount.marketplace == "ozon",
            )
        )
        assert ozon_account is not None
        ozon_account.cursor = "chats-after:2"
        session.add(BuyerChat(account_id=ozon_account.id, chat_id="old-chat", topic_id=5))
        row = await session.get(Seller, first.seller_id)
        assert row is not None
        row.rights_lost_at = utcnow()
        await session.commit()

    second = await set_up_sandbox_demo_shop(settings, base_url, sessions)
    assert second is not None and second.forum_chat_id != first.forum_chat_id
    assert second.seller_id == first.seller_id

    async with sessions() as session:
        [seller] = await demo_sellers(session)
        assert seller.forum_chat_id == second.forum_chat_id and seller.rights_lost_at is None
        accounts = (
            await session.scalars(
                select(MarketplaceAccount).where(MarketplaceAccount.seller_id == seller.id)
            )
        ).all()
        assert sorted(a.marketplace for a in accounts) == ["ozon", "wb"]
        assert all(a.cursor is None for a in accounts)
        chats = await session.scalar(
            select(func.count())
            .select_from(BuyerChat)
            .join(MarketplaceAccount, MarketplaceAccount.id == BuyerChat.account_id)
            .where(MarketplaceAccount.seller_id == seller.id)
        )
        assert chats == 0
    assert (await client.marketplaces())["forum_chat_id"] == second.forum_chat_id


async def test_a_restarted_sandbox_reuses_the_group_id_of_an_earlier_run(
    base_url: str, settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """A fresh emulator counts group ids from the start again: a seller row of an earlier run
    holding the new group's id is stale, and makes way."""
    settings = with_sandbox_marketplaces(settings)
    async with SandboxClient(base_url) as client:
        probe = await client.create_forum("probe")
    next_group_id = probe["id"] - 1  # ids count down: the demo's group comes next
    async with sessions() as session:
        session.add(
            Seller(
                forum_chat_id=next_group_id,
                title="A shop of an earlier run",
                language="en",
                connected_by=1,
            )
        )
        await session.commit()

    shop = await set_up_sandbox_demo_shop(settings, base_url, sessions)
    assert shop is not None and shop.forum_chat_id == next_group_id
    async with sessions() as session:
        holder = await session.scalar(select(Seller).where(Seller.forum_chat_id == next_group_id))
        assert holder is not None and holder.title == SANDBOX_DEMO_GROUP


async def test_without_the_marketplace_module_there_is_no_demo_shop(
    base_url: str,
    client: SandboxClient,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    settings = settings.model_copy(update={"modules": [Module.INTERVIEW]})
    assert await set_up_sandbox_demo_shop(settings, base_url, sessions) is None
    assert await client.chats() == []
    assert (await client.marketplaces())["seller"] is None
    async with sessions() as session:
        assert await demo_sellers(session) == []


async def test_a_stopping_sandbox_forgets_its_demo_seller(
    base_url: str, settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    shop = await set_up_sandbox_demo_shop(with_sandbox_marketplaces(settings), base_url, sessions)
    assert shop is not None
    async with sessions() as session:
        assert await forget_demo_seller(session, title=SANDBOX_DEMO_GROUP)
        assert await demo_sellers(session) == []
        left = await session.scalar(
            select(func.count())
            .select_from(MarketplaceAccount)
            .where(MarketplaceAccount.seller_id == shop.seller_id)
        )
        assert left == 0
        assert not await forget_demo_seller(session, title=SANDBOX_DEMO_GROUP)


async def test_make_runs_admin_group_is_owned_by_the_operator_the_page_switches_to(
    base_url: str,
) -> None:
    settings = await with_sandbox_admin_group(Settings(_env_file=None), base_url)
    assert SANDBOX_OPERATOR["id"] in settings.admin_ids
    async with SandboxClient(base_url) as client:
        identity = await client.act_as(role="operator")
    assert identity["acting_as"]["id"] == SANDBOX_OPERATOR["id"]
    assert identity["operator"]["chat_id"] == settings.admin_chat_id
    assert identity["operator"]["status"] == "creator"
