"""Speech-to-text engines: Groq through the real SDK against a fake API, the offline Whisper
(the packaged model in its worker process), the fallback between them, and the whole
`hear_answer` pipeline."""

from __future__ import annotations

import asyncio
import logging
import wave
from collections.abc import AsyncIterator
from dataclasses import replace
from io import BytesIO
from pathlib import Path

import groq
import pytest
from pydantic import SecretStr

from bot.config import PROJECT_ROOT, Settings
from services.speech import (
    AudioProblem,
    AudioRejected,
    DecodedAudio,
    FallbackSpeechToText,
    GroqSpeechToText,
    HearingStep,
    SpeechUnavailable,
    Transcript,
    WhisperSpeechToText,
    build_speech_to_text,
    decode_audio,
    hear_answer,
)
from services.speech.transcript import Word
from services.speech.whisper_engine import threads_per_worker
from services.speech.whisper_reply import (
    FILLER_PROMPTS,
    echoes_prompt,
    indexes_without_loops,
    transcript_from_reply,
)
from tests.fakes.groq_server import (
    DEFAULT_TEXT,
    BadRequest,
    FakeGroq,
    Hang,
    NoSpeech,
    RateLimited,
    Reply,
    ServerError,
)
from tests.speech_fixtures import (
    RUSSIAN_ANSWER,
    heard_as_russian,
    mp3_bytes,
    music_ogg,
    speech_ogg,
    speech_wav,
)

ANSWER = "An index keeps the values sorted, so a lookup walks a small tree instead of a scan."
ANSWER_RU = "Индекс хранит значения в отсортированном виде, поэтому поиск идёт быстро."


def assert_heard_as_russian(transcript: Transcript) -> None:
    assert transcript.engine == "whisper" and transcript.language == "ru"
    assert heard_as_russian(transcript.text), transcript.text
    assert len(transcript.words) >= 3
    starts = [word.start for word in transcript.words]
    assert starts == sorted(starts)


MAX = 300.0


@pytest.fixture
async def fake_groq() -> AsyncIterator[FakeGroq]:
    async with FakeGroq() as server:
        yield server


@pytest.fixture(scope="module")
async def offline() -> AsyncIterator[WhisperSpeechToText]:
    engine = WhisperSpeechToText(Settings(_env_file=None).speech_model_dir, workers=1)
    yield engine
    await engine.close()


def groq_engine(server: FakeGroq, *, timeout: float = 5.0, attempts: int = 3) -> GroqSpeechToText:
    client = groq.AsyncGroq(
        api_key="gsk_test", base_url=server.base_url, timeout=timeout, max_retries=0
    )
    return GroqSpeechToText(client, "whisper-large-v3-turbo", attempts=attempts, base_delay=0.01)


def voice_note(text: str = ANSWER, language: str = "en") -> tuple[DecodedAudio, bytes]:
    data = speech_ogg(text, language=language)
    return decode_audio(data, max_duration_s=MAX), data


# --- Groq ---------------------------------------------------------------------------------------


async def test_groq_transcribes_a_voice_note_with_word_timings(fake_groq: FakeGroq) -> None:
    audio, data = voice_note()
    words = (("Um", 0.1, 0.4), ("an", 0.9, 1.0), ("index", 1.0, 1.5), ("keeps", 1.6, 2.0))
    fake_groq.script(Reply("Um, an index keeps.", words=words))
    engine = groq_engine(fake_groq)
    transcript = await engine.transcribe(audio, data, "en")
    await engine.close()

    assert transcript == Transcript(
        text="Um, an index keeps.",
        language="en",
        engine="groq",
        duration_s=audio.duration_s,
        words=(
            Word("Um", 0.1, 0.4),
            Word("an", 0.9, 1.0),
            Word("index", 1.0, 1.5),
            Word("keeps", 1.6, 2.0),
        ),
    )
    [request] = fake_groq.requests
    assert request.filename == "answer.ogg"  # Ogg, never .oga: Groq refuses it
    assert request.content == data and request.size == len(data)
    assert request.model == "whisper-large-v3-turbo"
    assert request.language == "en"
    assert request.prompt == FILLER_PROMPTS["en"] == "Um, uh, hmm, like, you know."
    assert request.response_format == "verbose_json"
    assert request.timestamp_granularities == ["word", "segment"]
    assert request.path == "/openai/v1/audio/transcriptions"
    assert request.headers["Authorization"] == "Bearer gsk_test"


