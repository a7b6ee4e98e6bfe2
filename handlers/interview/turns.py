"""Answering: text answers, Skip, Bookmark, End (confirmed), and continuing after a break."""

from __future__ import annotations

import logging
from html import escape
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyParameters
from aiogram.utils.chat_action import ChatActionSender
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from handlers.filters import NO_TEXT, PLAIN_TEXT
from handlers.interview.callbacks import ResumeAction, TurnAction
from handlers.interview.common import (
    PENDING_VOICE,
    ask,
    charge_back_lines,
    interview_in_state,
    translator,
)
from handlers.interview.finish import deliver_results
from handlers.interview.keyboards import confirm_end, resume_offer
from handlers.interview.question_voice import QuestionVoice
from handlers.interview.states import Interviewing
from handlers.screens import show
from services.interview.bookmarks import toggle_bookmark
from services.interview.evaluation import Evaluator
from services.interview.feedback import render_feedback_html
from services.interview.sessions import (
    InterviewClosed,
    Status,
    active_interview,
    append_to_previous_answer,
    current_turn,
    finish,
    get_interview,
    skip,
    submit_answer,
    was_written_before_current_turn,
)
from services.models import InterviewSession, User
from services.users import record_start_source

logger = logging.getLogger(__name__)

# Longer than Telegram allows in one message, so only reachable through a forged update.
MAX_ANSWER_CHARS = 4096


async def answer_text(
    message: Message, bot: Bot, i18n: I18nContext, session: AsyncSession, state: FSMContext,
    user: User, evaluator: Evaluator, question_voice: QuestionVoice | None,
) -> None:  # fmt: skip
    interview = await interview_in_state(state, session, user)
    if interview is None or interview.status != Status.ACTIVE:
        await state.clear()
        await message.answer(i18n.get("interview-already-finished"))
        return
    text = (message.text or "").strip()
    if was_written_before_current_turn(interview, message.message_id):
        # Sent while the previous answer was being scored: it belongs to that answer.
        number = await append_to_previous_answer(session, interview, text)
        if number is None:  # written before the first question: e.g. a long paste split in two
            await message.reply(i18n.get("interview-early-message"))
        else:
            await message.reply(i18n.get("interview-late-message", number=number))
        return
    if not text:
        await message.reply(i18n.get("interview-empty-answer"))
        return
    await state.update_data({PENDING_VOICE: None})  # a typed answer replaces a transcript
    await score_and_continue(
        bot, i18n, session, state, user, evaluator, question_voice, interview,
        text[:MAX_ANSWER_CHARS], source="text", reply_to=message.message_id,
    )  # fmt: skip


async def score_and_continue(
    bot: Bot, i18n: I18nContext, session: AsyncSession, state: FSMContext, user: User,
    evaluator: Evaluator, question_voice: QuestionVoice | None, interview: InterviewSession,
    text: str, *, source: str,
    reply_to: int, speech: dict[str, Any] | None = None,
) -> None:  # fmt: skip
    """Scores the answer to the current turn (typed, or a confirmed transcript), replies to
    `reply_to` with the feedback, then asks the next turn or delivers the results."""
    chat_id = user.telegram_id
    async with ChatActionSender.typing(bot=bot, chat_id=chat_id):
        try:
            outcome = await submit_answer(
                session, interview, text, source=source, evaluator=evaluator,
                translate=translator(i18n), speech=speech,
            )  # fmt: skip
        except InterviewClosed:
            await state.clear()
            await bot.send_message(chat_id, i18n.get("interview-already-finished"))
            return
    await bot.send_message(
        chat_id,
        render_feedback_html(
            outcome.evaluation,
            translator(i18n),
            number=outcome.turn.number,
            total=outcome.turn.total,
            follow_up=outcome.turn.follow_up is not None,
        ),
        reply_parameters=ReplyParameters(message_id=reply_to, allow_sending_without_reply=True),
    )
    await _continue(bot, i18n, session, state, user, interview, question_voice)


async def _continue(
    bot: Bot, i18n: I18nContext, session: AsyncSession, state: FSMContext, user: User,
    interview: InterviewSession, question_voice: QuestionVoice | None,
) -> None:  # fmt: skip
    """Asks the next turn, or delivers the results when the interview is over."""
    turn = current_turn(interview)
    if turn is not None:
        await ask(bot, user, session, state, i18n, interview, turn, question_voice)
        return
    await state.clear()
    await deliver_results(bot, user.telegram_id, i18n, session, user, interview)


async def unexpected_content(message: Message, i18n: I18nContext) -> None:
    """A sticker, photo or file while a question waits for an answer."""
    logger.info("non-text answer (%s) from user %s", message.content_type, message.chat.id)
    await message.reply(i18n.get("interview-answer-with-text"))


async def _turn_of_button(
    query: CallbackQuery, callback_data: TurnAction, i18n: I18nContext, session: AsyncSession,
    user: User,
) -> InterviewSession | None:  # fmt: skip
    """The interview, if the button belongs to its current turn; otherwise tells the user."""
    interview = await get_interview(session, callback_data.interview, user.telegram_id)
    turn = current_turn(interview) if interview is not None else None
    if (
        interview is None
        or turn is None
        or turn.position != callback_data.position
        or (turn.follow_up is not None) != callback_data.follow_up
    ):
        await query.answer(i18n.get("interview-button-outdated"), show_alert=True)
        return None
    return interview


