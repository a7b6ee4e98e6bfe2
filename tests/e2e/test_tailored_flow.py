"""Tailored interviews end to end: a resume PDF and a pasted job description → own questions.

The real bot talks to the Telegram emulator; the resume travels as a real document upload and
the bot downloads it through the Bot API. Planning is offline unless a test starts the bot with
an API key pointing at the fake OpenAI server.
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from services.interview.tailored import MAX_RESUME_BYTES, TAILORED_PROMPT_MARKER
from tests.e2e.harness import HarnessFactory, new_user
from tests.e2e.interview_driver import (
    InterviewUser,
    has_button,
    interview_rows,
    labels,
)
from tests.fakes.openai_server import FakeOpenAI, InvalidJson, RecordedRequest, ServerError
from tests.pdfs import corrupt_pdf, encrypted, png_bytes, scanned_pdf, text_pdf

pytestmark = pytest.mark.usefixtures("seeded_bank")

PROJECT = "Built a payment service in Go handling 2,000 requests per second"
RESUME = f"""Alex Morgan
Backend Engineer
alex@example.com | github.com/alexmorgan
Experience
Fintech Co. — Backend Engineer (2019 – present)
• {PROJECT}
• Migrated the billing jobs to Kubernetes and cut the nightly run from 3 hours to 20 minutes
Education
BSc Computer Science, 2015 – 2019
Skills: Go, PostgreSQL, Docker, Kubernetes
"""
JOB = """Senior Go Engineer (Payments)
Responsibilities
- Build and run the payment APIs used by 3 million people
Requirements
- 5+ years of commercial experience with Go
- Strong knowledge of PostgreSQL: indexes, transactions, query tuning
- Experience with Kafka in production
- Kubernetes and Docker
We offer
- Remote work
"""
RU_JOB = """Senior Go-разработчик (платежи)
Обязанности:
• разработка и поддержка платёжного API
Требования:
• опыт коммерческой разработки на Go от 5 лет
• уверенное знание PostgreSQL и оптимизации запросов
• опыт работы с Kafka
• Kubernetes и Docker
Мы предлагаем:
• удалённую работу
"""
REQUIRED_SKILLS = ("Go", "PostgreSQL", "Kafka", "Kubernetes")

# What the user sees (locales/en/tailored.ftl, locales/en/interview.ftl).
MENU_BUTTON = "Tailored: resume + job"
SKIP_RESUME = "No resume, just the job"
ASK_RESUME = "Send your resume as a PDF document"
RESUME_READ = "Resume read:"
ASK_JOB = "Now paste the job description"
SUMMARY = "Here is what I found"
SIMPLIFIED = "The AI assistant is unavailable right now"
SEND_PDF_HINT = "Please send your resume as a PDF document"
PASTE_JOB_HINT = "Please paste the job description as a text message"

# The fake model's questions carry this word, which no offline template contains.
LLM_WORD = "Zephyrine"
PLAN_COUNT_RE = re.compile(r"Write exactly (\d+) interview questions")


def llm_plan_judge(recorded: RecordedRequest) -> dict[str, Any]:
    """A schema-valid plan from the "model", its questions marked with `LLM_WORD`."""
    found = PLAN_COUNT_RE.search(recorded.system)
    count = int(found.group(1)) if found else 5
    return {
        "skills": ["Go", "PostgreSQL", "Kafka", "Kubernetes"],
        "seniority": "senior",
        "requirements": ["5+ years of Go", "PostgreSQL query tuning", "Kafka in production"],
        "projects": [PROJECT],
        "job_summary": "Senior Go engineer for payment APIs: Go, PostgreSQL, Kafka, Kubernetes.",
        "questions": [
            {
                "text": f"{LLM_WORD} question {number}: your payment service in Go handled "
                "2,000 requests per second. How would you keep it correct when adding Kafka?",
                "kind": "behavioral" if number == 1 else "technical",
                "topic": "Kafka",
                "skills": ["Kafka", "Go"],
                "key_points": [
                    "Partitioning by payment id",
                    "Idempotent consumers",
                    "Outbox pattern for PostgreSQL writes",
                    "Monitoring consumer lag",
                ],
                "reference_answer": "Partition events by payment id, make consumers idempotent, "
                "write through an outbox table and watch consumer lag.",
            }
            for number in range(1, count + 1)
        ],
    }


@pytest.fixture
async def fake_openai() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as fake:
        fake.register_judge(TAILORED_PROMPT_MARKER, llm_plan_judge)
        yield fake


def with_llm(fake: FakeOpenAI) -> dict[str, Any]:
    return {"openai_api_key": "test", "openai_base_url": fake.base_url, "llm_timeout_seconds": 2}


# --- what the user does ------------------------------------------------------------------------


async def open_tailored(person: InterviewUser) -> dict[str, Any]:
    """Interview home → "Tailored: resume + job"; returns the "send your resume" screen."""
    home = await person.open_interview_home()
    screen = await person.press_and_wait_screen(home, MENU_BUTTON, ASK_RESUME)
    assert has_button(screen, SKIP_RESUME)
    return screen


async def send_document(
    person: InterviewUser,
    data: bytes,
    filename: str = "resume.pdf",
    mime_type: str = "application/pdf",
) -> int:
    sent = await person.client.send_file(
        person.chat_id, person.user, "document", data, filename, mime_type
    )
    return sent["message"]["message_id"]


async def upload_resume(person: InterviewUser, data: bytes, expect: str) -> dict[str, Any]:
    """Sends `data` as resume.pdf; returns the bot's answer containing `expect`."""
    sent = await send_document(person, data)
    return await person.wait_bot_text(expect, after=sent)


