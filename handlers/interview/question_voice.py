"""Questions read aloud: a voice note after the question's text, for users who want it."""

from __future__ import annotations

import logging
from collections import OrderedDict

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BufferedInputFile
from aiogram.utils.chat_action import ChatActionSender

from services.speech.synthesis import SpeechSynthesizer, SynthesisFailed

logger = logging.getLogger(__name__)


class QuestionVoice:
    """Synthesizes each question once per language; later sends reuse Telegram's file id.

    The question's text is already in the chat, so a failure here costs the user nothing
    but the voice: it is logged, not shown.
    """

    def __init__(self, synthesizer: SpeechSynthesizer, max_cached: int = 2000) -> None:
        self.synthesizer = synthesizer
        self.max_cached = max_cached
        self._file_ids: OrderedDict[tuple[str, str], str] = OrderedDict()

    def supports(self, language: str) -> bool:
        return self.synthesizer.supports(language)

    async def send(self, bot: Bot, chat_id: int, text: str, language: str) -> None:
        if not self.supports(language):
            return
        key = (language, text)
        try:
            file_id = self._file_ids.get(key)
            if file_id is not None:
                await bot.send_voice(chat_id, file_id)
                self._file_ids.move_to_end(key)
                return
            async with ChatActionSender.record_voice(bot=bot, chat_id=chat_id):
                audio = await self.synthesizer.synthesize(text, language)
            message = await bot.send_voice(chat_id, BufferedInputFile(audio, "question.ogg"))
        except (SynthesisFailed, TelegramAPIError) as error:
            logger.warning("question not read aloud for chat %s: %s", chat_id, error)
            return
        if message.voice is not None:
            self._file_ids[key] = message.voice.file_id
            if len(self._file_ids) > self.max_cached:
                self._file_ids.popitem(last=False)