async def test_groq_default_reply_spreads_words_over_the_real_duration(
    fake_groq: FakeGroq,
) -> None:
    audio, data = voice_note(ANSWER_RU, "ru")
    engine = groq_engine(fake_groq)
    transcript = await engine.transcribe(audio, data, "ru-RU")
    await engine.close()
    assert transcript.text == DEFAULT_TEXT and transcript.language == "ru"
    assert fake_groq.requests[0].prompt == FILLER_PROMPTS["ru"] == "Ну, э-э, как бы, типа."
    assert fake_groq.requests[0].language == "ru"
    assert len(transcript.words) == len(DEFAULT_TEXT.split())
    assert transcript.words[0].start == 0.0
    assert transcript.words[-1].end == pytest.approx(audio.duration_s, abs=0.5)


async def test_an_mp3_renamed_to_ogg_is_uploaded_under_its_real_format(
    fake_groq: FakeGroq,
) -> None:
    data = mp3_bytes(ANSWER)
    audio = decode_audio(data, max_duration_s=MAX)
    engine = groq_engine(fake_groq)
    await engine.transcribe(audio, data, "en")
    await engine.close()
    assert fake_groq.requests[0].filename == "answer.mp3"
    assert fake_groq.requests[0].content == data


async def test_a_container_groq_does_not_take_is_uploaded_as_wav(fake_groq: FakeGroq) -> None:
    audio, data = voice_note()
    engine = groq_engine(fake_groq)
    transcript = await engine.transcribe(replace(audio, container="amr"), data, "en")
    await engine.close()
    request = fake_groq.requests[0]
    assert request.filename == "answer.wav"
    with wave.open(BytesIO(request.content)) as file:
        assert (file.getframerate(), file.getnchannels(), file.getsampwidth()) == (16000, 1, 2)
        assert file.readframes(file.getnframes()) == audio.pcm
    assert transcript.words[-1].end == pytest.approx(audio.duration_s, abs=0.5)


async def test_an_original_bigger_than_the_decoded_audio_is_sent_as_wav(
    fake_groq: FakeGroq,
) -> None:
    original = speech_wav(ANSWER).read_bytes()  # espeak-ng's 22.05 kHz WAV
    audio = decode_audio(original, max_duration_s=MAX)
    assert audio.container == "wav" and len(original) > len(audio.pcm)
    engine = groq_engine(fake_groq)
    await engine.transcribe(audio, original, "en")
    await engine.close()
    request = fake_groq.requests[0]
    assert request.filename == "answer.wav" and request.size < len(original)
    with wave.open(BytesIO(request.content)) as file:
        assert file.getframerate() == 16000


async def test_the_fake_refuses_oga_like_groq(fake_groq: FakeGroq) -> None:
    _, data = voice_note()
    client = groq.AsyncGroq(api_key="gsk_test", base_url=fake_groq.base_url, max_retries=0)
    with pytest.raises(groq.BadRequestError) as caught:
        await client.audio.transcriptions.create(
            file=("voice.oga", data), model="whisper-large-v3-turbo"
        )
    await client.close()
    assert "ogg" in str(caught.value) and caught.value.status_code == 400


async def test_a_rate_limit_is_retried(fake_groq: FakeGroq) -> None:
    audio, data = voice_note()
    fake_groq.script(RateLimited(retry_after=0.05), Reply("An index keeps values sorted."))
    engine = groq_engine(fake_groq)
    transcript = await engine.transcribe(audio, data, "en")
    await engine.close()
    assert transcript.text == "An index keeps values sorted."
    assert len(fake_groq.requests) == 2 and fake_groq.pending == 0


async def test_server_errors_fall_back_to_offline_in_english(
    fake_groq: FakeGroq, offline: WhisperSpeechToText
) -> None:
    audio, data = voice_note()
    fake_groq.script(ServerError(500), ServerError(502), ServerError(503))
    stt = FallbackSpeechToText(groq_engine(fake_groq), offline)
    transcript = await stt.transcribe(audio, data, "en")
    await stt.primary.close()
    assert len(fake_groq.requests) == 3
    assert transcript.engine == "whisper"
    assert len(transcript.words) >= 8


