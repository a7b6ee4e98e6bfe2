"""Tailored interviews: a resume PDF (optional) and a pasted job description → own questions."""

from __future__ import annotations

import asyncio
import functools
import io
import logging
from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.chat_action import ChatActionSender
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from handlers.filters import HAS_DOCUMENT, NO_TEXT, NOT_A_COMMAND, PLAIN_TEXT
from handlers.interview.callbacks import InterviewMenu, TailoredAction
from handlers.interview.common import ask, no_interviews_left_screen
from handlers.interview.keyboards import (
    back_to_interview_home,
    tailored_resume_prompt,
)
from handlers.interview.question_voice import QuestionVoice
from handlers.interview.states import TailoredSetup
from handlers.screens import show
from services.entitlements import NoInterviewsLeft, access
from services.interview.plan import PlannedQuestion
from services.interview.selection import questions_for_skills
from services.interview.sessions import Mode, current_turn, start_interview
from services.interview.tailored import (
    MAX_RESUME_BYTES,
    JobDescriptionError,
    ResumeError,
    ResumeProblem,
    TailoredPlanner,
    extract_resume_text,
    resume_from_text,
    validate_job_description,
)
from services.models import User

logger = logging.getLogger(__name__)
TAILORED_QUESTIONS = 5
RESUME_TEXT = "resume_text"


async def begin(
    query: CallbackQuery, i18n: I18nContext, session: AsyncSession, state: FSMContext,
    settings: Settings, user: User,
) -> None:  # fmt: skip
    balance = await access(session, user.telegram_id, settings.free_interviews)
    if not balance.can_start_interview:
        await show(query, *no_interviews_left_screen(i18n, settings))
        return
    await state.set_state(TailoredSetup.resume)
    await state.set_data({})
    await show(query, i18n.get("tailored-ask-resume"), tailored_resume_prompt(i18n))


async def skip_resume(query: CallbackQuery, i18n: I18nContext, state: FSMContext) -> None:
    await state.update_data({RESUME_TEXT: ""})
    await state.set_state(TailoredSetup.job_description)
    await show(query, i18n.get("tailored-ask-job"), back_to_interview_home(i18n))


async def resume_document(message: Message, bot: Bot, i18n: I18nContext, state: FSMContext) -> None:
    document = message.document
    assert document is not None
    if document.file_size is not None and document.file_size > MAX_RESUME_BYTES:
        # Checked before downloading: the bytes are never fetched.
        too_large = ResumeError(ResumeProblem.TOO_LARGE)
        await message.reply(
            i18n.get(too_large.message_id, **too_large.message_args),
            reply_markup=tailored_resume_prompt(i18n),
        )
        return
    progress = await message.reply(i18n.get("tailored-reading-resume"))
    buffer = io.BytesIO()
    await bot.download(document, destination=buffer)
    try:
        text = await asyncio.to_thread(extract_resume_text, buffer.getvalue())
    except ResumeError as error:
        logger.info("resume rejected (%s) for user %s", error.reason, message.chat.id)
        await progress.edit_text(
            i18n.get(error.message_id, **error.message_args),
            reply_markup=tailored_resume_prompt(i18n),
        )
        return
    reply, markup = await _resume_accepted(state, i18n, text)
    await progress.edit_text(reply, reply_markup=markup)


async def _resume_accepted(
    state: FSMContext, i18n: I18nContext, text: str
) -> tuple[str, InlineKeyboardMarkup]:
    """Keeps the resume text and moves on to the job description; returns what to show."""
    await state.update_data({RESUME_TEXT: text})
    await state.set_state(TailoredSetup.job_description)
    reply = i18n.get("tailored-resume-read", characters=len(text)) + "\n\n"
    return reply + i18n.get("tailored-ask-job"), back_to_interview_home(i18n)


