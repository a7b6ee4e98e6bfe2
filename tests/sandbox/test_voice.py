"""Voice notes and audio through the emulator: what the bot receives is what Telegram sends."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.types import BufferedInputFile, Message

from sandbox import SandboxClient
from sandbox.client import SandboxError
from sandbox.telegram import media
from tests.sandbox.audio import Clips, ffprobe, sine_wav

NewUser = Callable[..., dict[str, Any]]


async def last_message(bot: Bot) -> Message:
    updates = await bot.get_updates(timeout=1)
    assert updates, "the bot got no update"
    await bot.get_updates(offset=updates[-1].update_id + 1)  # confirm them
    message = updates[-1].message
    assert message is not None
    return message


async def download(bot: Bot, file_id: str) -> tuple[int | None, bytes]:
    file = await bot.get_file(file_id)
    assert file.file_path
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None
    return file.file_size, downloaded.read()


async def test_an_ogg_voice_note_gets_its_measured_duration(
    bot: Bot, client: SandboxClient, new_user: NewUser, clips: Clips
) -> None:
    user = new_user()
    # Firefox records OGG/Opus and labels it with the codec; Telegram says audio/ogg.
    sent = await client.send_voice(
        user["id"], user, clips.ogg_opus, "voice.ogg", "audio/ogg; codecs=opus"
    )
    voice = (await last_message(bot)).voice
    assert voice is not None and voice.mime_type == "audio/ogg"
    # The emulator measures the Ogg stream like Telegram: within 0.1 s of ffprobe...
    measured = media.ogg_duration(clips.ogg_opus)
    assert measured is not None and abs(measured - clips.seconds) < 0.1
    # ...and reports it in the Bot API's whole seconds.
    assert voice.duration == media.whole_seconds(clips.seconds)
    assert sent["message"]["media"]["duration"] == voice.duration
    # An OGG/Opus note is stored untouched; getFile has its size; the download is exact.
    size, data = await download(bot, voice.file_id)
    assert data == clips.ogg_opus and size == voice.file_size == len(clips.ogg_opus)
    assert await client.download(sent["message"]["media"]["url"]) == clips.ogg_opus


async def test_a_browser_webm_recording_becomes_ogg_opus(
    bot: Bot, client: SandboxClient, new_user: NewUser, clips: Clips
) -> None:
    user = new_user()
    sent = await client.send_voice(
        user["id"], user, clips.webm, "voice.webm", "audio/webm;codecs=opus"
    )
    voice = (await last_message(bot)).voice
    assert voice is not None and voice.mime_type == "audio/ogg"
    size, data = await download(bot, voice.file_id)
    assert media.is_ogg_opus(data) and size == voice.file_size == len(data)
    probe = ffprobe(data, clips.folder)
    assert (probe.format_name, probe.codec, probe.sample_rate, probe.channels) == (
        "ogg",
        "opus",
        48_000,
        1,
    )
    assert probe.duration is not None and abs(probe.duration - clips.seconds) < 0.1
    assert voice.duration == media.whole_seconds(clips.seconds)
    view = sent["message"]["media"]
    assert view["mime_type"] == "audio/ogg" and view["file_name"] == "voice.ogg"
    assert await client.download(view["url"]) == data


async def test_a_wav_voice_note_is_transcoded_and_a_wav_audio_is_not(
    bot: Bot, client: SandboxClient, new_user: NewUser, clips: Clips
) -> None:
    user = new_user()
    await client.send_voice(user["id"], user, clips.wav, "note.wav", "audio/wav")
    voice = (await last_message(bot)).voice
    assert voice is not None and voice.mime_type == "audio/ogg"
    assert media.is_ogg_opus((await download(bot, voice.file_id))[1])

    wav = sine_wav(2.0)
    await client.send_file(user["id"], user, "audio", wav, "tone.wav", "audio/wav")
    audio = (await last_message(bot)).audio
    assert audio is not None and audio.duration == 2  # from the WAV header
    assert audio.mime_type == "audio/wav" and audio.file_name == "tone.wav"
    assert (await download(bot, audio.file_id)) == (len(wav), wav)


async def test_a_given_duration_wins_and_may_be_fractional(
    bot: Bot, client: SandboxClient, new_user: NewUser
) -> None:
    user = new_user()
    await client.send_file(
        user["id"], user, "audio", sine_wav(1.0), "a.wav", "audio/wav", duration=9
    )
    audio = (await last_message(bot)).audio
    assert audio is not None and audio.duration == 9
    form = aiohttp.FormData()
    form.add_field("from", json.dumps(user))
    form.add_field("duration", "2.6")  # the chat page sends what the recorder measured
    form.add_field("audio", sine_wav(1.0), filename="b.wav", content_type="audio/wav")
    async with aiohttp.ClientSession() as http:
        url = f"{client.base_url}/sandbox/api/chats/{user['id']}/messages"
        async with http.post(url, data=form) as response:
            assert response.status == 200, await response.text()
            assert (await response.json())["message"]["media"]["duration"] == 3
    await last_message(bot)
    with pytest.raises(SandboxError, match="duration must be a number"):
        await client.send_file(
            user["id"], user, "audio", sine_wav(0.5), "c.wav", "audio/wav", duration=-1
        )


async def test_without_ffmpeg_a_voice_note_is_kept_as_sent(
    bot: Bot,
    client: SandboxClient,
    new_user: NewUser,
    clips: Clips,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name, *args, **kwargs: None)
    user = new_user()
    sent = await client.send_voice(user["id"], user, clips.webm, "voice.webm", "audio/webm")
    voice = (await last_message(bot)).voice
    assert voice is not None and voice.mime_type == "audio/webm"
    assert voice.duration == 0  # nothing could measure it
    assert sent["message"]["media"]["duration"] is None
    assert (await download(bot, voice.file_id))[1] == clips.webm


async def test_the_bot_sends_a_voice_note_after_record_voice(
    bot: Bot, client: SandboxClient, new_user: NewUser, clips: Clips
) -> None:
    user = new_user()
    await client.send_text(user["id"], user, "read the question aloud")
    await last_message(bot)
    assert await bot.send_chat_action(user["id"], "typing")
    assert (await client.chat_view(user["id"]))["chat_action"]["action"] == "typing"
    assert await bot.send_chat_action(user["id"], "record_voice")
    assert (await client.chat_view(user["id"]))["chat_action"]["action"] == "record_voice"
    # A multipart upload without duration: the emulator measures it, like Telegram.
    sent = await bot.send_voice(user["id"], BufferedInputFile(clips.ogg_opus, "question.ogg"))
    assert sent.voice is not None and sent.voice.mime_type == "audio/ogg"
    assert sent.voice.duration == media.whole_seconds(clips.seconds)
    assert sent.voice.file_size == len(clips.ogg_opus)
    assert (await download(bot, sent.voice.file_id))[1] == clips.ogg_opus
    view = await client.chat_view(user["id"])
    assert view["chat_action"] is None, "sending the voice note ends record_voice"
    voice_view = view["messages"][-1]["media"]
    assert voice_view["kind"] == "voice" and voice_view["duration"] == sent.voice.duration
    assert await client.download(voice_view["url"]) == clips.ogg_opus
    # Sent again by file_id (how the bot reuses a synthesized question): same file, same length.
    again = await bot.send_voice(user["id"], sent.voice.file_id)
    assert again.voice is not None and again.voice.file_unique_id == sent.voice.file_unique_id
    assert again.voice.duration == sent.voice.duration
    explicit = await bot.send_voice(
        user["id"], BufferedInputFile(clips.ogg_opus, "q.ogg"), duration=42
    )
    assert explicit.voice is not None and explicit.voice.duration == 42
    assert await client.rejected_requests() == []


async def test_the_chat_page_has_the_voice_controls(base_url: str) -> None:
    async with aiohttp.ClientSession() as http, http.get(f"{base_url}/") as response:
        assert response.status == 200
        page = await response.text()
    for element_id in (
        "mic",
        "recording",
        "rec-time",
        "rec-stop",
        "rec-cancel",
        "mic-error",
        "attach",
        "attach-kind",
    ):
        assert f'id="{element_id}"' in page, element_id
    assert '<option value="audio">' in page and '<option value="voice">' in page
    assert "MediaRecorder" in page and "getUserMedia" in page
    assert "form.append(kind, blob, fileName)" in page
