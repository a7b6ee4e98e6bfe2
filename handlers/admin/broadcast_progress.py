"""A running broadcast in the admin group: its progress message (edited every few seconds),
Pause / Resume / Cancel for any admin, and the report at its end.

The sending itself is `services.broadcasts.delivery.BroadcastRunner`; this part gives it its
outbox over the one sender (bulk lane for users, the interactive lane for the admin group) and
the texts, always in the operator's language.
"""

from __future__ import annotations

import html
from collections.abc import Awaitable
from datetime import timedelta
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.methods import EditMessageText, SendMessage
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, ReplyParameters
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.registration import ModuleContext, Translations
from bot.sender import Lane, SendFailure, SendOutcome, TelegramSender
from handlers.admin.broadcast_message import broadcast_call
from handlers.admin_group import admin_text
from handlers.screens import show
from handlers.time_text import Translate, seconds_text
from services.audit import AuditAction
from services.broadcasts.control import (
    BroadcastProgress,
    ControlRefused,
    RecipientState,
    change_broadcast,
    read_progress,
)
from services.broadcasts.delivery import BroadcastRunner, Delivery
from services.broadcasts.drafts import (
    Audience,
    BroadcastMessage,
    BroadcastStatus,
)
from services.languages import SUPPORTED_LANGUAGES
from services.models.broadcast import Broadcast

BROADCASTS_KEY = "broadcasts"
MAX_CLAIM = 200
# Telegram's answer when an edit changes nothing: the message already shows this.
NOT_MODIFIED = "message is not modified"


class BroadcastControl(CallbackData, prefix="admp"):
    action: str  # pause | resume | cancel (asks first) | cancel_sure | keep
    broadcast_id: int


