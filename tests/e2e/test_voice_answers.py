"""Voice answers end to end: a real voice note (espeak-ng → OGG/Opus) goes through the emulator,
the bot downloads it over HTTP, decodes it, transcribes it with the real `groq` SDK against a
fake Groq server (or offline with the packaged Whisper base model), shows the transcript with
its delivery, and scores the confirmed text like a typed answer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.harness import BotHarness, HarnessFactory, new_user
from tests.e2e.interview_driver import (
    Messages,
    Speaker,
    answer_rows,
    committed_answer_rows,
    has_button,
    interview_rows,
    is_report_summary,
)
from tests.fakes.groq_server import FakeGroq, RateLimited, Reply, ServerError
from tests.speech_fixtures import (
    RUSSIAN_ANSWER,
    clipped_speech_ogg,
    heard_as_russian,
    long_ogg,
    mp3_bytes,
    music_ogg,
    silence_ogg,
    speech_ogg,
    video_note_mp4,
)

pytestmark = pytest.mark.usefixtures("seeded_bank")

ANSWER = "I would add an index on the email column, so lookups stop scanning the whole table."
SPOKEN = "Um, I would add an index on the email column, so, like, lookups stop scanning the table."
HEARD = "Here is what I heard"
HEARD_RU = "Вот что я услышал"


@pytest.fixture
async def fake_groq() -> AsyncIterator[FakeGroq]:
    async with FakeGroq() as fake:
        yield fake


async def _groq_bot(factory: HarnessFactory, fake: FakeGroq) -> BotHarness:
    return await factory.start(
        groq_api_key="test-key", groq_base_url=fake.base_url, stt_timeout_seconds=2
    )


async def _answering(
    factory: HarnessFactory, fake: FakeGroq | None = None
) -> tuple[BotHarness, Speaker]:
    """A bot (Groq through `fake`, else offline recognition) and an English user at question 1
    of a 3-question interview."""
    harness = await (_groq_bot(factory, fake) if fake is not None else factory.start())
    person = Speaker(harness, new_user("en"))
    await person.start_track("Backend", "Junior", "Databases", 3)
    return harness, person


async def _start_track_in_russian(person: Speaker) -> None:
    await person.send("/interview")
    home = await person.wait_bot_text("Пробные собеседования")
    screen = await person.press_and_wait_screen(home, "Выбрать направление", "какую роль")
    screen = await person.press_and_wait_screen(screen, "Бэкенд", "какой уровень")
    screen = await person.press_and_wait_screen(screen, "Junior", "какая тема")
    screen = await person.press_and_wait_screen(screen, "Базы данных", "Сколько вопросов")
    await person.press_and_wait_screen(screen, "3 вопроса", "Вопрос 1/")


def _moved_on(replies: Messages) -> bool:
    """The answer was scored and the interview went on: question 2, or question 1's follow-up."""
    return any(
        marker in (m["text"] or "")
        for m in replies
        for marker in (
            "Question 2/3",
            "Follow-up to question 1/3",
            "Вопрос 2/3",
            "Уточнение к вопросу 1/3",
        )
    )


async def _only_interview(database_url: str, user_id: int):  # type: ignore[no-untyped-def]
    [interview] = await interview_rows(database_url, user_id)
    return interview


async def test_a_voice_answer_is_transcribed_confirmed_and_scored_with_its_delivery(
    harness_factory: HarnessFactory, fake_groq: FakeGroq, seeded_bank: str
) -> None:
    fake_groq.default_text = SPOKEN
    harness, person = await _answering(harness_factory, fake_groq)

    transcript = await person.speak(speech_ogg(SPOKEN))

    text = transcript["text"]
    assert HEARD in text and "lookups stop scanning" in text
    assert "words/min" in text and "Filler words" in text and "um ×1" in text
    for label in ("Use it", "Edit", "Record again"):
        assert has_button(transcript, label)
    [request] = fake_groq.requests
    assert request.filename == "answer.ogg" and request.language == "en"
    assert request.response_format == "verbose_json"
    assert set(request.timestamp_granularities) == {"word", "segment"}
    assert request.prompt and "um" in request.prompt.lower()
    # Progress was shown while working: the status message went through its steps.
    calls = await harness.client.requests()
    edits = [c["params"].get("text", "") for c in calls if c["method"] == "editMessageText"]
    assert any("(2/3)" in edit for edit in edits)
    assert any(
        c["method"] == "sendChatAction" and c["params"].get("action") == "typing" for c in calls
    )

    replies = await person.use(transcript)
    assert _moved_on(replies)
    interview = await _only_interview(seeded_bank, person.chat_id)
    [row] = await committed_answer_rows(seeded_bank, interview.id)
    assert row.source == "voice" and row.answer_text == SPOKEN and row.score is not None
    assert row.speech is not None and row.speech["wpm"] > 0 and row.speech["fillers_total"] >= 2


