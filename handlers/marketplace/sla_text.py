"""How SLA figures read in the group: durations ("1 h 30 min"), moments in the seller's time
zone, a buyer chat's label and a link to its topic. `translate` is `i18n.get` in a handler,
or a seller-language translator in a job."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from services.marketplace.sla_input import format_duration_parts

Translate = Callable[..., str]


def duration_text(translate: Translate, value: timedelta) -> str:
    """Days, hours and minutes that are not zero ("0 min" for less than a minute)."""
    days, hours, minutes = format_duration_parts(abs(value))
    parts = [
        translate(key, count=count)
        for key, count in (("sla-days", days), ("sla-hours", hours), ("sla-minutes", minutes))
        if count
    ]
    return " ".join(parts) or translate("sla-minutes", count=0)


def local_moment(moment: datetime, timezone: ZoneInfo, now: datetime) -> str:
    """ "15:30" today, "05.12 15:30" another day (both in the seller's time zone)."""
    local = moment.astimezone(timezone)
    if local.date() == now.astimezone(timezone).date():
        return local.strftime("%H:%M")
    return local.strftime("%d.%m %H:%M")


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
