from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class RefundRequestFlow(StatesGroup):
    """/paysupport: the user picked a payment and is writing why they want the money back."""

    reason = State()