async def test_edit_replaces_the_text_and_keeps_the_delivery(
    harness_factory: HarnessFactory, fake_groq: FakeGroq, seeded_bank: str
) -> None:
    fake_groq.default_text = "I would add an in dex on the e mail column."
    _, person = await _answering(harness_factory, fake_groq)
    transcript = await person.speak(speech_ogg(ANSWER))

    prompt = await person.press_and_wait_screen(transcript, "Edit", "Send the corrected text")
    assert "in dex" in prompt["text"]
    replies = await person.answer(ANSWER)
    assert _moved_on(replies)
    interview = await _only_interview(seeded_bank, person.chat_id)
    [row] = await committed_answer_rows(seeded_bank, interview.id)
    assert row.answer_text == ANSWER and row.source == "voice" and row.speech is not None


async def test_record_again_drops_the_transcript_and_its_buttons_go_stale(
    harness_factory: HarnessFactory, fake_groq: FakeGroq, seeded_bank: str
) -> None:
    harness, person = await _answering(harness_factory, fake_groq)
    first = await person.speak(speech_ogg("Let me think."))
    await person.press_and_wait_screen(first, "Record again", "this recording is dropped")

    answer_id = await person.press(first, "Use it")
    answer = await harness.client.callback_answer(answer_id, wait=5)
    assert "already moved past" in (answer.get("text") or "")
    interview = await _only_interview(seeded_bank, person.chat_id)
    assert await answer_rows(seeded_bank, interview.id) == []

    fake_groq.default_text = ANSWER
    second = await person.speak(speech_ogg(ANSWER))
    await person.use(second)
    [row] = await committed_answer_rows(seeded_bank, interview.id)
    assert row.answer_text == ANSWER


async def test_offline_recognition_answers_in_english_without_a_speech_service(
    harness_factory: HarnessFactory, seeded_bank: str
) -> None:
    _, person = await _answering(harness_factory)  # no GROQ_API_KEY: offline Whisper
    transcript = await person.speak(
        speech_ogg("I would add an index to the table to make the search faster.")
    )
    assert HEARD in transcript["text"] and has_button(transcript, "Use it")
    assert "the table to make the search faster" in transcript["text"]
    await person.use(transcript)
    interview = await _only_interview(seeded_bank, person.chat_id)
    [row] = await committed_answer_rows(seeded_bank, interview.id)
    assert row.source == "voice" and "search faster" in row.answer_text


async def test_russian_voice_answers_are_heard_offline_in_russian(
    harness_factory: HarnessFactory, seeded_bank: str
) -> None:
    harness = await harness_factory.start()
    person = Speaker(harness, new_user("ru", "Иван"))
    await _start_track_in_russian(person)

    transcript = await person.speak(speech_ogg(RUSSIAN_ANSWER, language="ru"))
    assert HEARD_RU in transcript["text"] and has_button(transcript, "Использовать")
    assert "слов/мин" in transcript["text"]
    replies = await person.use(transcript, "Использовать")
    assert _moved_on(replies)
    interview = await _only_interview(seeded_bank, person.chat_id)
    [row] = await committed_answer_rows(seeded_bank, interview.id)
    assert row.source == "voice" and heard_as_russian(row.answer_text)


