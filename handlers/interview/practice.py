"""Practice (one question on the weakest skill), bookmarks and /progress (with a button that
opens the interview it suggests: the weakest skill it names, on that skill's track and topic)."""

from __future__ import annotations

from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from handlers.interview.callbacks import BookmarkAction, InterviewMenu
from handlers.interview.common import ask, translator
from handlers.interview.keyboards import (
    RANDOM_TOPIC,
    back_to_interview_home,
    bookmarks_list,
    interview_home,
)
from handlers.interview.question_voice import QuestionVoice
from handlers.interview.setup import show_step
from handlers.interview.states import TrackSetup
from handlers.screens import show
from services.entitlements import access
from services.interview.bank import LEVELS
from services.interview.bookmarks import bookmarked_questions, remove_bookmark
from services.interview.catalog import skill_titles
from services.interview.reporting import ProgressView, progress_view, suggested_interview
from services.interview.selection import pick_practice_question, to_planned
from services.interview.sessions import Mode, current_turn, start_interview, weakest_skill
from services.models import Question, User

QUESTION_PREVIEW_CHARS = 140
BUTTON_SKILL_CHARS = 40


async def _start_practice(
    bot: Bot, i18n: I18nContext, session: AsyncSession, state: FSMContext, settings: Settings,
    user: User, question: Question, intro: str, question_voice: QuestionVoice | None,
) -> None:  # fmt: skip
    interview = await start_interview(
        session,
        user_id=user.telegram_id,
        mode=Mode.PRACTICE,
        plan=[to_planned(question, i18n.locale)],
        language=i18n.locale,
        free_interviews=settings.free_interviews,
        specialization=question.specialization,
        level=question.level,
        topic=question.topic,
    )
    await bot.send_message(user.telegram_id, intro)
    turn = current_turn(interview)
    assert turn is not None
    await ask(bot, user, session, state, i18n, interview, turn, question_voice)


async def practice(
    query: CallbackQuery, bot: Bot, i18n: I18nContext, session: AsyncSession, state: FSMContext,
    settings: Settings, user: User, question_voice: QuestionVoice | None,
) -> None:  # fmt: skip
    await query.answer()
    skill = await weakest_skill(session, user.telegram_id)
    balance = await access(session, user.telegram_id, settings.free_interviews)
    question = await pick_practice_question(
        session,
        user_id=user.telegram_id,
        skill=skill,
        specialization=None,
        include_premium=balance.premium_questions,
    )
    if question is None:
        await show(query, i18n.get("interview-no-questions"), interview_home(i18n))
        return
    titles = await skill_titles(session, i18n.locale)
    intro = (
        i18n.get("interview-practice-weakest", skill=escape(titles.get(skill, skill)))
        if skill
        else i18n.get("interview-practice-first")
    )
    await _start_practice(
        bot, i18n, session, state, settings, user, question, intro, question_voice
    )


def _bookmarks_text(i18n: I18nContext, questions: list[Question]) -> str:
    if not questions:
        return i18n.get("interview-bookmarks-empty")
    lines = []
    for number, question in enumerate(questions, start=1):
        text = question.question.get(i18n.locale) or question.question.get("en", "")
        if len(text) > QUESTION_PREVIEW_CHARS:
            text = text[: QUESTION_PREVIEW_CHARS - 1] + "…"
        lines.append(f"{number}. {escape(text)}")
    return i18n.get("interview-bookmarks-title") + "\n\n" + "\n".join(lines)


async def bookmarks_command(
    message: Message, i18n: I18nContext, session: AsyncSession, user: User
) -> None:
    questions = await bookmarked_questions(session, user.telegram_id)
    await message.answer(
        _bookmarks_text(i18n, questions),
        reply_markup=bookmarks_list(i18n, [q.id for q in questions]),
    )


async def bookmarks_screen(
    query: CallbackQuery, i18n: I18nContext, session: AsyncSession, user: User
) -> None:
    questions = await bookmarked_questions(session, user.telegram_id)
    await show(
        query, _bookmarks_text(i18n, questions), bookmarks_list(i18n, [q.id for q in questions])
    )


