"""Callback data of the payment screens."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class BuyAction(CallbackData, prefix="buy"):
    product: str
    method: str = ""  # empty: choose how to pay; else a services.payments.orders.Method


class RefundPick(CallbackData, prefix="rfp"):
    payment: int


class RefundDecision(CallbackData, prefix="rfd"):
    action: str  # approve | reject
    request: int


class PriceConfirm(CallbackData, prefix="prc"):
    action: str  # yes | no
    product: str
    currency: str
    amount: int
