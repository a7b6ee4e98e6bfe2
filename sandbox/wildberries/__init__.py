"""The Wildberries emulator: WB's buyer-chat API and its control API (see `emulator.py`)."""

from sandbox.wildberries.emulator import (
    API_PREFIX,
    CONTROL_PREFIX,
    DEMO_SELLER_ID,
    DEMO_TOKEN,
    WB_REQUEST_LIMIT,
    WildberriesEmulator,
)

__all__ = [
    "API_PREFIX",
    "CONTROL_PREFIX",
    "DEMO_SELLER_ID",
    "DEMO_TOKEN",
    "WB_REQUEST_LIMIT",
    "WildberriesEmulator",
]