async def test_server_errors_in_russian_fall_back_to_offline_russian(
    fake_groq: FakeGroq, offline: WhisperSpeechToText
) -> None:
    audio, data = voice_note(RUSSIAN_ANSWER, "ru")
    fake_groq.script(ServerError(500), ServerError(500), ServerError(500))
    stt = FallbackSpeechToText(groq_engine(fake_groq), offline)
    transcript = await stt.transcribe(audio, data, "ru")
    await stt.primary.close()
    assert len(fake_groq.requests) == 3
    assert_heard_as_russian(transcript)


async def test_a_timeout_is_retried_and_then_gives_up(fake_groq: FakeGroq) -> None:
    audio, data = voice_note()
    fake_groq.script(Hang(3.0), Reply("It is a tree."))
    engine = groq_engine(fake_groq, timeout=0.3)
    assert (await engine.transcribe(audio, data, "en")).text == "It is a tree."
    assert len(fake_groq.requests) == 2

    fake_groq.script(Hang(3.0), Hang(3.0))
    with pytest.raises(SpeechUnavailable):
        await groq_engine(fake_groq, timeout=0.3, attempts=2).transcribe(audio, data, "en")
    assert len(fake_groq.requests) == 4
    await engine.close()


async def test_a_bad_request_is_not_retried(fake_groq: FakeGroq) -> None:
    audio, data = voice_note()
    fake_groq.script(BadRequest("audio file could not be decoded"), Reply("never sent"))
    engine = groq_engine(fake_groq)
    with pytest.raises(SpeechUnavailable):
        await engine.transcribe(audio, data, "en")
    await engine.close()
    assert len(fake_groq.requests) == 1 and fake_groq.pending == 1


@pytest.mark.parametrize(
    "reply",
    [NoSpeech(), Reply(""), Reply("[Music]"), Reply("♪ ♪ ♪"), Reply(FILLER_PROMPTS["en"])],
)
async def test_a_reply_without_speech_is_no_speech_and_final(
    fake_groq: FakeGroq, offline: WhisperSpeechToText, reply: NoSpeech | Reply
) -> None:
    audio, data = voice_note()
    fake_groq.script(reply)
    stt = FallbackSpeechToText(groq_engine(fake_groq), offline)
    with pytest.raises(AudioRejected) as caught:
        await stt.transcribe(audio, data, "en")
    await stt.primary.close()
    assert caught.value.problem is AudioProblem.NO_SPEECH
    assert len(fake_groq.requests) == 1  # neither retried nor handed to the offline engine


async def test_without_word_timings_segments_give_the_words(fake_groq: FakeGroq) -> None:
    audio, data = voice_note()
    fake_groq.script(Reply("An index is a tree.", include_words=False))
    engine = groq_engine(fake_groq)
    transcript = await engine.transcribe(audio, data, "en")
    await engine.close()
    assert [word.text for word in transcript.words] == ["An", "index", "is", "a", "tree."]
    assert transcript.words[0].start == 0.0
    assert transcript.words[-1].end == pytest.approx(audio.duration_s, abs=0.01)
    step = transcript.words[1].start - transcript.words[0].start
    assert step == pytest.approx(audio.duration_s / 5, abs=0.01)


# --- offline ------------------------------------------------------------------------------------


async def test_offline_recognises_english_with_word_timings(offline: WhisperSpeechToText) -> None:
    audio, data = voice_note()
    transcript = await offline.transcribe(audio, data, "en")
    assert transcript.engine == "whisper" and transcript.language == "en"
    heard = {word.text.strip(".,").lower() for word in transcript.words}
    said = {word.strip(".,").lower() for word in ANSWER.split()}
    assert len(heard & said) >= len(said) - 2  # Whisper base hears espeak-ng's English well
    assert transcript.text[0].isupper() and transcript.text.endswith(".")
    starts = [word.start for word in transcript.words]
    assert starts == sorted(starts)
    assert all(0 <= word.start < word.end <= audio.duration_s + 0.05 for word in transcript.words)


