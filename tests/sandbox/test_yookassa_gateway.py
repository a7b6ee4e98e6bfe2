"""The YooKassa gateway's pure functions: money, notifications, trusted addresses."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from services.networks import is_trusted_address
from services.payments.yookassa_gateway import (
    YooKassaGateway,
    kopecks_to_value,
    parse_notification,
    value_to_kopecks,
)

# YooKassa's published ranges, as in Settings.yookassa_trusted_networks.
YOOKASSA_NETWORKS = [
    "185.71.76.0/27",
    "185.71.77.0/27",
    "77.75.153.0/25",
    "77.75.156.11/32",
    "77.75.156.35/32",
    "77.75.154.128/25",
    "2a02:5180::/32",
]
PAYMENT_ID = "2419a771-000f-5000-9000-1edaf29243f2"


# ------------------------------------------------------------------------------ money
@pytest.mark.parametrize(
    ("kopecks", "value"),
    [
        (49000, "490.00"),
        (1, "0.01"),
        (10, "0.10"),
        (0, "0.00"),
        (29, "0.29"),
        (99, "0.99"),
        (123456789, "1234567.89"),
        (9999999999, "99999999.99"),
    ],
)
def test_kopecks_become_two_decimal_strings(kopecks: int, value: str) -> None:
    assert kopecks_to_value(kopecks) == value
    assert value_to_kopecks(value) == kopecks


@pytest.mark.parametrize("bad", [4.9, "490", Decimal("490"), True, None])
def test_only_integer_kopecks_are_formatted(bad: Any) -> None:
    with pytest.raises(TypeError):
        kopecks_to_value(bad)


def test_negative_kopecks_are_refused() -> None:
    with pytest.raises(ValueError):
        kopecks_to_value(-1)


@pytest.mark.parametrize(
    ("value", "kopecks"),
    [
        ("490", 49000),
        ("490.0", 49000),
        ("0.1", 10),
        ("1.000", 100),
        (" 12.34 ", 1234),
        (Decimal("19.99"), 1999),
        (Decimal("0.29"), 29),  # 0.29 * 100 is 28.999999999999996 in floats
        ("1.10", 110),
    ],
)
def test_values_become_exact_kopecks(value: str | Decimal, kopecks: int) -> None:
    assert value_to_kopecks(value) == kopecks


@pytest.mark.parametrize(
    "bad", ["1.005", "abc", "", "-1.00", "NaN", "Infinity", "1e-3", "1e2", "+1", "1."]
)
def test_malformed_values_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        value_to_kopecks(bad)


@pytest.mark.parametrize("bad", [4.9, 490, None])
def test_floats_and_numbers_are_not_values(bad: Any) -> None:
    with pytest.raises(TypeError):
        value_to_kopecks(bad)


def test_every_amount_round_trips() -> None:
    for kopecks in range(0, 200_001, 7):
        assert value_to_kopecks(kopecks_to_value(kopecks)) == kopecks


# ----------------------------------------------------------------------- notifications
def payment_object(**changes: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "id": PAYMENT_ID,
        "status": "succeeded",
        "paid": True,
        "amount": {"value": "490.00", "currency": "RUB"},
        "created_at": "2024-05-01T10:00:00.000Z",
        "metadata": {"order_id": "42", "cms_name": "yookassa_sdk_python"},
        "recipient": {"account_id": "100500", "gateway_id": "100700"},
        "refundable": True,
        "test": True,
    }
    obj.update(changes)
    return obj


def test_a_payment_notification_is_parsed() -> None:
    notification = parse_notification(
        {"type": "notification", "event": "payment.succeeded", "object": payment_object()}
    )
    assert notification.event == "payment.succeeded"
    assert notification.object_id == PAYMENT_ID
    assert notification.status == "succeeded"
    assert notification.metadata["order_id"] == "42"


def test_a_canceled_payment_notification_is_parsed() -> None:
    obj = payment_object(
        status="canceled",
        paid=False,
        cancellation_details={"party": "yoo_money", "reason": "expired_on_confirmation"},
    )
    notification = parse_notification(
        {"type": "notification", "event": "payment.canceled", "object": obj}
    )
    assert (notification.event, notification.status) == ("payment.canceled", "canceled")


def test_a_refund_notification_names_the_refund() -> None:
    refund = {
        "id": "216749f7-0016-50be-b000-078d43a63ae4",
        "payment_id": PAYMENT_ID,
        "status": "succeeded",
        "created_at": "2024-05-01T10:00:00.000Z",
        "amount": {"value": "100.00", "currency": "RUB"},
    }
    notification = parse_notification(
        {"type": "notification", "event": "refund.succeeded", "object": refund}
    )
    assert notification.object_id == refund["id"]
    assert notification.status == "succeeded"
    assert notification.metadata == {}


@pytest.mark.parametrize(
    "body",
    [
        [],
        "notification",
        {},
        {"event": "payment.succeeded", "object": payment_object()},
        {"type": "other", "event": "payment.succeeded", "object": payment_object()},
        {"type": "notification", "object": payment_object()},
        {"type": "notification", "event": "", "object": payment_object()},
        {"type": "notification", "event": "payment.succeeded"},
        {"type": "notification", "event": "payment.succeeded", "object": {}},
        {"type": "notification", "event": "payment.succeeded", "object": "x"},
        {"type": "notification", "event": "payment.succeeded", "object": {"status": "ok"}},
        {
            "type": "notification",
            "event": "payment.succeeded",
            "object": payment_object(amount={"value": "lots", "currency": "RUB"}),
        },
    ],
)
def test_malformed_notifications_are_value_errors(body: Any) -> None:
    with pytest.raises(ValueError):
        parse_notification(body)


# ------------------------------------------------------------------- trusted addresses
@pytest.mark.parametrize(
    "address",
    [
        "185.71.76.0",
        "185.71.76.31",
        "185.71.77.5",
        "77.75.153.127",
        "77.75.156.11",
        "77.75.156.35",
        "77.75.154.200",
        "2a02:5180::1",
        "2a02:5180:ffff::1",
        "[2a02:5180::1]",
        "::ffff:185.71.76.1",  # an IPv4 peer on a dual-stack socket
        "::ffff:77.75.156.35",
    ],
)
def test_yookassa_addresses_are_trusted(address: str) -> None:
    assert is_trusted_address(address, YOOKASSA_NETWORKS)


@pytest.mark.parametrize(
    "address",
    [
        "185.71.76.32",
        "77.75.153.128",
        "77.75.156.12",
        "77.75.154.127",
        "2a02:5181::1",
        "127.0.0.1",
        "::1",
        "::ffff:127.0.0.1",
        "10.0.0.1",
        "",
        "not an address",
        "185.71.76.1:443",
    ],
)
def test_other_addresses_are_not_trusted(address: str) -> None:
    assert not is_trusted_address(address, YOOKASSA_NETWORKS)


def test_loopback_is_trusted_only_when_listed() -> None:
    networks = [*YOOKASSA_NETWORKS, "127.0.0.1/32", "::1"]
    assert is_trusted_address("127.0.0.1", networks)
    assert is_trusted_address("::1", networks)
    assert is_trusted_address("::ffff:127.0.0.1", networks)
    assert not is_trusted_address("127.0.0.2", networks)


def test_an_invalid_network_trusts_nobody_but_keeps_the_others() -> None:
    networks = ["not-a-network", "300.1.1.0/24", "185.71.76.0/27"]
    assert is_trusted_address("185.71.76.1", networks)
    assert not is_trusted_address("300.1.1.1", networks)
    assert not is_trusted_address("185.71.77.1", ["nonsense"])
    assert not is_trusted_address("185.71.77.1", [])


# ----------------------------------------------------------------------------- gateway
def test_the_gateway_never_shows_its_secret() -> None:
    gateway = YooKassaGateway("shop-1", "live_very-secret", "http://127.0.0.1:1/yookassa/v3/")
    assert "very-secret" not in repr(gateway)
    assert gateway.api_url == "http://127.0.0.1:1/yookassa/v3"


def test_the_gateway_defaults_to_production() -> None:
    assert YooKassaGateway("shop", "secret").api_url == "https://api.yookassa.ru/v3"


@pytest.mark.parametrize(("shop_id", "secret"), [("", "secret"), ("shop", "")])
def test_the_gateway_needs_credentials(shop_id: str, secret: str) -> None:
    with pytest.raises(ValueError):
        YooKassaGateway(shop_id, secret)