class BroadcastDesk:
    """The process's broadcast runner, as workflow data (handlers get it as `broadcasts`).
    Made on first use: the sender exists once polling or the webhook has started."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.runner: BroadcastRunner | None = None

    def runner_for(
        self,
        sender: TelegramSender,
        session_factory: async_sessionmaker[AsyncSession],
        translations: Translations,
    ) -> BroadcastRunner:
        if self.runner is None:
            outbox = TelegramBroadcastOutbox(sender, translations, self.settings)
            self.runner = BroadcastRunner(
                session_factory,
                outbox,
                # About two seconds of sending queued: pausing takes effect that fast.
                claim_size=min(MAX_CLAIM, round(2 * self.settings.overall_sends_per_second)),
                progress_every=timedelta(seconds=self.settings.broadcast_progress_seconds),
            )
        return self.runner

    async def wind_down(self) -> None:
        if self.runner is not None:
            await self.runner.wind_down()

    async def close(self) -> None:
        if self.runner is not None:
            await self.runner.close()

    async def act_now(self, broadcast_id: int) -> None:
        """After an admin started, paused, resumed or cancelled the broadcast (committed): the
        progress message shows it, and sending starts, resumes or ends at once rather than at
        the next tick. Before the runner's first tick (seconds after start-up) that tick does
        both."""
        if self.runner is not None:
            self.runner.wake()
            await self.runner.show_progress_now(broadcast_id)


async def run_broadcasts(context: ModuleContext) -> None:
    """The scheduled tick: resumes broadcasts after a restart and ends finished ones."""
    desk: BroadcastDesk = context.workflow_data[BROADCASTS_KEY]
    await desk.runner_for(context.sender, context.session_factory, context.i18n_core).tick()


class TelegramBroadcastOutbox:
    def __init__(self, sender: TelegramSender, translations: Translations, settings: Settings):
        self.sender = sender
        self.translations = translations
        self.settings = settings
        # What each progress message shows now, as far as this process knows: an edit that
        # would change nothing is not sent (Telegram refuses it, and it costs a send).
        self._shown: dict[int, str] = {}

    def translate(self, key: str, **values: Any) -> str:
        return self.translations.get(key, self.settings.default_language, **values)

    def deliver(self, user_id: int, message: BroadcastMessage) -> Awaitable[Delivery]:
        return _delivery(self.sender.submit(broadcast_call(user_id, message), Lane.BULK))

    async def show_progress(self, broadcast: Broadcast, progress: BroadcastProgress) -> int | None:
        text = progress_text(self.translate, self.settings, broadcast, progress)
        markup = progress_buttons(self.translate, broadcast.id, progress.status)
        message_id = broadcast.progress_message_id or None  # 0: being posted, none yet
        if message_id is not None and self._shown.get(broadcast.id) == text:
            return message_id
        if message_id is not None:
            edit = EditMessageText(
                chat_id=broadcast.admin_chat_id, message_id=message_id, text=text,
                reply_markup=markup,
            )  # fmt: skip
            outcome = await self.sender.send(edit)
            if outcome.sent or NOT_MODIFIED in outcome.detail:
                self._shown[broadcast.id] = text
                return message_id
            if outcome.failure is not SendFailure.REJECTED:
                return message_id  # Telegram is away; the next edit tries again
            # The message was deleted: the progress goes on in a new one.
        posted = await self.sender.send(
            SendMessage(
                chat_id=broadcast.admin_chat_id,
                message_thread_id=broadcast.admin_thread_id,
                text=text,
                reply_markup=markup,
            )
        )
        if posted.sent:
            self._shown[broadcast.id] = text
        return posted.message_id

    async def report_end(self, broadcast: Broadcast, progress: BroadcastProgress) -> int | None:
        key = (
            "bcast-report-cancelled"
            if progress.status is BroadcastStatus.CANCELLED
            else "bcast-report-finished"
        )
        reply = (
            ReplyParameters(
                message_id=broadcast.progress_message_id, allow_sending_without_reply=True
            )
            if broadcast.progress_message_id
            else None
        )
        reported = await self.sender.send(
            SendMessage(
                chat_id=broadcast.admin_chat_id,
                message_thread_id=broadcast.admin_thread_id,
                text=self.translate(key, id=str(broadcast.id), **progress.counts()),
                reply_parameters=reply,
            )
        )
        return reported.message_id


async def _delivery(pending: Awaitable[SendOutcome]) -> Delivery:
    outcome = await pending
    if outcome.sent:
        return Delivery(RecipientState.SENT, message_id=outcome.message_id)
    match outcome.failure:
        case SendFailure.STOPPED:
            return Delivery(None)
        case SendFailure.BLOCKED:
            return Delivery(RecipientState.BLOCKED, detail=outcome.detail)
        case SendFailure.DEACTIVATED:
            return Delivery(RecipientState.DEACTIVATED, detail=outcome.detail)
        case SendFailure.UNANSWERED:  # it may have arrived: not sent again
            return Delivery(RecipientState.UNCONFIRMED, detail=outcome.detail)
    return Delivery(RecipientState.FAILED, detail=f"{outcome.failure}: {outcome.detail}")


def audience_name(translate: Translate, audience: Audience) -> str:
    """ "All users", "Language: 🇬🇧 English", "Inactive for 30 days" ... (the draft card's
    words too)."""
    language = audience.language or ""
    if language in SUPPORTED_LANGUAGES:
        language = translate(f"language-name-{language}")
    return translate(
        f"broadcast-audience-{audience.kind.value.replace('_', '-')}",
        language=language,
        days=audience.inactive_days or 0,
    )


def progress_text(
    translate: Translate, settings: Settings, broadcast: Broadcast, progress: BroadcastProgress
) -> str:
    lines = [
        translate(f"bcast-progress-{progress.status.value}", id=str(broadcast.id)),
        translate(
            "bcast-progress-audience",
            audience=html.escape(audience_name(translate, Audience.of(broadcast))),
            total=progress.total,
        ),
        translate("bcast-progress-sent", **progress.counts()),
    ]
    for state, count in (
        ("blocked", progress.blocked),
        ("deactivated", progress.deactivated),
        ("failed", progress.failed),
        ("unconfirmed", progress.unconfirmed),
    ):
        if count:
            lines.append(translate(f"bcast-progress-{state}", count=count))
    if progress.remaining:
        lines.append(translate("bcast-progress-remaining", count=progress.remaining))
    left = progress.seconds_left(settings.overall_sends_per_second)
    if left is not None and progress.status is BroadcastStatus.RUNNING:
        lines.append(translate("bcast-progress-time-left", left=seconds_text(translate, left)))
    if progress.status.over and progress.started_at and progress.finished_at:
        took = int((progress.finished_at - progress.started_at).total_seconds())
        lines.append(translate("bcast-progress-took", took=seconds_text(translate, took)))
    return "\n".join(lines)


def progress_buttons(
    translate: Translate, broadcast_id: int, status: BroadcastStatus, *, asking_cancel: bool = False
) -> InlineKeyboardMarkup | None:
    if status.over:
        return None
    builder = InlineKeyboardBuilder()

    def button(key: str, action: str) -> None:
        builder.button(
            text=translate(key),
            callback_data=BroadcastControl(action=action, broadcast_id=broadcast_id),
        )

    if asking_cancel:
        button("bcast-button-cancel-sure", "cancel_sure")
        button("bcast-button-keep", "keep")
    else:
        if status is BroadcastStatus.RUNNING:
            button("bcast-button-pause", "pause")
        else:
            button("bcast-button-resume", "resume")
        button("bcast-button-cancel", "cancel")
    builder.adjust(2)
    return builder.as_markup()


def operator_translate(i18n: I18nContext, settings: Settings) -> Translate:
    def translate(key: str, **values: Any) -> str:
        return admin_text(i18n, settings, key, **values)

    return translate


CHANGES = {
    "pause": AuditAction.BROADCAST_PAUSE,
    "resume": AuditAction.BROADCAST_RESUME,
    "cancel_sure": AuditAction.BROADCAST_CANCEL,
}


async def on_change(
    query: CallbackQuery,
    callback_data: BroadcastControl,
    bot: Bot,
    session: AsyncSession,
    settings: Settings,
    i18n: I18nContext,
    broadcasts: BroadcastDesk,
) -> None:
    translate = operator_translate(i18n, settings)
    broadcast_id = callback_data.broadcast_id
    try:
        await change_broadcast(
            session, broadcast_id, query.from_user.id, CHANGES[callback_data.action]
        )
    except ControlRefused as refused:  # refused before writing anything
        state = refused.status.value if refused.status else "missing"
        await query.answer(translate(f"bcast-refused-{state}"), show_alert=True)
        return
    await session.commit()
    if callback_data.action == "cancel_sure":  # pressed under the question, not the progress
        await show(query, translate("bcast-cancel-done", id=str(broadcast_id)))
    else:
        await query.answer(translate(f"bcast-done-{callback_data.action}"))
    await broadcasts.act_now(broadcast_id)


async def on_cancel_asked(
    query: CallbackQuery,
    callback_data: BroadcastControl,
    session: AsyncSession,
    settings: Settings,
    i18n: I18nContext,
) -> None:
    """Cancelling cannot be undone: asked in a message of its own under the progress, whose
    buttons the running broadcast keeps editing."""
    translate = operator_translate(i18n, settings)
    progress = await read_progress(session, callback_data.broadcast_id)
    if progress is None or progress.status.over:
        state = progress.status.value if progress else "missing"
        await query.answer(translate(f"bcast-refused-{state}"), show_alert=True)
        return
    await query.answer()
    assert query.message is not None
    await query.message.answer(
        translate(
            "bcast-cancel-question", id=str(callback_data.broadcast_id), count=progress.remaining
        ),
        reply_markup=progress_buttons(
            translate, callback_data.broadcast_id, progress.status, asking_cancel=True
        ),
        reply_parameters=ReplyParameters(
            message_id=query.message.message_id, allow_sending_without_reply=True
        ),
    )


async def on_cancel_kept(query: CallbackQuery, settings: Settings, i18n: I18nContext) -> None:
    await show(query, operator_translate(i18n, settings)("bcast-cancel-kept"))


def register(router: Router) -> None:
    router.callback_query.register(on_change, BroadcastControl.filter(F.action.in_(set(CHANGES))))
    router.callback_query.register(on_cancel_asked, BroadcastControl.filter(F.action == "cancel"))
    router.callback_query.register(on_cancel_kept, BroadcastControl.filter(F.action == "keep"))
