"""What people are told once money moved: the payer's receipt and the admin group's note.

Used by the Telegram `successful_payment` handler and by YooKassa notifications (which arrive
outside any update, so they translate through the i18n core in the user's language).
"""

from __future__ import annotations

import logging
from html import escape
from typing import Any

from bot.config import Settings
from bot.registration import Translations
from bot.sender import OutgoingText, TelegramSender
from services.payments.catalog import format_amount
from services.payments.crediting import Credited

logger = logging.getLogger(__name__)


def receipt_text(core: Translations, language: str, credited: Credited, title: str) -> str:
    args: dict[str, Any] = {
        "title": escape(title),
        "price": format_amount(credited.amount, credited.currency),
        "credits": credited.credits_after,
        "payment": credited.payment_id,
    }
    text = core.get("paid-receipt", language, **args)
    if credited.subscription_until is not None:
        until = credited.subscription_until.strftime("%d.%m.%Y")
        text += "\n" + core.get("paid-subscription-until", language, until=until)
    return text


async def tell_admins(sender: TelegramSender, settings: Settings, text: str) -> None:
    """A short note in the admin group; a missing or unreachable group only gets logged."""
    if settings.admin_chat_id is None:
        return
    outcome = await sender.send(OutgoingText(settings.admin_chat_id, text, parse_mode="HTML"))
    if not outcome.sent:
        logger.warning("admin group %s not reachable: %s", settings.admin_chat_id, outcome.detail)


async def announce_payment(
    sender: TelegramSender, settings: Settings, core: Translations, language: str,
    credited: Credited, title: str, payer: str,
) -> None:  # fmt: skip
    receipt = receipt_text(core, language, credited, title)
    outcome = await sender.send(OutgoingText(credited.user_id, receipt, parse_mode="HTML"))
    if not outcome.sent:  # e.g. the user blocked the bot; the credit stands
        logger.warning(
            "receipt for payment %s not delivered: %s", credited.payment_id, outcome.detail
        )
    note = core.get(
        "paid-admin-note",
        settings.default_language,
        payer=escape(payer),
        user=credited.user_id,
        title=escape(title),
        price=format_amount(credited.amount, credited.currency),
        payment=credited.payment_id,
    )
    await tell_admins(sender, settings, note)
