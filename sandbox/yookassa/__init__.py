"""The YooKassa emulator: API v3, the confirmation page and notifications (see `emulator.py`)."""

from sandbox.yookassa.emulator import (
    API_PREFIX,
    CONTROL_PREFIX,
    DEFAULT_SECRET_KEY,
    DEFAULT_SHOP_ID,
    YooKassaEmulator,
    loopback_url,
)

__all__ = [
    "API_PREFIX",
    "CONTROL_PREFIX",
    "DEFAULT_SECRET_KEY",
    "DEFAULT_SHOP_ID",
    "YooKassaEmulator",
    "loopback_url",
]
