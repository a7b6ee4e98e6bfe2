"""Fixtures: one emulator per test, aiogram's real Bot on the Bot API side, SandboxClient on the
user side."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from sandbox import SandboxClient, TelegramEmulator
from tests.sandbox.audio import Clips, make_clips
from tests.sandbox.helpers import BOT_TOKEN

_user_ids = itertools.count(5000)


@pytest.fixture
async def emulator() -> AsyncIterator[TelegramEmulator]:
    emulator = TelegramEmulator(rate_limits=None)
    await emulator.start("127.0.0.1", 0)
    yield emulator
    await emulator.stop()


@pytest.fixture
def base_url(emulator: TelegramEmulator) -> str:
    assert emulator.base_url is not None
    return emulator.base_url


@pytest.fixture
async def bot(base_url: str) -> AsyncIterator[Bot]:
    bot = Bot(BOT_TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(base_url)))
    await bot.get_me()  # registers the bot so control calls are about it
    yield bot
    await bot.session.close()


@pytest.fixture
async def client(base_url: str) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(base_url) as client:
        yield client


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def new_user() -> Callable[..., dict[str, Any]]:
    def make(language_code: str = "en", first_name: str = "Ann") -> dict[str, Any]:
        return {"id": next(_user_ids), "first_name": first_name, "language_code": language_code}

    return make


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Clips:
    """A spoken sentence as WAV, OGG/Opus, OGG/Vorbis and streamed WebM (skips without
    espeak-ng, ffmpeg and ffprobe)."""
    return make_clips(tmp_path_factory.mktemp("clips"))