async def paste_job(person: InterviewUser, text: str, expect: str) -> dict[str, Any]:
    sent = await person.send(text)
    return await person.wait_bot_text(expect, after=sent)


def bot_texts(messages: list[dict[str, Any]]) -> list[str]:
    return [m["text"] or m["caption"] or "" for m in messages if m["from_bot"]]


# --- the happy paths ---------------------------------------------------------------------------


async def test_resume_and_job_give_questions_about_the_users_project_offline(
    harness_factory: HarnessFactory, seeded_bank: str
) -> None:
    harness = await harness_factory.start()
    person = InterviewUser(harness, new_user("en", "Alex"))
    await open_tailored(person)

    read = await upload_resume(person, text_pdf(RESUME), RESUME_READ)
    assert ASK_JOB in read["text"]
    characters = int(re.search(r"Resume read: (\d+) characters", read["text"]).group(1))
    assert characters > 200
    assert labels(read) == ["⬅️ Back"]

    sent = await person.send(JOB)
    summary = await person.wait_bot_text(SUMMARY, after=sent)
    question = await person.wait_bot_text("Question 1/5", after=sent)
    assert summary["message_id"] < question["message_id"]
    assert "Level: senior" in summary["text"]
    for skill in REQUIRED_SKILLS:
        assert skill in summary["text"]
    assert "I have prepared 5 questions" in summary["text"]
    assert SIMPLIFIED not in summary["text"]
    assert has_button(question, "Skip")
    # The first question is about the user's own project, quoted from the resume.
    assert PROJECT in question["text"]

    [interview] = await interview_rows(seeded_bank, person.chat_id)
    assert interview.status == "active" and interview.mode == "tailored"
    assert interview.position == 0 and len(interview.plan) == 5
    assert interview.job_context and "Kafka" in interview.job_context
    texts = [item["text"] for item in interview.plan]
    assert any(PROJECT in text for text in texts)
    assert any(skill in text for text in texts for skill in REQUIRED_SKILLS if skill != "Go")

    replies = await person.answer(
        "The payment service was a Go monolith behind a load balancer. I owned the settlement "
        "module: I moved writes to PostgreSQL transactions with idempotency keys, which cut "
        "double charges to zero, and we reached 2,000 requests per second at p99 of 80 ms."
    )
    feedback = replies[0]["text"]
    assert "Question 1/5:" in feedback and "/10" in feedback
    assert "Something went wrong" not in " ".join(bot_texts(replies))
    [interview] = await interview_rows(seeded_bank, person.chat_id)
    assert interview.status == "active"


