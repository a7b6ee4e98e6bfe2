"""How SLA figures read in the group: a buyer chat's label and a link to its topic (durations
and moments: handlers/time_text.py). `translate` is `i18n.get` in a handler, or a
seller-language translator in a job."""

from __future__ import annotations

from handlers.time_text import Translate


def buyer_label(translate: Translate, buyer_name: str | None, order_number: str | None) -> str:
    name = buyer_name or translate("sla-buyer-unnamed")
    return translate("sla-buyer-order", buyer=name, order=order_number) if order_number else name


def topic_link(group_chat_id: int, topic_id: int) -> str:
    """A t.me link that opens the topic for the group's members (a supergroup's id without its
    -100 prefix)."""
    internal = str(abs(group_chat_id))
    if internal.startswith("100") and len(internal) > 10:
        internal = internal[3:]
    return f"https://t.me/c/{internal}/{topic_id}"
