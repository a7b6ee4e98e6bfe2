"""Spoken answers: a voice note, audio file or video note becomes a transcript the user
confirms (Use it / Edit / Record again); the confirmed text is scored like a typed answer and
the delivery (pace, fillers, pauses) is kept with it.

Nothing said is lost: the transcript waits in FSM data until the user decides, and when
speech recognition fails (the provider keeps failing and the offline model is refused or
crashed), the bot asks for a typed answer instead of guessing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from html import escape
from io import BytesIO
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.chat_action import ChatActionSender
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from handlers.filters import PLAIN_TEXT, Magic
from handlers.interview.callbacks import VoiceAction
from handlers.interview.common import PENDING_VOICE, interview_in_state
from handlers.interview.keyboards import transcript_choice
from handlers.interview.question_voice import QuestionVoice
from handlers.interview.states import Interviewing
from handlers.interview.turns import score_and_continue
from services.interview.evaluation import Evaluator
from services.interview.sessions import Turn, current_turn
from services.models import InterviewSession, User
from services.speech import (
    AudioRejected,
    HearingStep,
    SpeechMetrics,
    SpeechToText,
    SpeechUnavailable,
    hear_answer,
)

logger = logging.getLogger(__name__)

# Telegram lets bots download files up to 20 MB through getFile.
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
# A transcript is shown up to this many characters (a message holds 4096); all of it is scored.
SHOWN_TRANSCRIPT_CHARS = 2500
MAX_SPOKEN_ANSWER_CHARS = 12_000

AUDIO_DOCUMENT = F.document.mime_type.startswith("audio/") | F.document.file_name.regexp(
    r"(?i)\.(ogg|oga|opus|mp3|m4a|wav|flac|webm|aac)$"
)
SPOKEN = Magic(F.voice | F.audio | F.video_note | AUDIO_DOCUMENT)
ANSWERING = StateFilter(Interviewing.answering, Interviewing.editing_transcript)


@dataclass(frozen=True)
class Recording:
    """The file of a spoken answer, as Telegram describes it before download."""

    file_id: str
    duration: int | None
    file_size: int | None

    @classmethod
    def of(cls, message: Message) -> Recording:
        media = message.voice or message.audio or message.video_note or message.document
        assert media is not None  # guaranteed by the SPOKEN filter
        return cls(media.file_id, getattr(media, "duration", None), media.file_size)


async def answer_voice(
    message: Message, bot: Bot, i18n: I18nContext, session: AsyncSession, state: FSMContext,
    settings: Settings, user: User, speech_to_text: SpeechToText,
) -> None:  # fmt: skip
    interview = await interview_in_state(state, session, user)
    turn = current_turn(interview) if interview is not None else None
    if interview is None or turn is None:
        await state.clear()
        await message.answer(i18n.get("interview-already-finished"))
        return
    recording = Recording.of(message)
    limit = settings.voice_max_duration_seconds
    if recording.duration is not None and recording.duration > limit:
        await message.reply(
            i18n.get("voice-too-long", minutes=_minutes(recording.duration), limit=_minutes(limit))
        )
        return
    if recording.file_size is not None and recording.file_size > MAX_DOWNLOAD_BYTES:
        await message.reply(i18n.get("voice-too-big"))
        return

    status = await message.reply(i18n.get("voice-status-downloading"))

    async def report(step: HearingStep) -> None:
        await _edit(status, i18n.get(f"voice-status-{step.value}"))

    async with ChatActionSender.typing(bot=bot, chat_id=message.chat.id):
        try:
            data = await _download(bot, recording.file_id)
            heard = await hear_answer(
                data,
                language=interview.language,
                stt=speech_to_text,
                max_duration_s=limit,
                on_step=report,
            )
        except _DownloadFailed:
            await _edit(status, i18n.get("voice-too-big"))
            return
        except AudioRejected as rejected:
            logger.info(
                "voice answer rejected (%s) for user %s", rejected.problem, user.telegram_id
            )
            await _edit(
                status,
                i18n.get(
                    f"voice-problem-{rejected.problem.value.replace('_', '-')}",
                    limit=_minutes(limit),
                ),
            )
            return
        except SpeechUnavailable as unavailable:
            logger.warning("no speech service for user %s: %s", user.telegram_id, unavailable)
            await _edit(status, i18n.get("voice-unavailable"))
            return

    text = heard.transcript.text.strip()[:MAX_SPOKEN_ANSWER_CHARS]
    await state.set_state(Interviewing.answering)
    await state.update_data(
        {
            PENDING_VOICE: {
                "interview": interview.id,
                "position": turn.position,
                "follow_up": turn.follow_up is not None,
                "text": text,
                "speech": heard.metrics.to_json(),
                "message_id": status.message_id,
            }
        }
    )
    await _edit(
        status,
        render_transcript(i18n, text, heard.metrics),
        reply_markup=transcript_choice(
            i18n, interview.id, turn.position, follow_up=turn.follow_up is not None
        ),
    )


def render_transcript(i18n: I18nContext, text: str, metrics: SpeechMetrics) -> str:
    shown = text if len(text) <= SHOWN_TRANSCRIPT_CHARS else text[:SHOWN_TRANSCRIPT_CHARS] + "…"
    parts = [
        i18n.get("voice-transcript", text=escape(shown)),
        delivery_summary(i18n, metrics),
        i18n.get("voice-confirm"),
    ]
    if len(text) > SHOWN_TRANSCRIPT_CHARS:
        parts.insert(1, i18n.get("voice-transcript-shortened"))
    return "\n\n".join(parts)


def delivery_summary(i18n: I18nContext, metrics: SpeechMetrics) -> str:
    top = ", ".join(f"{escape(word)} ×{count}" for word, count in metrics.top_fillers)
    return i18n.get(
        "voice-delivery",
        speaking=_clock(metrics.speech_s),
        wpm=round(metrics.wpm),
        pace=i18n.get(f"voice-pace-{metrics.pace.value}"),
        fillers=f"{metrics.fillers_per_min:.1f}",
        top=top or "—",
        pauses=metrics.long_pauses,
        tip=i18n.get(f"voice-tip-{metrics.tip.value}"),
    )


async def transcript_action(
    query: CallbackQuery, callback_data: VoiceAction, bot: Bot, i18n: I18nContext,
    session: AsyncSession, state: FSMContext, user: User, evaluator: Evaluator,
    question_voice: QuestionVoice | None,
) -> None:  # fmt: skip
    pending = await _pending_for(state, session, user, callback_data)
    if pending is None:
        await query.answer(i18n.get("voice-transcript-outdated"))
        return
    interview, answer = pending
    message = query.message if isinstance(query.message, Message) else None
    if callback_data.action == "again":
        await query.answer()
        await state.update_data({PENDING_VOICE: None})
        await state.set_state(Interviewing.answering)
        if message is not None:
            await _edit(message, i18n.get("voice-record-again"))
        return
    if callback_data.action == "edit":
        await query.answer()
        await state.set_state(Interviewing.editing_transcript)
        await bot.send_message(
            user.telegram_id, i18n.get("voice-edit-prompt", text=escape(answer["text"][:3500]))
        )
        return
    await query.answer()
    if message is not None:
        await bot.edit_message_reply_markup(
            chat_id=user.telegram_id, message_id=message.message_id, reply_markup=None
        )
    await state.update_data({PENDING_VOICE: None})
    await score_and_continue(
        bot, i18n, session, state, user, evaluator, question_voice, interview, answer["text"],
        source="voice", reply_to=answer["message_id"], speech=answer["speech"],
    )  # fmt: skip


async def corrected_transcript(
    message: Message, bot: Bot, i18n: I18nContext, session: AsyncSession, state: FSMContext,
    user: User, evaluator: Evaluator, question_voice: QuestionVoice | None,
) -> None:  # fmt: skip
    """The text sent after Edit: the answer, with the delivery measured from the recording."""
    waiting = await _waiting_transcript(state, session, user)
    if waiting is None:
        await state.set_state(Interviewing.answering)
        await message.reply(i18n.get("voice-transcript-outdated"))
        return
    interview, _, answer = waiting
    text = (message.text or "").strip()
    if not text:
        await message.reply(i18n.get("interview-empty-answer"))
        return
    await state.update_data({PENDING_VOICE: None})
    await state.set_state(Interviewing.answering)
    await score_and_continue(
        bot, i18n, session, state, user, evaluator, question_voice, interview,
        text[:MAX_SPOKEN_ANSWER_CHARS], source="voice", reply_to=message.message_id,
        speech=answer["speech"],
    )  # fmt: skip


async def _waiting_transcript(
    state: FSMContext, session: AsyncSession, user: User
) -> tuple[InterviewSession, Turn, dict[str, Any]] | None:
    """The transcript waiting for the user's decision, if it belongs to the current turn."""
    answer = (await state.get_data()).get(PENDING_VOICE)
    interview = await interview_in_state(state, session, user)
    turn = current_turn(interview) if interview is not None else None
    if interview is None or turn is None or answer is None:
        return None
    if not _belongs_to(answer, interview, turn.position):
        return None
    return interview, turn, answer