async def test_a_refused_model_asks_for_text_and_loses_nothing(
    harness_factory: HarnessFactory, seeded_bank: str, tmp_path: Path
) -> None:
    broken = tmp_path / "whisper-base"
    broken.mkdir()
    (broken / "model.bin").write_bytes(b"not the model")  # a damaged cache is never loaded
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        (broken / name).write_text("{}")
    harness = await harness_factory.start(speech_model_dir=broken)
    person = Speaker(harness, new_user("en"))
    await person.start_track("Backend", "Junior", "Databases", 3)

    refusal = await person.speak(speech_ogg("I would add an index."))
    assert "Please type your answer" in refusal["text"]
    replies = await person.answer(ANSWER)
    assert _moved_on(replies)
    interview = await _only_interview(seeded_bank, person.chat_id)
    [row] = await committed_answer_rows(seeded_bank, interview.id)
    assert row.source == "text"


async def test_groq_failures_fall_back_offline_in_english_and_russian(
    harness_factory: HarnessFactory, fake_groq: FakeGroq, seeded_bank: str
) -> None:
    harness = await _groq_bot(harness_factory, fake_groq)
    english = Speaker(harness, new_user("en"))
    await english.start_track("Backend", "Junior", "Databases", 3)
    fake_groq.script(ServerError(500), ServerError(502), ServerError(500))
    transcript = await english.speak(
        speech_ogg("I would add an index to the table to make the search faster.")
    )
    assert HEARD in transcript["text"]
    assert len(fake_groq.requests) == 3  # retried with backoff, then the offline Whisper answered
    assert "the search faster" in transcript["text"]
    await english.use(transcript)

    russian = Speaker(harness, new_user("ru", "Иван"))
    await _start_track_in_russian(russian)
    fake_groq.script(ServerError(500), ServerError(500), ServerError(500))
    transcript = await russian.speak(speech_ogg(RUSSIAN_ANSWER, language="ru"))
    assert HEARD_RU in transcript["text"] and len(fake_groq.requests) == 6


async def test_a_rate_limit_is_waited_out_and_the_transcript_arrives(
    harness_factory: HarnessFactory, fake_groq: FakeGroq
) -> None:
    _, person = await _answering(harness_factory, fake_groq)
    fake_groq.script(RateLimited(retry_after=0.2), Reply(ANSWER))
    transcript = await person.speak(speech_ogg(ANSWER))
    assert "lookups stop scanning" in transcript["text"]
    assert len(fake_groq.requests) == 2


BAD_RECORDINGS = {
    "empty": (lambda: b"", "voice", "voice.ogg", "audio/ogg", "file is empty"),
    "corrupt": (
        lambda: b"OggS" + bytes(range(256)) * 8,
        "voice",
        "voice.ogg",
        "audio/ogg",
        "seems damaged",
    ),
    "too-short": (
        lambda: clipped_speech_ogg(ANSWER, 0.2),
        "voice",
        "voice.ogg",
        "audio/ogg",
        "too short",
    ),
    "silence": (lambda: silence_ogg(4), "voice", "voice.ogg", "audio/ogg", "only silence"),
    "music": (lambda: music_ogg(6), "voice", "voice.ogg", "audio/ogg", "couldn't hear speech"),
    "pdf-as-audio": (
        lambda: b"%PDF-1.4\n" + b"0" * 2048,
        "document",
        "answer.mp3",
        "audio/mpeg",
        "not audio",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_RECORDINGS))
async def test_bad_recordings_get_a_clear_answer_and_the_question_stays(
    harness_factory: HarnessFactory, fake_groq: FakeGroq, seeded_bank: str, case: str
) -> None:
    make, kind, filename, mime_type, expected = BAD_RECORDINGS[case]
    _, person = await _answering(harness_factory, fake_groq)
    reply = await person.speak(make(), kind=kind, filename=filename, mime_type=mime_type)
    assert expected in reply["text"]
    assert not fake_groq.requests  # nothing unusable was sent to the speech service
    interview = await _only_interview(seeded_bank, person.chat_id)
    assert interview.position == 0 and await answer_rows(seeded_bank, interview.id) == []
    # The way back: the same question takes a typed answer.
    replies = await person.answer(ANSWER)
    assert _moved_on(replies)


