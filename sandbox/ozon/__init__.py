"""The Ozon emulator: the Seller API's buyer chats and a control API (see `emulator.py`)."""

from sandbox.ozon.emulator import OzonEmulator
from sandbox.ozon.model import (
    API_PREFIX,
    CONTROL_PREFIX,
    DEMO_API_KEY,
    DEMO_CLIENT_ID,
    OZON_REQUEST_LIMIT,
)

__all__ = [
    "API_PREFIX",
    "CONTROL_PREFIX",
    "DEMO_API_KEY",
    "DEMO_CLIENT_ID",
    "OZON_REQUEST_LIMIT",
    "OzonEmulator",
]
