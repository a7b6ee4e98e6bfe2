"""A seller's own reply templates per buyer intent: the defaults copied in once, then theirs to
add, edit and delete. See `reply_templates` for the syntax and the defaults."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.marketplace.intents import Intent
from services.marketplace.reply_templates import default_templates
from services.models.base import utcnow
from services.models.marketplace import ReplyTemplate, Seller

TEMPLATE_LIMIT = 1000  # characters; longer texts are refused
INTENT_LIMIT = 20  # templates per intent an admin may have (what one screen of buttons holds)

_INTENT_ORDER = {intent: position for position, intent in enumerate(Intent)}


@dataclass(frozen=True)
class SavedTemplate:
    id: int
    intent: Intent
    text: str


def _saved(row: ReplyTemplate) -> SavedTemplate | None:
    try:
        intent = Intent(row.intent)
    except ValueError:  # an intent that is no longer known: not shown
        return None
    return SavedTemplate(id=row.id, intent=intent, text=row.text)


async def _seed_once(session: AsyncSession, seller_id: int, language: str) -> None:
    """Copies in the defaults the first time; a compare-and-set on `templates_seeded_at`, so two
    first calls at once seed one set, and deleting them all keeps them gone."""
    result = await session.execute(
        update(Seller)
        .where(Seller.id == seller_id, Seller.templates_seeded_at.is_(None))
        .values(templates_seeded_at=utcnow())
    )
    if not result.rowcount:
        await session.commit()  # ends the no-op update's transaction (SQLite's write lock)
        return
    for intent, texts in default_templates(language).items():
        for text in texts:
            session.add(ReplyTemplate(seller_id=seller_id, intent=intent.value, text=text))
    await session.commit()


async def templates_of(session: AsyncSession, seller_id: int, language: str) -> list[SavedTemplate]:
    """The seller's templates, by intent (in `Intent` order), then oldest first."""
    seeded = await session.scalar(select(Seller.templates_seeded_at).where(Seller.id == seller_id))
    if seeded is None:
        await _seed_once(session, seller_id, language)
    rows = (
        await session.scalars(
            select(ReplyTemplate)
            .where(ReplyTemplate.seller_id == seller_id)
            .order_by(ReplyTemplate.id)
        )
    ).all()
    saved = [template for template in map(_saved, rows) if template is not None]
    saved.sort(key=lambda template: (_INTENT_ORDER[template.intent], template.id))
    return saved


async def add_template(
    session: AsyncSession, seller_id: int, intent: Intent, text: str
) -> SavedTemplate | None:
    """The added template; None when the intent holds `INTENT_LIMIT` templates already."""
    count = await session.scalar(
        select(func.count())
        .select_from(ReplyTemplate)
        .where(ReplyTemplate.seller_id == seller_id, ReplyTemplate.intent == intent.value)
    )
    if (count or 0) >= INTENT_LIMIT:
        return None
    row = ReplyTemplate(seller_id=seller_id, intent=intent.value, text=text)
    session.add(row)
    await session.commit()
    return SavedTemplate(id=row.id, intent=intent, text=row.text)


async def edit_template(
    session: AsyncSession, seller_id: int, template_id: int, text: str
) -> SavedTemplate | None:
    """The edited template; None when there is no such template of this seller."""
    row = await session.scalar(
        select(ReplyTemplate).where(
            ReplyTemplate.id == template_id, ReplyTemplate.seller_id == seller_id
        )
    )
    if row is None:
        return None
    row.text = text
    await session.commit()
    return _saved(row)


async def delete_template(session: AsyncSession, seller_id: int, template_id: int) -> bool:
    """True when this seller had the template."""
    result = await session.execute(
        delete(ReplyTemplate).where(
            ReplyTemplate.id == template_id, ReplyTemplate.seller_id == seller_id
        )
    )
    await session.commit()
    return bool(result.rowcount)
