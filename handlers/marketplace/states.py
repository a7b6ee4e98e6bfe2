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


class TemplateStates(StatesGroup):
    """An admin writing a reply template in the seller's group (the default strategy: per user
    in the chat, so other members, and the buyer topics' answers, go on as usual).

    FSM data holds the seller id, the intent, the template being edited (0 when adding) and the
    prompt's message id: the text is taken from a reply to that prompt.
    """

    text = State()