async def _pending_for(
    state: FSMContext, session: AsyncSession, user: User, action: VoiceAction
) -> tuple[InterviewSession, dict[str, Any]] | None:
    """The waiting transcript this button is under, if its turn is still the current one."""
    waiting = await _waiting_transcript(state, session, user)
    if waiting is None:
        return None
    interview, turn, answer = waiting
    if (
        interview.id != action.interview
        or turn.position != action.position
        or (turn.follow_up is not None) != action.follow_up
    ):
        return None
    return interview, answer


def _belongs_to(answer: dict[str, Any], interview: InterviewSession, position: int) -> bool:
    return (
        answer.get("interview") == interview.id
        and answer.get("position") == position
        and answer.get("follow_up") == (interview.follow_up is not None)
    )


class _DownloadFailed(Exception):
    pass


async def _download(bot: Bot, file_id: str) -> bytes:
    try:
        buffer = await bot.download(file_id, destination=BytesIO())
    except TelegramBadRequest as error:  # "file is too big" and friends
        raise _DownloadFailed(error.message) from error
    assert buffer is not None
    return buffer.getvalue()


async def _edit(message: Message, text: str, **kwargs: Any) -> None:
    try:
        await message.edit_text(text, **kwargs)
    except TelegramBadRequest as error:
        if "message is not modified" not in error.message:
            raise


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f}" if seconds >= 60 else f"{seconds / 60:.1f}"


def _clock(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def register(router: Router) -> None:
    router.message.register(answer_voice, ANSWERING, SPOKEN)
    router.message.register(
        corrected_transcript, StateFilter(Interviewing.editing_transcript), PLAIN_TEXT
    )
    router.callback_query.register(transcript_action, VoiceAction.filter())