async def skip_turn(
    query: CallbackQuery, callback_data: TurnAction, bot: Bot, i18n: I18nContext,
    session: AsyncSession, state: FSMContext, user: User, question_voice: QuestionVoice | None,
) -> None:  # fmt: skip
    interview = await _turn_of_button(query, callback_data, i18n, session, user)
    if interview is None:
        return
    await skip(session, interview)
    await query.answer(i18n.get("interview-skipped"))
    if query.message is not None:
        await bot.edit_message_reply_markup(
            chat_id=user.telegram_id, message_id=query.message.message_id, reply_markup=None
        )
    await _continue(bot, i18n, session, state, user, interview, question_voice)


async def bookmark_turn(
    query: CallbackQuery, callback_data: TurnAction, i18n: I18nContext, session: AsyncSession,
    user: User,
) -> None:  # fmt: skip
    interview = await _turn_of_button(query, callback_data, i18n, session, user)
    turn = current_turn(interview) if interview is not None else None
    if turn is None:
        return
    if turn.question.question_id is None:
        await query.answer(i18n.get("interview-cannot-bookmark"))
        return
    saved = await toggle_bookmark(session, user.telegram_id, turn.question.question_id)
    await query.answer(i18n.get("interview-bookmarked" if saved else "interview-unbookmarked"))


async def end_turn(
    query: CallbackQuery, callback_data: TurnAction, i18n: I18nContext, session: AsyncSession,
    user: User,
) -> None:  # fmt: skip
    interview = await _turn_of_button(query, callback_data, i18n, session, user)
    if interview is None:
        return
    await query.answer()
    if query.message is not None:
        await query.bot.send_message(  # type: ignore[union-attr]
            user.telegram_id,
            i18n.get("interview-confirm-end"),
            reply_markup=confirm_end(
                i18n, interview.id, callback_data.position, callback_data.follow_up
            ),
        )


async def end_confirmed(
    query: CallbackQuery, callback_data: TurnAction, bot: Bot, i18n: I18nContext,
    session: AsyncSession, state: FSMContext, user: User,
) -> None:  # fmt: skip
    interview = await _turn_of_button(query, callback_data, i18n, session, user)
    if interview is None:
        return
    await finish(session, interview)
    await state.clear()
    await show(query, i18n.get("interview-ended"))
    await deliver_results(bot, user.telegram_id, i18n, session, user, interview)


async def end_cancelled(query: CallbackQuery, i18n: I18nContext) -> None:
    await show(query, i18n.get("interview-continue-answering"))


async def start_with_unfinished(
    message: Message, i18n: I18nContext, session: AsyncSession, user: User, state: FSMContext,
) -> None:  # fmt: skip
    """/start while an interview is under way: offer to continue it (after a restart too)."""
    interview = await active_interview(session, user.telegram_id)
    assert interview is not None  # guaranteed by has_unfinished_interview
    payload = message.text.split(maxsplit=1)[1] if message.text and " " in message.text else ""
    if payload:
        record_start_source(user, payload)
    await state.clear()
    turn = current_turn(interview)
    await message.answer(
        i18n.get(
            "interview-resume-offer",
            name=escape(user.first_name or ""),
            number=turn.number if turn else 1,
            total=len(interview.plan),
        ),
        reply_markup=resume_offer(i18n, interview.id),
    )


async def has_unfinished_interview(message: Message, session: AsyncSession, user: User) -> bool:
    payload = message.text.split(maxsplit=1)[1] if message.text and " " in message.text else ""
    if payload.startswith("r_"):
        return False  # a share link is shown even during an interview
    return await active_interview(session, user.telegram_id) is not None


async def resume(
    query: CallbackQuery, callback_data: ResumeAction, bot: Bot, i18n: I18nContext,
    session: AsyncSession, state: FSMContext, settings: Settings, user: User,
    question_voice: QuestionVoice | None,
) -> None:  # fmt: skip
    interview = await get_interview(session, callback_data.interview, user.telegram_id)
    turn = current_turn(interview) if interview is not None else None
    if interview is None or turn is None:
        await show(query, i18n.get("interview-already-finished"))
        return
    if callback_data.action == "abandon":
        returned = await finish(session, interview, Status.ABANDONED)
        await state.clear()
        lines = await charge_back_lines(i18n, session, settings, user, returned)
        await show(query, "\n".join([i18n.get("interview-abandoned"), *lines]))
        return
    await show(query, i18n.get("interview-resuming"))
    await ask(bot, user, session, state, i18n, interview, turn, question_voice)


def register(router: Router) -> None:
    router.message.register(start_with_unfinished, CommandStart(), has_unfinished_interview)
    answering = StateFilter(Interviewing.answering)
    router.message.register(answer_text, answering, PLAIN_TEXT)
    router.message.register(unexpected_content, answering, NO_TEXT)
    router.callback_query.register(skip_turn, TurnAction.filter(F.action == "skip"))
    router.callback_query.register(bookmark_turn, TurnAction.filter(F.action == "bookmark"))
    router.callback_query.register(end_turn, TurnAction.filter(F.action == "end"))
    router.callback_query.register(end_confirmed, TurnAction.filter(F.action == "end_yes"))
    router.callback_query.register(end_cancelled, TurnAction.filter(F.action == "end_no"))
    router.callback_query.register(resume, ResumeAction.filter())
