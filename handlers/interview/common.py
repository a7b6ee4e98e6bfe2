"""Pieces the interview screens share: translating for services, asking a turn."""

from __future__ import annotations

from html import escape
from typing import Any

from aiogram import Bot
from aiogram.fsm.context import FSMContext
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.interview.keyboards import turn_buttons
from handlers.interview.states import Interviewing
from services.interview.catalog import skill_titles
from services.interview.sessions import Translate as ServiceTranslate
from services.interview.sessions import Turn, mark_asked
from services.models import InterviewSession

INTERVIEW_ID = "interview_id"


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