async def test_warm_up_loads_the_model_once_in_every_worker(
    caplog: pytest.LogCaptureFixture,
) -> None:
    engine = WhisperSpeechToText(Settings(_env_file=None).speech_model_dir, workers=2)
    try:
        with caplog.at_level(logging.INFO, logger="services.speech.whisper_engine"):
            await engine.warm_up()
        assert "offline speech recognition ready: Whisper base in 2 worker" in caplog.text
        pool = engine._pool
        # Two processes, each started by the initializer that loads the model (a failed load
        # breaks the pool), and each task answered that the model is there.
        assert pool is not None and len(pool._processes) == 2
        assert [future.result() for future in engine._launched] == [True, True]
        audio, data = voice_note()
        await asyncio.gather(*(engine.transcribe(audio, data, "en") for _ in range(2)))
        assert engine._pool is pool  # the same two processes, nothing loaded again
    finally:
        await engine.close()
    assert threads_per_worker(2) >= 1 and threads_per_worker(64) == 1


async def test_offline_recognises_russian(offline: WhisperSpeechToText) -> None:
    audio, data = voice_note(RUSSIAN_ANSWER, "ru")
    assert_heard_as_russian(await offline.transcribe(audio, data, "ru"))


async def test_offline_detects_the_language_when_none_is_given(
    offline: WhisperSpeechToText,
) -> None:
    audio, data = voice_note()
    transcript = await offline.transcribe(audio, data, None)
    assert transcript.language == "en" and "index" in transcript.text.lower()


async def test_offline_keeps_fillers_for_the_metrics(offline: WhisperSpeechToText) -> None:
    text = "Um, so basically, I think the index is, you know, a tree. Well, it is sorted."
    heard = await hear_answer(speech_ogg(text), language="en", stt=offline, max_duration_s=MAX)
    assert heard.transcript.engine == "whisper"
    assert heard.transcript.text.lower().startswith("um, so basically")
    fillers = dict(heard.metrics.top_fillers)
    assert fillers.get("um") == 1 and fillers.get("basically") == 1
    assert heard.metrics.fillers_total >= 4  # um, so, basically, you know, well
    assert 130 < heard.metrics.wpm < 220  # espeak-ng speaks at 160 words a minute
    assert heard.metrics.long_pauses == 0


def test_captions_and_credits_nobody_said_are_left_out() -> None:
    reply = {
        "text": "Мы добавили индекс. АПЛОДИСМЕНТЫ Продолжение следует...",
        "segments": [
            {"text": " Мы добавили индекс.", "start": 0.0, "end": 2.0},
            {"text": " АПЛОДИСМЕНТЫ", "start": 2.0, "end": 3.0},
            {"text": " Продолжение следует...", "start": 3.0, "end": 4.0},
        ],
        "words": [
            {"word": " Мы", "start": 0.0, "end": 0.4},
            {"word": " добавили", "start": 0.4, "end": 1.2},
            {"word": " индекс.", "start": 1.2, "end": 2.0},
            {"word": " АПЛОДИСМЕНТЫ", "start": 2.1, "end": 2.9},
            {"word": " Продолжение", "start": 3.0, "end": 3.5},
            {"word": " следует...", "start": 3.5, "end": 4.0},
        ],
    }
    transcript = transcript_from_reply(reply, language="ru", duration_s=4.0, engine="whisper")
    assert transcript.text == "Мы добавили индекс."
    assert [word.text for word in transcript.words] == ["Мы", "добавили", "индекс."]
    only_captions = {"text": " СПОКОЙНАЯ МУЗЫКА", "segments": [{"text": " СПОКОЙНАЯ МУЗЫКА"}]}
    with pytest.raises(AudioRejected) as caught:
        transcript_from_reply(only_captions, language="ru", duration_s=4.0, engine="whisper")
    assert caught.value.problem is AudioProblem.NO_SPEECH
    # Acronyms in capitals are speech, and so is a sentence that starts with "субтитры".
    for text in ("СУБД.", "СУБД ACID.", "Субтитры я делал сам."):
        said = {"text": text, "segments": [{"text": f" {text}", "start": 0.0, "end": 1.0}]}
        assert transcript_from_reply(said, language="ru", duration_s=1, engine="g").text == text


