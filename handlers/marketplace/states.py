from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class ConnectFlow(StatesGroup):
    """Connecting one marketplace account, in the caller's private chat.

    FSM data holds the seller id and Ozon's Client-Id (the state says which marketplace); never a
    key or a token: those are read, checked and sealed within the handler of the message that
    carries them.
    """

    ozon_client_id = State()
    ozon_api_key = State()
    wildberries_token = State()
