"""The desk's pure parts: topic names, attachment retries, photo sniffing, sealed credentials,
credential shapes, and the sender's attributed texts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.sender import OutgoingText, _Queued
from services.marketplace.connections import (
    CredentialsMalformed,
    external_id,
    normalized_credentials,
)
from services.marketplace.forwarding import (
    TOPIC_NAME_LIMIT,
    attachment_retry_delay,
    looks_like_photo,
    topic_name,
)
from services.marketplace.models import Marketplace
from services.marketplace.vault import CredentialsUnreadable, CredentialVault, load_or_create_key
from services.telegram_text import merged_text
from tests.sandbox.helpers import png


def test_topic_name_reads_marketplace_order_buyer_and_fits_telegram() -> None:
    assert topic_name(Marketplace.OZON, "123-45", "Irina") == "Ozon · #123-45 · Irina"
    assert topic_name(Marketplace.WILDBERRIES, None, "Vera") == "Wildberries · Vera"
    long = topic_name(Marketplace.OZON, "9" * 60, "Б" * 200)
    assert len(long) == TOPIC_NAME_LIMIT and long.endswith("…")


def test_attachment_retries_back_off_to_an_hour() -> None:
    delays = [attachment_retry_delay(n) for n in range(1, 10)]
    assert delays[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert max(delays) == timedelta(hours=1) and delays == sorted(delays)


def test_only_png_and_jpeg_within_ten_megabytes_go_as_photos() -> None:
    assert looks_like_photo(png(8, 8))
    assert looks_like_photo(b"\xff\xd8\xff\xe0" + b"0" * 100)
    assert not looks_like_photo(b"%PDF-1.7 ...")
    assert not looks_like_photo(b"\xff\xd8\xff" + b"0" * (10 * 1024 * 1024))


def test_vault_seals_without_the_secret_in_clear_and_refuses_another_key() -> None:
    from cryptography.fernet import Fernet

    vault = CredentialVault(Fernet.generate_key())
    sealed = vault.seal({"client_id": "100500", "api_key": "very-secret-key"})
    assert b"very-secret-key" not in sealed and b"100500" not in sealed
    assert vault.open(sealed) == {"client_id": "100500", "api_key": "very-secret-key"}
    with pytest.raises(CredentialsUnreadable):
        CredentialVault(Fernet.generate_key()).open(sealed)
    assert "very" not in repr(vault)
    with pytest.raises(ValueError, match="Fernet key"):
        CredentialVault(b"not a key")


def test_generated_key_is_made_once_and_private(tmp_path: Path) -> None:
    path = tmp_path / "data" / "marketplace.key"
    key = load_or_create_key(path)
    assert load_or_create_key(path) == key
    assert path.stat().st_mode & 0o077 == 0
    CredentialVault(key)


def test_credentials_are_trimmed_and_malformed_ones_named() -> None:
    assert normalized_credentials(
        Marketplace.OZON, {"client_id": " 100500 ", "api_key": " k-1 "}
    ) == {"client_id": "100500", "api_key": "k-1"}
    for values, field in (
        ({"client_id": "abc", "api_key": "k"}, "client_id"),
        ({"client_id": "1", "api_key": "two words"}, "api_key"),
        ({"client_id": "1", "api_key": ""}, "api_key"),
    ):
        with pytest.raises(CredentialsMalformed) as refused:
            normalized_credentials(Marketplace.OZON, values)
        assert refused.value.field == field
    with pytest.raises(CredentialsMalformed):
        normalized_credentials(Marketplace.WILDBERRIES, {"token": "   "})
    token = {"token": "secret-token"}
    assert external_id(Marketplace.WILDBERRIES, token) != "secret-token"
    assert external_id(Marketplace.OZON, {"client_id": "7", "api_key": "x"}) == "7"


def test_an_attributed_text_shows_its_author_alone_and_merged() -> None:
    at = datetime(2026, 12, 4, 14, 3, tzinfo=UTC)
    item = OutgoingText(-100, "Hello", message_thread_id=5, author="Irina (WB)", sent_at=at)
    attributed = OutgoingText(
        -100, "Hello", message_thread_id=5, author="Irina (WB)", sent_at=at, attributed=True
    )
    assert merged_text([item.authored]) == "Hello"
    assert merged_text([attributed.authored], always_attributed=True) == (
        "— Irina (WB) · 14:03\nHello"
    )
    queued = _Queued(-100, 0, [], texts=[attributed])  # type: ignore[arg-type]
    assert queued.build().text == "— Irina (WB) · 14:03\nHello"
    # Attributed and plain texts of one topic are not merged together.
    plain = _Queued(-100, 0, [], texts=[item])  # type: ignore[arg-type]
    assert queued.merge_key != plain.merge_key