def test_a_decoding_loop_is_kept_once_in_the_words_and_the_text() -> None:
    said = ["Я", "бы,"] + ["я", "бы,"] * 6 + ["добавил", "индекс."]
    reply = {
        "text": " ".join(said),
        "segments": [{"text": " ".join(said), "start": 0.0, "end": 5.0}],
        # Groq's words come without punctuation: the text keeps its own.
        "words": [
            {"word": word.strip(",."), "start": i * 0.3, "end": i * 0.3 + 0.2}
            for i, word in enumerate(said)
        ],
    }
    transcript = transcript_from_reply(reply, language="ru", duration_s=5.0, engine="groq")
    assert transcript.text == "Я бы, добавил индекс."
    assert [word.text for word in transcript.words] == ["Я", "бы", "добавил", "индекс"]


def test_a_prompt_written_back_is_recognised() -> None:
    assert echoes_prompt("Ну, э-э, как бы, типа. Иван.", FILLER_PROMPTS["ru"])
    assert echoes_prompt("Um, uh, hmm, like, you know", FILLER_PROMPTS["en"])
    assert not echoes_prompt("Um, so basically, an index is a tree.", FILLER_PROMPTS["en"])


def test_what_people_say_more_than_once_is_not_a_loop() -> None:
    for tokens in (
        ["no", "no", "no", "I", "mean", "yes"],  # said three times: how people talk
        ["returned", "200,", "201,", "204,", "404", "then", "500"],  # numbers differ
        ["1,", "2,", "3,", "4,", "5"],
        ["—", "—", "—", "—", "well"],  # no letters or digits: nothing to compare
    ):
        assert indexes_without_loops(tokens) == list(range(len(tokens)))


# --- the pipeline and the configuration ---------------------------------------------------------


async def test_hear_answer_reports_steps_and_measures_the_answer(fake_groq: FakeGroq) -> None:
    _, data = voice_note()
    steps: list[HearingStep] = []

    async def on_step(step: HearingStep) -> None:
        steps.append(step)

    engine = groq_engine(fake_groq)
    heard = await hear_answer(data, language="en", stt=engine, max_duration_s=MAX, on_step=on_step)
    await engine.close()
    assert steps == [HearingStep.DECODING, HearingStep.TRANSCRIBING, HearingStep.MEASURING]
    assert heard.transcript.text == DEFAULT_TEXT
    assert heard.metrics.words == len(DEFAULT_TEXT.split())
    assert heard.metrics.fillers_total == 3  # um, so, like
    assert heard.metrics.top_fillers == (("um", 1), ("so", 1), ("like", 1))
    assert heard.metrics.wpm > 100


async def test_music_is_no_speech_before_any_engine_runs(fake_groq: FakeGroq) -> None:
    engine = groq_engine(fake_groq)
    with pytest.raises(AudioRejected) as caught:
        await hear_answer(music_ogg(5, "melody"), language="en", stt=engine, max_duration_s=MAX)
    await engine.close()
    assert caught.value.problem is AudioProblem.NO_SPEECH
    assert fake_groq.requests == []


def test_configuration_picks_the_engines() -> None:
    offline_only = build_speech_to_text(
        Settings(_env_file=None, groq_api_key=None, speech_model_dir=Path("/srv/model"))
    )
    assert isinstance(offline_only, WhisperSpeechToText)
    assert offline_only.workers == 1 and offline_only.model_folder == Path("/srv/model")
    relative = Settings(_env_file=None, speech_model_dir=Path("data/whisper-base"))
    assert relative.speech_model_dir == PROJECT_ROOT / "data" / "whisper-base"

    stt = build_speech_to_text(
        Settings(
            _env_file=None,
            groq_api_key=SecretStr("gsk_key"),
            groq_base_url="http://127.0.0.1:9/",
            stt_model="whisper-large-v3",
            stt_timeout_seconds=12,
            speech_workers=2,
        )
    )
    assert isinstance(stt, FallbackSpeechToText)
    assert isinstance(stt.primary, GroqSpeechToText) and stt.primary.model == "whisper-large-v3"
    assert isinstance(stt.fallback, WhisperSpeechToText) and stt.fallback.workers == 2
    client = stt.primary.client
    assert client.api_key == "gsk_key"
    assert str(client.base_url).startswith("http://127.0.0.1:9")
    assert client.timeout == 12 and client.max_retries == 0
