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
    # The user pressed Edit under a voice answer's transcript: the next text is the answer.
    editing_transcript = State()