async def test_questions_come_from_the_llm_when_it_is_configured(
    harness_factory: HarnessFactory, seeded_bank: str, fake_openai: FakeOpenAI
) -> None:
    harness = await harness_factory.start(**with_llm(fake_openai))
    person = InterviewUser(harness, new_user("en"))
    await open_tailored(person)
    await upload_resume(person, text_pdf(RESUME), RESUME_READ)

    sent = await person.send(JOB)
    question = await person.wait_bot_text("Question 1/5", after=sent)
    summary = await person.wait_bot_text(SUMMARY, after=sent)
    assert f"{LLM_WORD} question 1" in question["text"]
    assert SIMPLIFIED not in summary["text"]

    [planning] = [r for r in fake_openai.requests if TAILORED_PROMPT_MARKER in r.system]
    assert "Write exactly 5 interview questions in English (en)" in planning.system
    # The resume read from the PDF and the pasted vacancy reach the model as fenced data.
    assert PROJECT in planning.user and "Experience with Kafka in production" in planning.user
    assert PROJECT not in planning.system

    [interview] = await interview_rows(seeded_bank, person.chat_id)
    assert interview.mode == "tailored"
    assert interview.job_context.startswith("Senior Go engineer for payment APIs")
    assert all(LLM_WORD in item["text"] for item in interview.plan)

    replies = await person.answer(
        "I partitioned the topic by payment id and made the consumers idempotent with an "
        "outbox table in PostgreSQL; we watched consumer lag on a dashboard."
    )
    assert "Question 1/5:" in replies[0]["text"] and "/10" in replies[0]["text"]
    # The answer was scored by the model too, against the vacancy's context.
    assert len(fake_openai.requests) >= 2


async def test_a_failing_llm_still_gives_questions_with_a_notice(
    harness_factory: HarnessFactory, seeded_bank: str, fake_openai: FakeOpenAI
) -> None:
    harness = await harness_factory.start(**with_llm(fake_openai))
    person = InterviewUser(harness, new_user("en"))
    await open_tailored(person)
    await upload_resume(person, text_pdf(RESUME), RESUME_READ)

    fake_openai.script(InvalidJson(), ServerError(503), InvalidJson())
    started = time.monotonic()
    sent = await person.send(JOB)
    question = await person.wait_bot_text("Question 1/5", after=sent)
    summary = await person.wait_bot_text(SUMMARY, after=sent)
    assert time.monotonic() - started < 15

    assert SIMPLIFIED in summary["text"]
    assert LLM_WORD not in question["text"]
    assert PROJECT in question["text"]  # the offline planner still reads the resume
    assert fake_openai.pending == 0
    assert len(fake_openai.requests) == 3

    [interview] = await interview_rows(seeded_bank, person.chat_id)
    assert interview.status == "active" and interview.mode == "tailored"
    assert interview.job_context


async def test_skipping_the_resume_goes_straight_to_the_job(
    harness_factory: HarnessFactory, seeded_bank: str
) -> None:
    harness = await harness_factory.start()
    person = InterviewUser(harness, new_user("en"))
    screen = await open_tailored(person)
    asked = await person.press_and_wait_screen(screen, SKIP_RESUME, ASK_JOB)
    assert asked["message_id"] == screen["message_id"]  # the same screen, edited
    assert RESUME_READ not in asked["text"]

    sent = await person.send(JOB)
    summary = await person.wait_bot_text(SUMMARY, after=sent)
    question = await person.wait_bot_text("Question 1/5", after=sent)
    assert "No projects found in the resume" in summary["text"]
    assert PROJECT not in question["text"]

    [interview] = await interview_rows(seeded_bank, person.chat_id)
    assert interview.mode == "tailored" and interview.job_context
    texts = " ".join(item["text"] for item in interview.plan)
    assert "Kafka" in texts or "PostgreSQL" in texts


# --- refusals that leave the user in the same step ---------------------------------------------


