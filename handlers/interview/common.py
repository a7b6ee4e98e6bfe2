"""Pieces the interview screens share: translating for services, asking a turn."""

from __future__ import annotations

from html import escape
from typing import Any

from aiogram import Bot
from aiogram.fsm.context import FSMContext
from aiogram.types import InlineKeyboardMarkup
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Module, Settings
from handlers.interview.keyboards import interview_home, no_interviews_left, turn_buttons
from handlers.interview.states import Interviewing
from services.entitlements import access
from services.interview.catalog import skill_titles
from services.interview.sessions import Translate as ServiceTranslate
from services.interview.sessions import Turn, mark_asked
from services.models import InterviewSession, User

INTERVIEW_ID = "interview_id"


def no_interviews_left_screen(
    i18n: I18nContext, settings: Settings
) -> tuple[str, InlineKeyboardMarkup]:
    """What a user sees instead of a new interview once the free ones and credits are gone."""
    return (
        i18n.get("interview-no-interviews-left", free=settings.free_interviews),
        no_interviews_left(i18n, settings.module_enabled(Module.PAYMENTS)),
    )


async def home_screen(
    i18n: I18nContext, session: AsyncSession, settings: Settings, user: User
) -> tuple[str, InlineKeyboardMarkup]:
    balance = await access(session, user.telegram_id, settings.free_interviews)
    text = i18n.get("interview-home", free_left=balance.free_left, credits=balance.credits)
    return text, interview_home(i18n)


def translator(i18n: I18nContext) -> ServiceTranslate:
    """The user's language as the plain callable that services take."""

    def translate(key: str, args: dict[str, Any]) -> str:
        return i18n.get(key, **args)

    return translate


async def ask(
    bot: Bot,
    chat_id: int,
    session: AsyncSession,
    state: FSMContext,
    i18n: I18nContext,
    interview: InterviewSession,
    turn: Turn,
) -> None:
    """Sends the turn (a question or its follow-up) with its buttons and remembers its message,
    and puts the user into the answering state."""
    if turn.follow_up is not None:
        text = i18n.get(
            "interview-follow-up", number=turn.number, total=turn.total, text=escape(turn.follow_up)
        )
    else:
        titles = await skill_titles(session, interview.language)
        skills = ", ".join(titles.get(skill, skill) for skill in turn.question.skills)
        text = i18n.get(
            "interview-question",
            number=turn.number,
            total=turn.total,
            skills=escape(skills or "—"),
            text=escape(turn.question.text),
        )
    message = await bot.send_message(
        chat_id,
        text,
        reply_markup=turn_buttons(
            i18n,
            interview.id,
            turn.position,
            follow_up=turn.follow_up is not None,
            bookmarkable=turn.question.question_id is not None and turn.follow_up is None,
        ),
    )
    mark_asked(interview, message.message_id)
    await state.set_state(Interviewing.answering)
    await state.update_data({INTERVIEW_ID: interview.id})