async def test_a_thirty_minute_recording_is_refused_before_download(
    harness_factory: HarnessFactory, fake_groq: FakeGroq
) -> None:
    harness, person = await _answering(harness_factory, fake_groq)
    # An audio file: the emulator measures it (ffprobe) without re-encoding 30 minutes as a
    # voice note would be, and Telegram tells the bot its duration before any download.
    reply = await person.speak(
        long_ogg(30 * 60), kind="audio", filename="lecture.ogg", mime_type="audio/ogg"
    )
    assert "30 min long" in reply["text"] and "up to 5 min" in reply["text"]
    calls = await harness.client.requests()
    assert not any(call["method"] == "getFile" for call in calls)


async def test_an_mp3_renamed_to_ogg_and_a_video_note_are_heard_by_content(
    harness_factory: HarnessFactory, fake_groq: FakeGroq
) -> None:
    fake_groq.default_text = ANSWER
    _, person = await _answering(harness_factory, fake_groq)
    renamed = await person.speak(
        mp3_bytes(ANSWER), kind="document", filename="answer.ogg", mime_type="audio/ogg"
    )
    assert HEARD in renamed["text"]
    assert fake_groq.requests[-1].filename == "answer.mp3"  # named by what it is
    await person.press_and_wait_screen(renamed, "Record again", "this recording is dropped")
    video = await person.speak(
        video_note_mp4(ANSWER), kind="video_note", filename="note.mp4", mime_type="video/mp4"
    )
    assert HEARD in video["text"]


async def test_twenty_voice_notes_at_once_all_get_transcripts_and_help_still_answers(
    harness_factory: HarnessFactory, seeded_bank: str
) -> None:
    harness = await harness_factory.start()  # offline recognition: the slow path
    people = [Speaker(harness, new_user("en", f"Voice{i}")) for i in range(20)]
    await asyncio.gather(*(p.start_track("Backend", "Junior", "Databases", 3) for p in people))
    note = speech_ogg("I would add an index to the table to make the search faster.")
    speaking = [asyncio.create_task(p.speak(note, timeout=180)) for p in people]
    bystander = new_user("en", "Bystander")
    [help_reply] = await harness.say(bystander, "/help", timeout=30)
    assert "What I can do" in help_reply["text"]
    # Help was answered while the recordings were still being transcribed.
    assert sum(task.done() for task in speaking) < len(speaking)
    transcripts = await asyncio.gather(*speaking)
    assert all(HEARD in t["text"] and has_button(t, "Use it") for t in transcripts)


async def test_report_and_progress_show_the_delivery_of_spoken_answers(
    harness_factory: HarnessFactory, fake_groq: FakeGroq
) -> None:
    fake_groq.default_text = SPOKEN
    _, person = await _answering(harness_factory, fake_groq)
    replies: Messages = []
    for _ in range(3):
        transcript = await person.speak(speech_ogg(SPOKEN))
        replies = await person.use(transcript)
        follow_up = [m for m in replies if "Follow-up" in (m["text"] or "")]
        if follow_up and not any(is_report_summary(m) for m in replies):
            replies = await person.answer(ANSWER)
    summary = next(m for m in replies if is_report_summary(m))
    assert "Delivery" in summary["text"] and "words/min" in summary["text"]
    await person.send("/progress")
    progress = await person.wait_bot_text("Delivery over time")
    assert "words/min" in progress["text"]


async def test_questions_are_read_aloud_once_turned_on_in_settings(
    harness_factory: HarnessFactory,
) -> None:
    from services.speech.synthesis import espeak_available

    if not espeak_available():
        pytest.skip("espeak-ng and ffmpeg are needed for offline text-to-speech")
    harness = await harness_factory.start()
    person = Speaker(harness, new_user("en"))
    await person.send("/settings")
    settings = await person.wait_bot_text("Questions read aloud: off")
    settings = await person.press_and_wait_screen(
        settings, "Read questions aloud", "Questions read aloud: on"
    )
    await person.start_track("Backend", "Junior", "Databases", 3)
    messages = await person.until(
        lambda ms: any(m["from_bot"] and (m.get("media") or {}).get("kind") == "voice" for m in ms),
        timeout=30,
        what="the question as a voice note",
    )
    voice = next(m for m in messages if (m.get("media") or {}).get("kind") == "voice")
    assert voice["media"]["duration"] >= 1