async def test_bad_resume_files_are_explained_and_a_good_one_then_works(
    harness_factory: HarnessFactory, seeded_bank: str
) -> None:
    harness = await harness_factory.start()
    person = InterviewUser(harness, new_user("en"))
    await open_tailored(person)
    resume = text_pdf(RESUME)
    oversize = b"%PDF-1.7\n" + b"0" * (MAX_RESUME_BYTES + 512 * 1024)
    bad_files = [
        ("a PNG named resume.pdf", png_bytes(), "That file is not a PDF"),
        ("a locked PDF", encrypted(resume, user_password="secret"), "protected with a password"),
        ("a scan", scanned_pdf(), "could not find any text in that PDF"),
        ("10.5 MB", oversize, "That file is larger than 10 MB"),
        ("a broken PDF", corrupt_pdf(), "the file seems to be damaged"),
        ("a cut-off PDF", resume[: len(resume) // 2], "the file seems to be damaged"),
    ]
    sent_files: dict[str, str] = {}
    for what, data, expect in bad_files:
        sent = await person.client.send_file(
            person.chat_id, person.user, "document", data, "resume.pdf", "application/pdf"
        )
        sent_files[what] = sent["message"]["media"]["file_id"]
        refusal = await person.wait_bot_text(expect, after=sent["message"]["message_id"])
        # Still the resume step: the user can send another file or skip the resume.
        assert has_button(refusal, SKIP_RESUME), what
        assert RESUME_READ not in refusal["text"], what
    # The size is checked from the update before downloading: the 10.5 MB are never fetched.
    fetched = {r["params"].get("file_id") for r in await person.client.requests(method="getFile")}
    assert sent_files["10.5 MB"] not in fetched
    assert sent_files["a scan"] in fetched

    read = await upload_resume(person, resume, RESUME_READ)
    assert ASK_JOB in read["text"]
    await paste_job(person, JOB, "Question 1/5")
    [interview] = await interview_rows(seeded_bank, person.chat_id)
    assert any(PROJECT in item["text"] for item in interview.plan)
    # Six refusals, one interview: nothing was charged for the failed attempts.
    assert interview.paid_with == "free"


async def test_a_resume_pasted_as_text_works_as_the_errors_suggest(
    harness_factory: HarnessFactory, seeded_bank: str
) -> None:
    harness = await harness_factory.start()
    person = InterviewUser(harness, new_user("en"))
    await open_tailored(person)
    refusal = await upload_resume(person, png_bytes(), "That file is not a PDF")
    assert "paste its text as a message" in refusal["text"]

    sent = await person.send("hi, where do I start?")  # not a resume: the step's hint
    await person.wait_bot_text(SEND_PDF_HINT, after=sent)
    read = await paste_job(person, RESUME, RESUME_READ)
    assert ASK_JOB in read["text"]

    question = await paste_job(person, JOB, "Question 1/5")
    assert PROJECT in question["text"]
    [interview] = await interview_rows(seeded_bank, person.chat_id)
    assert interview.mode == "tailored"


async def test_bad_job_descriptions_are_explained_and_a_good_one_then_works(
    harness_factory: HarnessFactory, seeded_bank: str
) -> None:
    harness = await harness_factory.start()
    person = InterviewUser(harness, new_user("en"))
    await open_tailored(person)
    await upload_resume(person, text_pdf(RESUME), RESUME_READ)

    await paste_job(person, "hi", "too short to be a job description")
    await paste_job(person, "https://hh.ru/vacancy/123456789?from=share", "I cannot open links")
    too_long = "Go developer with PostgreSQL and Kafka. " * 260
    assert len(too_long) > 10_000
    refusal = await paste_job(person, too_long, "longer than")
    assert re.search(r"10[,\s\u00a0\u202f]?000 characters", refusal["text"])
    assert await interview_rows(seeded_bank, person.chat_id) == []

    await paste_job(person, JOB, "Question 1/5")
    [interview] = await interview_rows(seeded_bank, person.chat_id)
    assert interview.mode == "tailored" and interview.status == "active"


async def test_stickers_and_photos_get_a_hint_for_the_current_step(
    harness_factory: HarnessFactory, seeded_bank: str
) -> None:
    harness = await harness_factory.start()
    person = InterviewUser(harness, new_user("en"))
    await open_tailored(person)

    sent = await person.client.send_sticker(person.chat_id, person.user)
    hint = await person.wait_bot_text(SEND_PDF_HINT, after=sent["message"]["message_id"])
    assert has_button(hint, SKIP_RESUME)
    sent = await person.client.send_file(
        person.chat_id, person.user, "photo", png_bytes(), "resume.png", "image/png"
    )
    await person.wait_bot_text(SEND_PDF_HINT, after=sent["message"]["message_id"])

    await upload_resume(person, text_pdf(RESUME), RESUME_READ)
    sent = await person.client.send_sticker(person.chat_id, person.user)
    await person.wait_bot_text(PASTE_JOB_HINT, after=sent["message"]["message_id"])
    # Still waiting for the job: the vacancy's text works after the sticker.
    await paste_job(person, JOB, "Question 1/5")


async def test_html_in_the_resume_and_the_job_is_shown_as_text(
    harness_factory: HarnessFactory, seeded_bank: str
) -> None:
    harness = await harness_factory.start()
    person = InterviewUser(harness, new_user("en"))
    await open_tailored(person)
    project = "Built a <b>fast</b> & <x> payment service in Go handling 2,000 requests per second"
    await upload_resume(person, text_pdf(RESUME.replace(PROJECT, project)), RESUME_READ)
    job = JOB.replace("Experience with Kafka", "Experience with <Kafka> & <i>Go")
    question = await paste_job(person, job, "Question 1/5")
    # Sent as HTML-escaped text: Telegram accepted it (the harness fails on a rejected call).
    assert project in question["text"]
    replies = await person.answer("I built it with <b>Go</b> & Kafka </i> at 2,000 rps.")
    assert "<b>Go</b> & Kafka </i>" in " ".join(bot_texts(replies))


async def test_russian_user_gets_the_tailored_flow_in_russian(
    harness_factory: HarnessFactory, seeded_bank: str
) -> None:
    harness = await harness_factory.start()
    person = InterviewUser(harness, new_user("ru", "Иван"))
    await person.send("/interview")
    home = await person.wait_bot_text("Пробные собеседования")
    screen = await person.press_and_wait_screen(
        home, "Под вакансию", "Пришлите резюме в виде PDF-документа"
    )
    sent = await person.client.send_sticker(person.chat_id, person.user)
    await person.wait_bot_text(
        "Пришлите резюме PDF-документом", after=sent["message"]["message_id"]
    )
    refusal = await upload_resume(person, png_bytes(), "Это не PDF")
    assert has_button(refusal, "Без резюме, только вакансия")

    await person.press_and_wait_screen(
        screen, "Без резюме, только вакансия", "вставьте текстом описание вакансии"
    )
    await paste_job(person, "привет", "слишком коротко")
    sent = await person.send(RU_JOB)
    summary = await person.wait_bot_text("Вот что я нашёл", after=sent)
    question = await person.wait_bot_text("Вопрос 1/5", after=sent)
    assert "Уровень: senior" in summary["text"]
    assert has_button(question, "Пропустить")
    assert re.search(r"[а-яё]", question["text"].split("\n", 1)[1], re.IGNORECASE)

    [interview] = await interview_rows(seeded_bank, person.chat_id)
    assert interview.language == "ru" and interview.mode == "tailored"


async def test_interviews_running_out_before_the_job_step_charges_and_changes_nothing(
    harness_factory: HarnessFactory, seeded_bank: str
) -> None:
    from services.database import create_engine, create_session_factory
    from services.entitlements import grant_credits

    async def credits(amount: int, reason: str) -> None:
        engine = create_engine(seeded_bank)
        async with create_session_factory(engine)() as session:
            await grant_credits(session, person.chat_id, amount, reason)
            await session.commit()
        await engine.dispose()

    harness = await harness_factory.start(free_interviews=1)
    person = InterviewUser(harness, new_user("en"))
    await person.start_track("QA", "Junior", "Random mix", 3)  # the free one, left unfinished
    await credits(1, "purchase:test")
    await open_tailored(person)
    await upload_resume(person, text_pdf(RESUME), RESUME_READ)
    await credits(-1, "refund:test")  # the purchase is refunded while the user reads the job

    refusal = await paste_job(person, JOB, "have no credits left")
    assert has_button(refusal, "Buy interviews")
    [track] = await interview_rows(seeded_bank, person.chat_id)
    # The interview under way is not abandoned, and no unpaid tailored one is left behind.
    assert track.mode == "track" and track.status == "active"
