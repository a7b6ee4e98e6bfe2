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
from handlers.interview.question_voice import QuestionVoice
from handlers.interview.states import Interviewing
from services.entitlements import PaidWith, access
from services.interview.catalog import skill_titles
from services.interview.sessions import Translate as ServiceTranslate
from services.interview.sessions import Turn, active_interview, get_interview, mark_asked
from services.models import InterviewSession, User

INTERVIEW_ID = "interview_id"
# A voice answer's transcript waiting for the user's Use it / Edit / Record again.
PENDING_VOICE = "pending_voice"


async def interview_in_state(
    state: FSMContext, session: AsyncSession, user: User
) -> InterviewSession | None:
    """The interview the user is answering: the one in FSM data, else their active one."""
    interview_id = (await state.get_data()).get(INTERVIEW_ID)
    if interview_id is None:
        return await active_interview(session, user.telegram_id)
    return await get_interview(session, int(interview_id), user.telegram_id)


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
    user: User,
    session: AsyncSession,
    state: FSMContext,
    i18n: I18nContext,
    interview: InterviewSession,
    turn: Turn,
    question_voice: QuestionVoice | None,
) -> None:
    """Sends the turn (a question or its follow-up) with its buttons and remembers its message,
    and puts the user into the answering state. Users who turned it on in /settings also hear
    the question as a voice note."""
    # What led here (the interview and its charge, the answer just scored) is saved before
    # the user sees the question: whatever they do next finds it in the database.
    await session.commit()
    if turn.follow_up is not None:
        spoken = turn.follow_up
        text = i18n.get(
            "interview-follow-up", number=turn.number, total=turn.total, text=escape(spoken)
        )
    else:
        spoken = turn.question.text
        titles = await skill_titles(session, interview.language)
        skills = ", ".join(titles.get(skill, skill) for skill in turn.question.skills)
        text = i18n.get(
            "interview-question",
            number=turn.number,
            total=turn.total,
            skills=escape(skills or "—"),
            text=escape(spoken),
        )
    message = await bot.send_message(
        user.telegram_id,
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
    await state.update_data({INTERVIEW_ID: interview.id, PENDING_VOICE: None})
    if question_voice is not None and user.voice_questions:
        await question_voice.send(bot, user.telegram_id, spoken, interview.language)


async def charge_back_lines(
    i18n: I18nContext, session: AsyncSession, settings: Settings, user: User,
    returned: PaidWith | None,
) -> list[str]:  # fmt: skip
    """What came back when an interview closed before any answer, in words for the user."""
    if returned is PaidWith.FREE:
        return [i18n.get("interview-charge-back-free")]
    if returned is PaidWith.CREDIT:
        balance = await access(session, user.telegram_id, settings.free_interviews)
        return [i18n.get("interview-charge-back-credit", credits=balance.credits)]
    return []
