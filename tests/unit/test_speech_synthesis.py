"""Questions read aloud: espeak-ng offline, OpenAI-compatible speech through the real SDK."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from openai import AsyncOpenAI

from bot.config import Settings
from services.speech import synthesis
from services.speech.synthesis import (
    EspeakSynthesizer,
    OpenAISpeechSynthesizer,
    SynthesisFailed,
    build_synthesizer,
    espeak_available,
    is_ogg_opus,
    speech_text,
)
from tests.fakes.openai_server import (
    FakeOpenAI,
    RateLimited,
    ServerError,
    SpeechReply,
    sample_speech,
)

needs_espeak = pytest.mark.skipif(
    not all(shutil.which(program) for program in ("espeak-ng", "ffmpeg", "ffprobe")),
    reason="needs espeak-ng, ffmpeg and ffprobe (scripts/system-deps.sh installs them)",
)
needs_ffmpeg = pytest.mark.skipif(
    not all(shutil.which(program) for program in ("ffmpeg", "ffprobe")),
    reason="needs ffmpeg and ffprobe (scripts/system-deps.sh installs them)",
)


def probe(audio: bytes, folder: Path) -> tuple[str, str, int, int, float]:
    """(container, codec, sample rate, channels, duration) according to ffprobe."""
    path = folder / "speech.ogg"
    path.write_bytes(audio)
    raw = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-of",
            "json",
            "-show_entries",
            "format=format_name,duration:stream=codec_name,sample_rate,channels",
            str(path),
        ],
        capture_output=True,
        check=True,
        timeout=30,
    ).stdout
    info = json.loads(raw)
    stream = info["streams"][0]
    return (
        info["format"]["format_name"],
        stream["codec_name"],
        int(stream["sample_rate"]),
        int(stream["channels"]),
        float(info["format"]["duration"]),
    )


# ---------------------------------------------------------------------------------- text


def test_markup_is_not_read_aloud() -> None:
    assert speech_text("<b>Question 2/5</b> · <i>Python</i>") == "Question 2/5 · Python"
    assert speech_text("What does `len()` return &amp; why?") == "What does len() return & why?"
    assert speech_text("Explain **ACID** and __CAP__ 🎤✨👍🏽") == "Explain ACID and CAP"
    assert speech_text("Line one<br>line two\n\n\n  three") == "Line one\nline two\nthree"
    assert speech_text("```python\nx = 2 * 3\n```") == "x = 2 * 3"
    assert speech_text("<b></b> 🎤 ") == ""


def test_long_text_is_cut_at_a_sentence_end() -> None:
    sentence = "Describe how a hash map handles collisions in detail. "
    text = sentence * 40
    cut = speech_text(text)
    assert len(cut) <= synthesis.MAX_SPEECH_CHARS and cut.endswith("in detail.")
    words = "word " * 400
    cut = speech_text(words, limit=100)
    assert len(cut) <= 101 and cut.endswith("word…")
    assert speech_text("x" * 50, limit=10) == "x" * 10 + "…"


# ------------------------------------------------------------------------------- espeak


@needs_espeak
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "<b>Question 1.</b> Tell me about a time you disagreed with your manager."),
        ("ru", "<b>Вопрос 1.</b> Расскажите о случае, когда вы не согласились с руководителем."),
    ],
)
async def test_espeak_makes_an_ogg_opus_voice_note(
    language: str, text: str, tmp_path: Path
) -> None:
    synthesizer = EspeakSynthesizer()
    assert synthesizer.name == "espeak-ng" and synthesizer.supports(language)
    audio = await synthesizer.synthesize(text, language)
    assert is_ogg_opus(audio)
    container, codec, rate, channels, duration = probe(audio, tmp_path)
    assert (container, codec, rate, channels) == ("ogg", "opus", 48_000, 1)
    assert duration > 0.5


@needs_espeak
def test_espeak_supports_only_installed_voices() -> None:
    synthesizer = EspeakSynthesizer()
    assert synthesizer.supports("en-US") and synthesizer.supports("ru")
    assert not synthesizer.supports("de") and not synthesizer.supports("")
    assert not EspeakSynthesizer("/nonexistent/espeak-ng").supports("en")


@needs_espeak
async def test_espeak_reads_text_that_looks_like_options(tmp_path: Path) -> None:
    # The text goes through stdin: "--help" is spoken, not obeyed.
    audio = await EspeakSynthesizer().synthesize("--help -w /tmp/owned.wav", "en")
    assert is_ogg_opus(audio) and probe(audio, tmp_path)[4] > 0.5


@needs_espeak
async def test_espeak_does_not_block_the_event_loop() -> None:
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    task = asyncio.create_task(ticker())
    try:
        await EspeakSynthesizer().synthesize("A question long enough to take a moment. " * 4, "en")
    finally:
        task.cancel()
    assert ticks >= 3


async def test_espeak_failures_are_synthesis_failed() -> None:
    with pytest.raises(SynthesisFailed, match="no voice"):
        await EspeakSynthesizer().synthesize("Hallo", "de")
    with pytest.raises(SynthesisFailed, match="cannot run"):
        await EspeakSynthesizer("/nonexistent/espeak-ng").synthesize("Hello", "en")
    with pytest.raises(SynthesisFailed, match="nothing to read"):
        await EspeakSynthesizer().synthesize("<b> </b>", "en")


# ------------------------------------------------------------------------------- OpenAI


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as server:
        yield server


def openai_synthesizer(fake: FakeOpenAI, attempts: int = 3) -> OpenAISpeechSynthesizer:
    client = AsyncOpenAI(api_key="test-key", base_url=fake.base_url, timeout=5, max_retries=0)
    return OpenAISpeechSynthesizer(
        client, "tts-test-model", "nova", attempts=attempts, base_delay=0.01
    )


@needs_ffmpeg
async def test_openai_returns_the_voice_note_and_sends_model_voice_input(
    fake: FakeOpenAI, tmp_path: Path
) -> None:
    synthesizer = openai_synthesizer(fake)
    assert synthesizer.name == "openai" and synthesizer.supports("ru")
    audio = await synthesizer.synthesize("<b>Question 3/5</b>\nWhat is the `GIL`?", "en")
    assert audio == await sample_speech("opus")
    assert probe(audio, tmp_path)[:2] == ("ogg", "opus")
    [request] = fake.speech_requests
    assert request.path == "/v1/audio/speech"
    assert request.headers["Authorization"] == "Bearer test-key"
    assert request.body["model"] == "tts-test-model" and request.body["voice"] == "nova"
    assert request.body["input"] == "Question 3/5\nWhat is the GIL?"
    assert request.body["response_format"] == "opus"
    assert fake.requests == [], "speech is logged apart from chat completions"


async def test_openai_gives_up_after_server_errors(fake: FakeOpenAI) -> None:
    fake.script_speech(ServerError(500), ServerError(502), ServerError(500))
    with pytest.raises(SynthesisFailed):
        await openai_synthesizer(fake, attempts=3).synthesize("What is a mutex?", "en")
    assert len(fake.speech_requests) == 3


@needs_ffmpeg
async def test_openai_retries_rate_limits_and_server_errors(fake: FakeOpenAI) -> None:
    fake.script_speech(RateLimited(retry_after=0), ServerError(503))
    audio = await openai_synthesizer(fake).synthesize("What is a semaphore?", "en")
    assert is_ogg_opus(audio) and len(fake.speech_requests) == 3


async def test_openai_does_not_retry_a_refused_request(fake: FakeOpenAI) -> None:
    fake.script_speech(ServerError(401))
    with pytest.raises(SynthesisFailed):
        await openai_synthesizer(fake).synthesize("What is a deadlock?", "en")
    assert len(fake.speech_requests) == 1


@needs_ffmpeg
async def test_openai_audio_that_is_not_opus_is_encoded(fake: FakeOpenAI, tmp_path: Path) -> None:
    mp3 = await sample_speech("mp3")
    assert mp3 is not None and not is_ogg_opus(mp3)
    fake.script_speech(SpeechReply(mp3, "audio/mpeg"))
    audio = await openai_synthesizer(fake).synthesize("What is a race condition?", "en")
    assert probe(audio, tmp_path)[:4] == ("ogg", "opus", 48_000, 1)


async def test_openai_without_ffmpeg_refuses_audio_that_is_not_opus(
    fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.script_speech(SpeechReply(b"ID3 not opus", "audio/mpeg"))
    monkeypatch.setattr(shutil, "which", lambda name, *args, **kwargs: None)
    with pytest.raises(SynthesisFailed, match="not Opus"):
        await openai_synthesizer(fake).synthesize("What is a race condition?", "en")


# -------------------------------------------------------------------------------- choice


def test_build_picks_openai_with_a_key() -> None:
    settings = Settings(
        _env_file=None,
        openai_api_key="sk-test",
        openai_base_url="http://127.0.0.1:9/v1",
        llm_timeout_seconds=7,
        tts_model="tts-x",
        tts_voice="echo",
    )
    synthesizer = build_synthesizer(settings)
    assert isinstance(synthesizer, OpenAISpeechSynthesizer)
    assert (synthesizer.model, synthesizer.voice) == ("tts-x", "echo")
    client = synthesizer.client
    assert str(client.base_url).rstrip("/") == "http://127.0.0.1:9/v1"
    assert client.max_retries == 0 and client.timeout == 7
    assert client.api_key == "sk-test"


def test_build_picks_espeak_without_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name, *args, **kwargs: f"/usr/bin/{name}")
    assert espeak_available()
    synthesizer = build_synthesizer(Settings(_env_file=None, openai_api_key=None))
    assert isinstance(synthesizer, EspeakSynthesizer)
    assert build_synthesizer(Settings(_env_file=None, openai_api_key="")).__class__ is (
        EspeakSynthesizer
    )


def test_build_gives_none_without_espeak(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        shutil, "which", lambda name, *args, **kwargs: None if name == "espeak-ng" else name
    )
    assert not espeak_available()
    assert build_synthesizer(Settings(_env_file=None, openai_api_key=None)) is None
    # espeak-ng alone is not enough: ffmpeg encodes the voice note.
    monkeypatch.setattr(
        shutil, "which", lambda name, *args, **kwargs: None if name == "ffmpeg" else name
    )
    assert not espeak_available()
