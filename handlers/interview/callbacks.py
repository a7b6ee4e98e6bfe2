"""Callback data of the interview screens. Turn buttons carry the interview and position, so a
button under an old question is recognised as stale instead of acting on the current one."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class InterviewMenu(CallbackData, prefix="ivm"):
    action: str  # home | track | tailored | practice | bookmarks | progress


class TrackPick(CallbackData, prefix="ivp"):
    step: str  # spec | level | topic | length | back
    value: str


class TurnAction(CallbackData, prefix="ivt"):
    action: str  # skip | bookmark | end | end_yes | end_no
    interview: int
    position: int
    follow_up: bool


class VoiceAction(CallbackData, prefix="ivv"):
    """Under a voice answer's transcript; stale once that turn is answered."""

    action: str  # use | edit | again
    interview: int
    position: int
    follow_up: bool


class ResumeAction(CallbackData, prefix="ivr"):
    action: str  # continue | abandon
    interview: int


class ReportAction(CallbackData, prefix="ivs"):
    action: str  # share | revoke
    interview: int


class BookmarkAction(CallbackData, prefix="ivb"):
    action: str  # practice | remove
    question: str


class TailoredAction(CallbackData, prefix="ivj"):
    action: str  # skip_resume
