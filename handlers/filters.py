"""Message filters used across handlers, each evaluated inline.

aiogram 3.31 awaits a filter only when it is a coroutine function or a `Filter`; any other
callable, including a bare magic filter such as `F.text` (its `resolve` is synchronous), runs in
a worker thread through `asyncio.to_thread`, a thread hop per filter per update. Wrapped in
`Magic`, the same expression is resolved directly on the event loop.
"""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Filter
from aiogram.types import TelegramObject
from magic_filter import MagicFilter


class Magic(Filter):
    def __init__(self, magic: MagicFilter) -> None:
        self.magic = magic

    async def __call__(self, event: TelegramObject) -> bool:
        return bool(self.magic.resolve(event))


PRIVATE_CHAT = Magic(F.chat.type == "private")
GROUP_CHAT = Magic(F.chat.type.in_({"group", "supergroup"}))
# A button pressed under a message in a private chat.
PRIVATE_CALLBACK = Magic(F.message.chat.type == "private")
HAS_TEXT = Magic(F.text)
NO_TEXT = Magic(~F.text)
HAS_DOCUMENT = Magic(F.document)
# Text that is not a command: flows leave /cancel, /help and the rest to their handlers.
PLAIN_TEXT = Magic(F.text & ~F.text.startswith("/"))
NOT_A_COMMAND = Magic(~F.text.startswith("/"))
