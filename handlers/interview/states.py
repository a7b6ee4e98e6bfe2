from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class TrackSetup(StatesGroup):
    """Choosing specialization → level → topic → length; choices live in FSM data."""

    choosing = State()


class TailoredSetup(StatesGroup):
    resume = State()
    job_description = State()


class Interviewing(StatesGroup):
    """Answering the current question of the interview whose id is in FSM data."""

    answering = State()