async def bookmark_action(
    query: CallbackQuery, callback_data: BookmarkAction, bot: Bot, i18n: I18nContext,
    session: AsyncSession, state: FSMContext, settings: Settings, user: User,
    question_voice: QuestionVoice | None,
) -> None:  # fmt: skip
    if callback_data.action == "remove":
        await remove_bookmark(session, user.telegram_id, callback_data.question)
        await bookmarks_screen(query, i18n, session, user)
        return
    question = await session.get(Question, callback_data.question)
    if question is None or not question.in_rotation:
        await query.answer(i18n.get("callback-stale"))
        return
    await query.answer()
    intro = i18n.get("interview-practice-bookmark")
    await _start_practice(
        bot, i18n, session, state, settings, user, question, intro, question_voice
    )


async def _send_progress(bot: Bot, i18n: I18nContext, session: AsyncSession, user: User) -> None:
    view = await progress_view(session, user.telegram_id, i18n.locale, translator(i18n))
    if view.chart_png is not None:
        await bot.send_photo(
            user.telegram_id,
            BufferedInputFile(view.chart_png, filename="progress.png"),
            caption=i18n.get("interview-progress-chart-caption"),
        )
    await bot.send_message(user.telegram_id, view.html, reply_markup=_progress_buttons(i18n, view))


def _progress_buttons(i18n: I18nContext, view: ProgressView) -> InlineKeyboardMarkup:
    """Back, and above it the suggested interview: "Practise <the weakest skill>" when it aims
    at that skill's topic."""
    if view.suggestion is None:
        return back_to_interview_home(i18n)
    builder = InlineKeyboardBuilder()
    if view.suggestion.topic and view.focus_title:
        skill = view.focus_title
        if len(skill) > BUTTON_SKILL_CHARS:
            skill = skill[: BUTTON_SKILL_CHARS - 1].rstrip() + "…"
        text = i18n.get("progress-next-button-skill", skill=skill)
    else:
        text = i18n.get("progress-next-button")
    builder.button(text=text, callback_data=InterviewMenu(action="suggested"))
    builder.attach(InlineKeyboardBuilder.from_markup(back_to_interview_home(i18n)))
    return builder.as_markup()


async def start_suggested(
    query: CallbackQuery, i18n: I18nContext, session: AsyncSession, state: FSMContext, user: User
) -> None:
    """The track choice with the suggested track, level and topic already made: only the
    length is left. The suggestion is worked out again, so the button never goes stale."""
    suggestion = await suggested_interview(session, user.telegram_id)
    if suggestion is None:
        await query.answer(i18n.get("callback-stale"))
        return
    await state.set_state(TrackSetup.choosing)
    await state.set_data(
        {
            "spec": suggestion.specialization,
            "level": suggestion.level if suggestion.level in LEVELS else None,
            "topic": suggestion.topic or RANDOM_TOPIC,
        }
    )
    # Without a known level the choice starts there (show_step falls back to the first gap).
    await show_step(query, i18n, session, state, "length")


async def progress_command(
    message: Message, bot: Bot, i18n: I18nContext, session: AsyncSession, user: User
) -> None:
    await _send_progress(bot, i18n, session, user)


async def progress_screen(
    query: CallbackQuery, bot: Bot, i18n: I18nContext, session: AsyncSession, user: User
) -> None:
    await query.answer()
    await _send_progress(bot, i18n, session, user)


def register(router: Router) -> None:
    router.callback_query.register(practice, InterviewMenu.filter(F.action == "practice"))
    router.message.register(bookmarks_command, Command("bookmarks"))
    router.callback_query.register(bookmarks_screen, InterviewMenu.filter(F.action == "bookmarks"))
    router.callback_query.register(bookmark_action, BookmarkAction.filter())
    router.message.register(progress_command, Command("progress"))
    router.callback_query.register(progress_screen, InterviewMenu.filter(F.action == "progress"))
    router.callback_query.register(start_suggested, InterviewMenu.filter(F.action == "suggested"))
