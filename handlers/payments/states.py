from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class RefundRequestFlow(StatesGroup):
    """/paysupport: the user picked a payment and is writing why they want the money back."""

    reason = State()


class RefundRejection(StatesGroup):
    """An admin pressed Reject and is writing the reason the user will read."""

    reason = State()
