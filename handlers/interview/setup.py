"""The interview home screen and choosing a track: specialization → level → topic → length."""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Module, Settings
from handlers.core.callbacks import MenuCallback
from handlers.interview.callbacks import InterviewMenu, TrackPick
from handlers.interview.common import ask, home_screen, no_interviews_left_screen
from handlers.interview.keyboards import (
    RANDOM_TOPIC,
    choices,
    interview_home,
    length_options,
    level_options,
)
from handlers.interview.question_voice import QuestionVoice
from handlers.interview.states import TrackSetup
from handlers.screens import show
from services.entitlements import NoInterviewsLeft, access
from services.interview.bank import LEVELS, localized_text
from services.interview.catalog import LENGTHS, get_specialization
from services.interview.catalog import specializations as all_specializations
from services.interview.selection import pick_questions, to_planned
from services.interview.sessions import Mode, current_turn, start_interview
from services.models import User

logger = logging.getLogger(__name__)

STEPS = ("spec", "level", "topic", "length")


async def interview_command(
    message: Message, i18n: I18nContext, session: AsyncSession, settings: Settings, user: User,
    state: FSMContext,
) -> None:  # fmt: skip
    await state.clear()
    text, markup = await home_screen(i18n, session, settings, user)
    await message.answer(text, reply_markup=markup)


async def home(
    query: CallbackQuery, i18n: I18nContext, session: AsyncSession, settings: Settings, user: User,
    state: FSMContext,
) -> None:  # fmt: skip
    await state.clear()
    await show(query, *await home_screen(i18n, session, settings, user))


async def show_step(
    query: CallbackQuery, i18n: I18nContext, session: AsyncSession, state: FSMContext, step: str
) -> None:
    """Renders one step of the track choice from what is in FSM data so far."""
    data = await state.get_data()
    language = i18n.locale
    if step == "spec" or (step != "spec" and not data.get("spec")):
        options = [
            (spec.id, localized_text(spec.title, language))
            for spec in await all_specializations(session)
        ]
        await state.set_state(TrackSetup.choosing)
        await show(
            query,
            i18n.get("interview-choose-specialization"),
            choices(i18n, "spec", options, InterviewMenu(action="home"), columns=2),
        )
        return
    specialization = await get_specialization(session, data["spec"])
    if specialization is None:
        await state.update_data(spec=None)
        await show_step(query, i18n, session, state, "spec")
        return
    title = localized_text(specialization.title, language)
    if step == "level" or not data.get("level"):
        await show(
            query,
            i18n.get("interview-choose-level", specialization=title),
            choices(i18n, "level", level_options(i18n), TrackPick(step="back", value="spec"), 3),
        )
    elif step == "topic" or not data.get("topic"):
        topics = [
            (key, localized_text(texts, language)) for key, texts in specialization.topics.items()
        ]
        topics.append((RANDOM_TOPIC, i18n.get("interview-topic-random")))
        await show(
            query,
            i18n.get(
                "interview-choose-topic",
                specialization=title,
                level=i18n.get(f"interview-level-{data['level']}"),
            ),
            choices(i18n, "topic", topics, TrackPick(step="back", value="level"), columns=2),
        )
    else:
        await show(
            query,
            i18n.get("interview-choose-length"),
            choices(i18n, "length", length_options(i18n), TrackPick(step="back", value="topic"), 3),
        )


async def track(
    query: CallbackQuery, i18n: I18nContext, session: AsyncSession, state: FSMContext
) -> None:
    await state.set_state(TrackSetup.choosing)
    await state.set_data({})
    await show_step(query, i18n, session, state, "spec")


async def go_back(
    query: CallbackQuery, callback_data: TrackPick, i18n: I18nContext, session: AsyncSession,
    state: FSMContext,
) -> None:  # fmt: skip
    step = callback_data.value if callback_data.value in STEPS else "spec"
    # Going back to a step forgets the choice made there and after it.
    forget = {name: None for name in STEPS[STEPS.index(step) :]}
    await state.update_data(forget)
    await show_step(query, i18n, session, state, step)


async def pick(
    query: CallbackQuery, callback_data: TrackPick, i18n: I18nContext, session: AsyncSession,
    state: FSMContext, settings: Settings, user: User, question_voice: QuestionVoice | None,
) -> None:  # fmt: skip
    step, value = callback_data.step, callback_data.value
    if not await _is_valid_choice(session, step, value, await state.get_data()):
        logger.info("tampered track choice %r from user %s", callback_data, user.telegram_id)
        await query.answer(i18n.get("callback-stale"))
        return
    await state.update_data({step: value})
    if step != "length":
        await show_step(query, i18n, session, state, STEPS[STEPS.index(step) + 1])
        return
    data = await state.get_data()
    if not all(data.get(name) for name in STEPS[:3]):
        await show_step(query, i18n, session, state, "spec")
        return
    await begin_track_interview(query, i18n, session, state, settings, user, data, question_voice)


async def _is_valid_choice(session: AsyncSession, step: str, value: str, data: dict) -> bool:
    """Only values the bot offered: buttons can be forged or outlive a changed bank."""
    if step == "spec":
        return await get_specialization(session, value) is not None
    if step == "level":
        return value in LEVELS
    if step == "topic":
        specialization = await get_specialization(session, data.get("spec") or "")
        return value == RANDOM_TOPIC or (
            specialization is not None and value in specialization.topics
        )
    if step == "length":
        return value.isdigit() and int(value) in LENGTHS
    return False


async def begin_track_interview(
    query: CallbackQuery, i18n: I18nContext, session: AsyncSession, state: FSMContext,
    settings: Settings, user: User, data: dict, question_voice: QuestionVoice | None,
) -> None:  # fmt: skip
    balance = await access(session, user.telegram_id, settings.free_interviews)
    if not balance.can_start_interview:
        await show(query, *no_interviews_left_screen(i18n, settings))
        return
    topic = None if data["topic"] == RANDOM_TOPIC else data["topic"]
    questions = await pick_questions(
        session,
        user_id=user.telegram_id,
        specialization=data["spec"],
        level=data["level"],
        topic=topic,
        count=int(data["length"]),
        include_premium=balance.premium_questions,
    )
    if not questions:
        await show(query, i18n.get("interview-no-questions"), interview_home(i18n))
        return
    try:
        interview = await start_interview(
            session,
            user_id=user.telegram_id,
            mode=Mode.TRACK,
            plan=[to_planned(question, i18n.locale) for question in questions],
            language=i18n.locale,
            free_interviews=settings.free_interviews,
            specialization=data["spec"],
            level=data["level"],
            topic=topic,
        )
    except NoInterviewsLeft:
        await show(query, *no_interviews_left_screen(i18n, settings))
        return
    await show(query, i18n.get("interview-starting", count=len(questions)))
    turn = current_turn(interview)
    assert turn is not None
    await ask(query.bot, user, session, state, i18n, interview, turn, question_voice)


def register(router: Router) -> None:
    router.message.register(interview_command, Command("interview"))
    router.callback_query.register(home, MenuCallback.filter(F.section == Module.INTERVIEW))
    router.callback_query.register(home, InterviewMenu.filter(F.action == "home"))
    router.callback_query.register(track, InterviewMenu.filter(F.action == "track"))
    router.callback_query.register(go_back, TrackPick.filter(F.step == "back"))
    router.callback_query.register(pick, TrackPick.filter())
