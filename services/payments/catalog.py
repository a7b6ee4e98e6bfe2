"""The product catalogue and its prices: what is on sale, for how much, and who changed a price.

Money is an integer in minor units everywhere: whole stars for XTR, kopecks for RUB. People
type and read amounts through `parse_amount` and `format_amount`; YooKassa's SDK wants a
string with two decimals, made by `yookassa_gateway.kopecks_to_value` at that boundary only.

Limits of a price (`AMOUNT_LIMITS`): XTR 1..10,000 stars — the Bot API's ceiling for Stars
amounts (a Stars subscription price "must not exceed 10000 Telegram Stars", transfers are
"1-10000"); RUB 1.00..100,000.00 — YooKassa takes from 1 ₽, and anything above 100,000 ₽ for an
interview pack is a typo. Note that Telegram itself refuses card invoices below about 1 USD in
RUB (its currencies.json `min_amount`), so a RUB price for the in-Telegram card method should
stay well above that.

`set_price` writes the new price and a `PriceChange` row (old amount, new amount, who, when).
Setting the price a product already has is a no-op: nothing is written and the returned view
has `id=None` and `changed=False`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit
from services.audit import AuditAction
from services.entitlements import aware
from services.models import Price, PriceChange, Product
from services.models.base import utcnow

CURRENCIES = ("XTR", "RUB")
# Digits after the decimal point (Telegram's currencies.json "exp").
MINOR_DIGITS = {"XTR": 0, "RUB": 2}
# Inclusive bounds of a price, in minor units.
AMOUNT_LIMITS = {"XTR": (1, 10_000), "RUB": (1_00, 100_000_00)}
SYMBOLS = {"XTR": "⭐", "RUB": "₽"}
FALLBACK_LANGUAGE = "en"


class ProductKind(StrEnum):
    PACK = "pack"
    SUBSCRIPTION = "subscription"


class PriceProblem(StrEnum):
    UNKNOWN_PRODUCT = "unknown-product"
    WRONG_CURRENCY = "wrong-currency"
    NOT_POSITIVE = "not-positive"
    TOO_SMALL = "too-small"  # positive, under the currency's minimum (0.50 ₽)
    TOO_LARGE = "too-large"
    NOT_A_NUMBER = "not-a-number"


class PriceRejected(Exception):
    def __init__(self, problem: PriceProblem, detail: str = "") -> None:
        super().__init__(f"{problem}: {detail}" if detail else str(problem))
        self.problem = problem
        self.detail = detail


@dataclass(frozen=True, slots=True)
class ProductView:
    """A product as plain values. `title`/`description` pick a language, falling back to en."""

    id: str
    kind: str  # ProductKind
    interviews: int  # credits a pack adds (0 for a subscription)
    days: int  # days a subscription adds (0 for a pack)
    titles: dict[str, str] = field(hash=False)
    descriptions: dict[str, str] = field(hash=False)
    position: int = 0
    is_active: bool = True

    @property
    def is_subscription(self) -> bool:
        return self.kind == ProductKind.SUBSCRIPTION

    def title(self, language: str) -> str:
        return localized(self.titles, language)

    def description(self, language: str) -> str:
        return localized(self.descriptions, language)


@dataclass(frozen=True, slots=True)
class Offer:
    product: ProductView
    prices: dict[str, int] = field(hash=False)  # currency -> minor units


@dataclass(frozen=True, slots=True)
class PriceChangeView:
    id: int | None  # None: the price was already this, nothing was written
    product_id: str
    currency: str
    old_amount: int | None  # None: the first price in this currency
    new_amount: int
    changed_by: int | None  # telegram id; None = seeding
    changed_at: datetime

    @property
    def changed(self) -> bool:
        return self.old_amount != self.new_amount


def localized(texts: dict[str, str], language: str) -> str:
    """The text in `language`, else in English, else in any language there is."""
    return texts.get(language) or texts.get(FALLBACK_LANGUAGE) or next(iter(texts.values()), "")


def product_view(product: Product) -> ProductView:
    return ProductView(
        id=product.id,
        kind=product.kind,
        interviews=product.interviews,
        days=product.days,
        titles=dict(product.title),
        descriptions=dict(product.description),
        position=product.position,
        is_active=product.is_active,
    )


async def offers(session: AsyncSession) -> list[Offer]:
    """Active products in catalogue order, each with its current prices; a product without
    any price is not on sale and left out."""
    products = (
        await session.scalars(
            select(Product)
            .where(Product.is_active.is_(True))
            .order_by(Product.position, Product.id)
        )
    ).all()
    prices: dict[str, dict[str, int]] = {}
    for price in await session.scalars(select(Price)):
        if price.currency in CURRENCIES:
            prices.setdefault(price.product_id, {})[price.currency] = price.amount
    return [
        Offer(
            product_view(product),
            {c: prices[product.id][c] for c in CURRENCIES if c in prices[product.id]},
        )
        for product in products
        if prices.get(product.id)
    ]


async def get_product(session: AsyncSession, product_id: str) -> ProductView | None:
    """Any product, active or not (an old order's product may have left the catalogue)."""
    product = await session.get(Product, product_id)
    return product_view(product) if product is not None else None


async def product_title(session: AsyncSession, product_id: str, language: str) -> str:
    """The product's title in `language` (falling back to English); its id when unknown."""
    product = await session.get(Product, product_id)
    if product is None:
        return product_id
    return localized(product.title, language) or product_id


async def current_price(session: AsyncSession, product_id: str, currency: str) -> int:
    """The price of an active product in `currency`, in minor units.

    Raises PriceRejected(UNKNOWN_PRODUCT) for a missing or inactive product and
    PriceRejected(WRONG_CURRENCY) for a currency it has no price in.
    """
    if currency not in CURRENCIES:
        raise PriceRejected(PriceProblem.WRONG_CURRENCY, currency)
    product = await session.get(Product, product_id)
    if product is None or not product.is_active:
        raise PriceRejected(PriceProblem.UNKNOWN_PRODUCT, product_id)
    amount = await session.scalar(
        select(Price.amount).where(Price.product_id == product_id, Price.currency == currency)
    )
    if amount is None:
        raise PriceRejected(PriceProblem.WRONG_CURRENCY, f"{product_id} has no {currency} price")
    return amount


def check_amount(amount: int, currency: str) -> int:
    """Returns `amount` (minor units) if it is a valid price in `currency`, else raises
    PriceRejected (WRONG_CURRENCY, NOT_POSITIVE, TOO_SMALL, TOO_LARGE)."""
    if currency not in CURRENCIES:
        raise PriceRejected(PriceProblem.WRONG_CURRENCY, currency)
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise PriceRejected(PriceProblem.NOT_A_NUMBER, repr(amount))
    low, high = AMOUNT_LIMITS[currency]
    if amount <= 0:
        raise PriceRejected(PriceProblem.NOT_POSITIVE, str(amount))
    if amount < low:
        raise PriceRejected(
            PriceProblem.TOO_SMALL, f"the minimum is {format_amount(low, currency)}"
        )
    if amount > high:
        raise PriceRejected(
            PriceProblem.TOO_LARGE, f"the maximum is {format_amount(high, currency)}"
        )
    return amount


_AMOUNT = re.compile(r"([+-]?)(\d+)(?:[.,](\d+))?(\D*)")
# What people type after a number; a symbol of the other currency is a wrong currency.
_UNITS = {
    "XTR": ("⭐", "⭐️", "xtr", "star", "stars", "звезд", "звёзд", "звезды", "звёзды"),
    "RUB": ("₽", "rub", "руб", "руб.", "р", "р.", "rur"),
}


def parse_amount(text: str, currency: str) -> int:
    """An amount typed by a person, in minor units of `currency`.

    "490", "490.00", "490,5", "1 990 ₽" in RUB -> 49000, 49000, 49050, 199000 kopecks; "50",
    "50 ⭐" in XTR -> 50 stars (whole stars only; "50.0" is 50, "50.5" is refused). Spaces
    (thousands separators) are ignored, "." and "," are both the decimal point. Raises
    PriceRejected: NOT_A_NUMBER (also for more than two decimals of rubles), NOT_POSITIVE,
    TOO_SMALL, TOO_LARGE, WRONG_CURRENCY (an unknown currency, or "50 ⭐" given for RUB).
    """
    if currency not in CURRENCIES:
        raise PriceRejected(PriceProblem.WRONG_CURRENCY, currency)
    cleaned = re.sub(r"\s+", "", text).lower()
    match = _AMOUNT.fullmatch(cleaned)
    if match is None:
        raise PriceRejected(PriceProblem.NOT_A_NUMBER, text)
    sign, whole, fraction, unit = match.groups()
    if len(whole.lstrip("0")) > 12:  # far beyond any limit (and int() of huge strings is slow)
        problem = PriceProblem.NOT_POSITIVE if sign == "-" else PriceProblem.TOO_LARGE
        raise PriceRejected(problem, text)
    if unit:
        owner = next((c for c, units in _UNITS.items() if unit in units), None)
        if owner is None:
            raise PriceRejected(PriceProblem.NOT_A_NUMBER, text)
        if owner != currency:
            raise PriceRejected(PriceProblem.WRONG_CURRENCY, f"{text!r} is not {currency}")
    digits = MINOR_DIGITS[currency]
    fraction = fraction or ""
    if len(fraction) > digits:
        # Extra zeros are harmless ("50.0" stars, "490.500" rubles); anything else is a
        # fraction of a star or of a kopeck.
        if fraction[digits:].strip("0"):
            raise PriceRejected(PriceProblem.NOT_A_NUMBER, f"{text!r}: too many decimals")
        fraction = fraction[:digits]
    amount = int(whole) * 10**digits + int(fraction.ljust(digits, "0") or "0")
    if sign == "-" and amount:
        amount = -amount
    return check_amount(amount, currency)


def format_amount(amount: int, currency: str) -> str:
    """An amount for people: "490 ₽", "490.50 ₽", "50 ⭐"; other currencies as "12 ABC"."""
    symbol = SYMBOLS.get(currency, currency)
    digits = MINOR_DIGITS.get(currency, 0)
    if digits == 0:
        return f"{amount} {symbol}"
    sign = "-" if amount < 0 else ""
    whole, fraction = divmod(abs(amount), 10**digits)
    if fraction == 0:
        return f"{sign}{whole} {symbol}"
    return f"{sign}{whole}.{fraction:0{digits}d} {symbol}"


async def set_price(
    session: AsyncSession, product_id: str, currency: str, amount: int, changed_by: int
) -> PriceChangeView:
    """Sets the price of a product (active or not) and records the change in the history.

    Validates like `parse_amount` (UNKNOWN_PRODUCT, WRONG_CURRENCY, NOT_POSITIVE, TOO_SMALL,
    TOO_LARGE). Setting the same amount again writes nothing (the view's `changed` is False).
    Orders already created keep the amount they were created with; pre-checkout refuses them
    (PRICE_CHANGED), so nobody pays an old price after a change.
    """
    check_amount(amount, currency)
    if await session.get(Product, product_id) is None:
        raise PriceRejected(PriceProblem.UNKNOWN_PRODUCT, product_id)
    price = await session.scalar(
        select(Price)
        .where(Price.product_id == product_id, Price.currency == currency)
        .with_for_update()
    )
    now = utcnow()
    old_amount = price.amount if price is not None else None
    if old_amount == amount:
        return PriceChangeView(None, product_id, currency, amount, amount, changed_by, now)
    if price is None:
        session.add(
            Price(
                product_id=product_id,
                currency=currency,
                amount=amount,
                updated_at=now,
                updated_by=changed_by,
            )
        )
    else:
        price.amount = amount
        price.updated_at = now
        price.updated_by = changed_by
    change = PriceChange(
        product_id=product_id,
        currency=currency,
        old_amount=old_amount,
        new_amount=amount,
        changed_by=changed_by,
        changed_at=now,
    )
    session.add(change)
    await audit.record(
        session,
        changed_by,
        AuditAction.PRICE_SET,
        f"{product_id} {currency}",
        before=None if old_amount is None else {"amount": old_amount},
        after={"amount": amount},
    )
    await session.flush()
    return _change_view(change)


async def price_history(
    session: AsyncSession, product_id: str | None = None, limit: int = 20
) -> list[PriceChangeView]:
    """Price changes, newest first; of one product, or of all."""
    query = select(PriceChange).order_by(PriceChange.changed_at.desc(), PriceChange.id.desc())
    if product_id is not None:
        query = query.where(PriceChange.product_id == product_id)
    return [_change_view(row) for row in await session.scalars(query.limit(limit))]


def _change_view(change: PriceChange) -> PriceChangeView:
    return PriceChangeView(
        id=change.id,
        product_id=change.product_id,
        currency=change.currency,
        old_amount=change.old_amount,
        new_amount=change.new_amount,
        changed_by=change.changed_by,
        changed_at=aware(change.changed_at),
    )
