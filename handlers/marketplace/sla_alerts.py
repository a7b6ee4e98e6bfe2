"""SLA alerts in the seller's group. The `marketplace-sla` job finds the waits owed a warning or
a breach, claims each once (services/marketplace/sla.py), and posts it through the one sender:
in the buyer's topic, as a reply to the message that waits, and in the group's "⏰ SLA" topic
with a link to the chat. The SLA topic is created on first use, its header pinned. An alert
that reached neither place (Telegram unavailable) is released for the next tick."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from aiogram.methods import DeleteForumTopic, PinChatMessage
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.registration import ModuleContext
from bot.sender import TelegramSender
from handlers.marketplace.outbox import TelegramDeskOutbox, delivery, topic_text
from handlers.marketplace.sla_text import (
    Translate,
    buyer_label,
    topic_link,
)
from handlers.marketplace.tools import TOOLS_KEY, MarketplaceTools, translations_for
from handlers.time_text import duration_text, local_moment
from services.marketplace.outbox import Delivery, DeliveryProblem
from services.marketplace.sla import (
    AlertKind,
    DueAlert,
    claim_alert,
    due_alerts,
    forget_sla_topic,
    keep_sla_topic,
    policy_of,
    release_alert,
)
from services.metrics import SLA_ALERTS


async def raise_due_alerts(context: ModuleContext) -> None:
    tools: MarketplaceTools = context.workflow_data[TOOLS_KEY]
    poster = AlertPoster(
        context.sender,
        context.session_factory,
        translations_for(context.i18n_core),
        tools.timezone,
    )
    await poster.raise_due(tools.clock())


def alert_text(translate: Translate, alert: DueAlert, now: datetime, timezone: ZoneInfo) -> str:
    key = "sla-alert-breach" if alert.kind is AlertKind.BREACH else "sla-alert-warning"
    return translate(
        key,
        marketplace=alert.marketplace.label,
        buyer=buyer_label(translate, alert.buyer_name, alert.order_number),
        metric=alert.metric.value,
        waited=duration_text(translate, now - alert.started_at),
        due=local_moment(alert.due_at, timezone, now),
        left=duration_text(translate, alert.due_at - now),
    )


class AlertPoster:
    def __init__(
        self,
        sender: TelegramSender,
        session_factory: async_sessionmaker[AsyncSession],
        translate_for: Callable[[str], Translate],
        desk_timezone: ZoneInfo,
    ) -> None:
        self.sender = sender
        self.session_factory = session_factory
        self.translate_for = translate_for
        self.desk_timezone = desk_timezone
        # Per run: each seller's SLA topic (once known or made) and time zone.
        self._sla_topics: dict[int, int | None] = {}
        self._timezones: dict[int, ZoneInfo] = {}
        self._no_topic: set[int] = set()

    async def raise_due(self, now: datetime) -> None:
        async with self.session_factory() as session:
            alerts = await due_alerts(session, now)
        for alert in alerts:
            async with self.session_factory() as session:
                if not await claim_alert(session, alert, now):
                    continue  # answered, closed, or raised elsewhere meanwhile
                timezone = await self._timezone(session, alert.seller_id)
            problem = await self._post(alert, now, timezone)
            if problem is None:
                SLA_ALERTS.labels(kind=alert.kind.value).inc()
            elif problem is DeliveryProblem.UNAVAILABLE:
                async with self.session_factory() as session:  # Telegram is down: next tick
                    await release_alert(session, alert)

    async def _timezone(self, session: AsyncSession, seller_id: int) -> ZoneInfo:
        if seller_id not in self._timezones:
            policy = await policy_of(session, seller_id, self.desk_timezone)
            self._timezones[seller_id] = policy.timezone
        return self._timezones[seller_id]

    async def _post(
        self, alert: DueAlert, now: datetime, timezone: ZoneInfo
    ) -> DeliveryProblem | None:
        """Posts the alert in both places; the problem when it reached neither (a refusal, such
        as lost rights, is not tried again; an outage is)."""
        translate = self.translate_for(alert.language)
        text = alert_text(translate, alert, now, timezone)
        in_topic = delivery(
            await self.sender.send(
                topic_text(
                    alert.group_chat_id, alert.topic_id, text, reply_to=alert.message_in_topic
                )
            )
        )
        link = topic_link(alert.group_chat_id, alert.topic_id)
        summary = f'{escape(text)}\n<a href="{link}">{escape(translate("sla-alert-open"))}</a>'
        in_sla_topic = await self._post_in_sla_topic(alert, translate, summary)
        if in_topic.delivered or in_sla_topic.delivered:
            return None
        return in_topic.problem

    async def _post_in_sla_topic(
        self, alert: DueAlert, translate: Translate, summary: str
    ) -> Delivery:
        for _ in range(2):  # a deleted SLA topic is made again, once
            topic_id = await self._sla_topic(alert, translate)
            if topic_id is None:
                return Delivery(problem=DeliveryProblem.UNAVAILABLE)
            posted = delivery(
                await self.sender.send(
                    topic_text(alert.group_chat_id, topic_id, summary, parse_mode="HTML")
                )
            )
            if posted.problem is not DeliveryProblem.TOPIC_GONE:
                return posted
            await self._forget_sla_topic(alert.seller_id, topic_id)
        return posted

    async def _sla_topic(self, alert: DueAlert, translate: Translate) -> int | None:
        if alert.seller_id not in self._sla_topics:
            self._sla_topics[alert.seller_id] = alert.sla_topic_id
        if self._sla_topics[alert.seller_id] is None and alert.seller_id not in self._no_topic:
            self._sla_topics[alert.seller_id] = await self._open_sla_topic(alert, translate)
            if self._sla_topics[alert.seller_id] is None:
                self._no_topic.add(alert.seller_id)  # not again in this run
        return self._sla_topics[alert.seller_id]

    async def _open_sla_topic(self, alert: DueAlert, translate: Translate) -> int | None:
        chat_id = alert.group_chat_id
        opened = await TelegramDeskOutbox(self.sender).open_topic(
            chat_id, translate("sla-topic-name")
        )
        if opened.message_id is None:
            return None
        header = delivery(
            await self.sender.send(
                topic_text(chat_id, opened.message_id, translate("sla-topic-header"))
            )
        )
        if header.message_id is not None:  # pinned in the topic: what it is for, at its top
            await self.sender.send(
                PinChatMessage(
                    chat_id=chat_id, message_id=header.message_id, disable_notification=True
                )
            )
        async with self.session_factory() as session:
            kept = await keep_sla_topic(session, alert.seller_id, opened.message_id)
        if kept != opened.message_id:  # another process made one meanwhile: its topic it is
            await self.sender.send(
                DeleteForumTopic(chat_id=chat_id, message_thread_id=opened.message_id)
            )
        return kept

    async def _forget_sla_topic(self, seller_id: int, topic_id: int) -> None:
        self._sla_topics[seller_id] = None
        async with self.session_factory() as session:
            await forget_sla_topic(session, seller_id, topic_id)