async def resume_pasted(message: Message, i18n: I18nContext, state: FSMContext) -> None:
    """The resume's text pasted as a message, as the PDF errors suggest doing."""
    try:
        text = resume_from_text(message.text)
    except ResumeError:
        # "hi", a question, a name: not a resume. Say what this step expects.
        await resume_not_a_document(message, i18n)
        return
    reply, markup = await _resume_accepted(state, i18n, text)
    await message.reply(reply, reply_markup=markup)


async def resume_not_a_document(message: Message, i18n: I18nContext) -> None:
    await message.reply(i18n.get("tailored-send-pdf"), reply_markup=tailored_resume_prompt(i18n))


async def job_description(
    message: Message, bot: Bot, i18n: I18nContext, session: AsyncSession, state: FSMContext,
    settings: Settings, user: User, tailored_planner: TailoredPlanner,
    question_voice: QuestionVoice | None,
) -> None:  # fmt: skip
    try:
        job = validate_job_description(message.text)
    except JobDescriptionError as error:
        await message.reply(i18n.get(error.message_id, **error.message_args))
        return
    # Checked again before planning: the balance may have changed since the first screen
    # (a refund, another interview), and a refused start must not cost a model call.
    balance = await access(session, user.telegram_id, settings.free_interviews)
    if not balance.can_start_interview:
        await state.clear()
        text, markup = no_interviews_left_screen(i18n, settings)
        await message.reply(text, reply_markup=markup)
        return
    resume_text = (await state.get_data()).get(RESUME_TEXT, "")
    progress = await message.answer(i18n.get("tailored-planning"))
    async with ChatActionSender.typing(bot=bot, chat_id=message.chat.id):
        plan = await tailored_planner.plan(
            resume_text,
            job,
            language=i18n.locale,
            count=TAILORED_QUESTIONS,
            bank_questions=functools.partial(
                _bank_questions, session, i18n.locale, balance.premium_questions
            ),
        )
    if not plan.questions:
        await progress.edit_text(i18n.get("interview-no-questions"))
        return
    try:
        interview = await start_interview(
            session,
            user_id=user.telegram_id,
            mode=Mode.TAILORED,
            plan=plan.questions,
            language=i18n.locale,
            free_interviews=settings.free_interviews,
            job_context=plan.job_context,
        )
    except NoInterviewsLeft:
        await state.clear()
        text, markup = no_interviews_left_screen(i18n, settings)
        await progress.edit_text(text, reply_markup=markup)
        return
    summary = i18n.get(
        "tailored-profile-summary",
        skills=escape(", ".join(plan.skills[:10])) or i18n.get("tailored-skills-none"),
        seniority=i18n.get(f"tailored-seniority-{plan.seniority or 'unknown'}"),
        requirements=len(plan.requirements),
        projects=len(plan.projects),
        questions=len(plan.questions),
    )
    if plan.simplified:
        summary += "\n\n" + i18n.get("tailored-simplified-notice")
    await progress.edit_text(summary)
    turn = current_turn(interview)
    assert turn is not None
    await ask(bot, user, session, state, i18n, interview, turn, question_voice)


async def _bank_questions(
    session: AsyncSession, language: str, include_premium: bool, skills: list[str], count: int
) -> list[PlannedQuestion]:
    return await questions_for_skills(
        session, skills=skills, count=count, language=language, include_premium=include_premium
    )


async def job_not_text(message: Message, i18n: I18nContext) -> None:
    await message.reply(i18n.get("tailored-paste-job"))


def register(router: Router) -> None:
    router.callback_query.register(begin, InterviewMenu.filter(F.action == "tailored"))
    router.callback_query.register(
        skip_resume,
        StateFilter(TailoredSetup.resume),
        TailoredAction.filter(F.action == "skip_resume"),
    )
    resume, job = StateFilter(TailoredSetup.resume), StateFilter(TailoredSetup.job_description)
    router.message.register(resume_document, resume, HAS_DOCUMENT)
    router.message.register(resume_pasted, resume, PLAIN_TEXT)
    router.message.register(resume_not_a_document, resume, NOT_A_COMMAND)
    router.message.register(job_description, job, PLAIN_TEXT)
    router.message.register(job_not_text, job, NO_TEXT)
