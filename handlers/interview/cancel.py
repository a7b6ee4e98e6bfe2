"""/cancel while an interview is under way.

With no answer given, the interview is dropped and does not count: what paid for it (a free
interview or a credit) comes back, and the user is told so. From the first answer on, the
interview counts, so /cancel asks first and says that; "yes" ends it with a report of what was
answered (the End button's confirmation), "no" goes on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Module, Settings
from handlers.core.rendering import main_menu_markup
from handlers.interview.common import INTERVIEW_ID, PENDING_VOICE, charge_back_lines
from handlers.interview.keyboards import confirm_end
from handlers.interview.states import Interviewing
from services.interview.sessions import (
    Mode,
    Status,
    active_interview,
    answered_count,
    current_turn,
    finish,
)
from services.models import InterviewSession, User

# /cancel in another flow (buying, setting up the next interview) cancels that flow: the core
# answers it. Answering (or editing a voice answer's transcript), or outside any flow, /cancel
# means the interview.
INTERVIEW_STATES = (None, Interviewing.answering.state, Interviewing.editing_transcript.state)


async def interview_to_cancel(
    message: Message, session: AsyncSession, user: User, raw_state: str | None = None
) -> bool | dict[str, Any]:
    if raw_state not in INTERVIEW_STATES:
        return False
    interview = await active_interview(session, user.telegram_id)
    return {"interview": interview} if interview is not None else False


async def cancel_interview(
    message: Message, i18n: I18nContext, session: AsyncSession, state: FSMContext,
    settings: Settings, user: User, menu_modules: Sequence[Module], interview: InterviewSession,
) -> None:  # fmt: skip
    turn = current_turn(interview)
    answered = await answered_count(session, interview)
    practice = interview.mode == Mode.PRACTICE
    if answered and turn is not None:
        # "No, continue" goes back to answering, also after /start left the state empty.
        await state.set_state(Interviewing.answering)
        await state.update_data({INTERVIEW_ID: interview.id, PENDING_VOICE: None})
        key = "interview-cancel-confirm-practice" if practice else "interview-cancel-confirm"
        await message.answer(
            i18n.get(key, answered=answered, total=turn.total),
            reply_markup=confirm_end(i18n, interview.id, turn.position, turn.follow_up is not None),
        )
        return
    returned = await finish(session, interview, Status.ABANDONED)
    await state.clear()
    if practice:
        lines = [i18n.get("interview-practice-cancelled")]
    else:
        lines = [
            i18n.get("interview-cancelled-not-counted"),
            *await charge_back_lines(i18n, session, settings, user, returned),
        ]
    await message.answer("\n".join(lines), reply_markup=main_menu_markup(i18n, menu_modules))


def register(router: Router) -> None:
    router.message.register(cancel_interview, Command("cancel"), interview_to_cancel)
