"""Mock interviews end to end: the real bot over HTTP to the emulator, offline scoring."""

from __future__ import annotations

import pytest

from tests.e2e.harness import HarnessFactory, button_data, new_user
from tests.e2e.interview_driver import (
    InterviewUser,
    answer_rows,
    current_turn_message,
    grant,
    has_button,
    interview_rows,
    is_report_summary,
    labels,
    reference_answer,
)

pytestmark = pytest.mark.usefixtures("seeded_bank")


async def test_a_three_question_interview_from_menu_to_report(
    harness_factory: HarnessFactory, seeded_bank: str
) -> None:
    harness = await harness_factory.start()
    person = InterviewUser(harness, new_user("en", "Ann"))
    question = await person.start_track("Backend", "Junior", "Databases", 3)

    assert "Question 1/3" in question["text"]
    assert labels(question) == ["⏭ Skip", "🔖 Save", "⏹ End interview"]
    [interview] = await interview_rows(seeded_bank, person.chat_id)
    assert interview.status == "active" and len(interview.plan) == 3
    assert {item["topic"] for item in interview.plan} == {"databases"}

    for number in (1, 2, 3):
        replies = await person.answer(await reference_answer(seeded_bank, person.chat_id))
        feedback = replies[0]
        assert f"Question {number}/3:" in feedback["text"] and "/10" in feedback["text"]
        follow_up = [m for m in replies if "Follow-up to question" in (m["text"] or "")]
        if follow_up:  # a strong answer may still miss a point; answer the follow-up too
            replies = await person.answer("I would check it with EXPLAIN ANALYZE on real data.")

    summary = replies[-1]
    assert is_report_summary(summary)
    assert "Overall" in summary["text"] or "/10" in summary["text"]
    kinds = [m["media"]["kind"] for m in await person.chat() if m["from_bot"] and m["media"]]
    assert kinds[-2:] == ["photo", "document"]

    [interview] = await interview_rows(seeded_bank, person.chat_id)
    assert interview.status == "finished" and interview.overall_score is not None
    assert interview.overall_score >= 6  # reference answers score well
    rows = await answer_rows(seeded_bank, interview.id)
    assert sorted({row.position for row in rows if not row.is_follow_up}) == [0, 1, 2]


async def test_back_buttons_walk_the_choice_backwards(harness_factory: HarnessFactory) -> None:
    harness = await harness_factory.start()
    person = InterviewUser(harness, new_user("en"))
    home = await person.open_interview_home()
    screen = await person.press_and_wait_screen(home, "Choose a track", "Which role")
    screen = await person.press_and_wait_screen(screen, "Frontend", "which level")
    screen = await person.press_and_wait_screen(screen, "Senior", "which topic")
    assert "Random mix" in " ".join(labels(screen))
    screen = await person.press_and_wait_screen(screen, "⬅️ Back", "which level")
    screen = await person.press_and_wait_screen(screen, "⬅️ Back", "Which role")
    screen = await person.press_and_wait_screen(screen, "⬅️ Back", "Mock interviews")
    assert has_button(screen, "Choose a track")


async def test_skip_bookmark_and_end_with_confirmation(
    harness_factory: HarnessFactory, seeded_bank: str
) -> None:
    harness = await harness_factory.start()
    person = InterviewUser(harness, new_user("en"))
    question = await person.start_track("QA", "Middle", "Random mix", 5)

    callback = await person.press(question, "Save")
    answer = await person.client.callback_answer(callback, wait=10)
    assert "Saved" in answer["text"]

    next_question = await person.press_and_wait_screen(question, "Skip", "Question 2/5")
    end = await person.press_and_wait_screen(next_question, "End interview", "End the interview")
    resumed = await person.press_and_wait_screen(end, "No, continue", "answer the question above")
    assert resumed["message_id"] == end["message_id"]

    await person.answer("We test the happy path first, then edge cases, with numbers: 3 bugs.")
    turn = current_turn_message(await person.chat())
    end = await person.press_and_wait_screen(turn, "End interview", "End the interview")
    await person.press(end, "Yes, end it")
    await person.until(lambda messages: any(is_report_summary(m) for m in messages), what="report")

    [interview] = await interview_rows(seeded_bank, person.chat_id)
    assert interview.status == "finished"
    rows = await answer_rows(seeded_bank, interview.id)
    assert rows[0].source == "skipped" and rows[0].score is None

    await person.send("/bookmarks")
    listing = await person.wait_bot_text("Saved questions")
    assert has_button(listing, "Practise #1")


async def test_a_random_topic_never_repeats_a_task(
    harness_factory: HarnessFactory, seeded_bank: str
) -> None:
    harness = await harness_factory.start()
    person = InterviewUser(harness, new_user("en"))
    await person.start_track("Backend", "Senior", "Random mix", 10)
    [interview] = await interview_rows(seeded_bank, person.chat_id)
    ids = [item["question_id"] for item in interview.plan]
    assert len(ids) == len(set(ids)) == 10
    assert len({item["topic"] for item in interview.plan}) >= 3


async def test_an_old_questions_buttons_do_nothing_after_moving_on(
    harness_factory: HarnessFactory, seeded_bank: str
) -> None:
    harness = await harness_factory.start()
    person = InterviewUser(harness, new_user("en"))
    first = await person.start_track("DevOps", "Junior", "Random mix", 3)
    await person.press_and_wait_screen(first, "Skip", "Question 2/3")

    callback = await person.press(first, "Skip")
    answer = await person.client.callback_answer(callback, wait=10)
    assert "already moved past" in answer["text"] and answer["show_alert"]
    [interview] = await interview_rows(seeded_bank, person.chat_id)
    assert interview.position == 1  # the stale press skipped nothing


async def test_two_answers_sent_at_once_are_neither_lost_nor_scored_twice(
    harness_factory: HarnessFactory, seeded_bank: str
) -> None:
    harness = await harness_factory.start()
    person = InterviewUser(harness, new_user("en"))
    await person.start_track("Backend", "Junior", "APIs", 3)

    first = await person.send("REST uses HTTP verbs: GET reads, POST creates, PUT replaces.")
    second = await person.send("And DELETE removes; status codes like 404 tell the client why.")
    await person.wait_bot_text("added it to your answer to question 1", after=second)

    [interview] = await interview_rows(seeded_bank, person.chat_id)
    rows = await answer_rows(seeded_bank, interview.id)
    first_answers = [row for row in rows if row.position == 0 and not row.is_follow_up]
    assert len(first_answers) == 1
    assert "DELETE removes" in first_answers[0].answer_text
    assert "GET reads" in first_answers[0].answer_text
    assert first < second


@pytest.mark.parametrize(
    ("answer", "max_score"),
    [
        ("ok", 3.0),
        ("asdf qwer zxcv uiop hjkl bnm asdf qwer", 3.0),
        ("index btree hash gin gist", 4.0),
        ("Индекс это B-tree, it makes lookups logarithmic, но каждый индекс slows INSERT.", 10.0),
        ("x" * 4096, 3.0),
        ("🙂🙂🙂 שלום مرحبا", 3.0),
    ],
    ids=["one-word", "gibberish", "keywords-only", "mixed-language", "4096-chars", "emoji-rtl"],
)
async def test_bad_answers_get_feedback_not_errors(
    harness_factory: HarnessFactory, answer: str, max_score: float
) -> None:
    harness = await harness_factory.start()
    person = InterviewUser(harness, new_user("en"))
    await person.start_track("Backend", "Junior", "Databases", 3)
    replies = await person.answer(answer)
    feedback = replies[0]["text"]
    score = float(feedback.split(":", 1)[1].split("/10", 1)[0])
    assert 0 <= score <= max_score
    assert "Something went wrong" not in feedback


async def test_a_sticker_or_photo_instead_of_an_answer_is_refused_politely(
    harness_factory: HarnessFactory, seeded_bank: str
) -> None:
    harness = await harness_factory.start()
    person = InterviewUser(harness, new_user("en"))
    await person.start_track("Mobile", "Junior", "Random mix", 3)
    sent = await person.client.send_sticker(person.chat_id, person.user)
    await person.wait_bot_text("as text or as a voice note", after=sent["message"]["message_id"])
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 64
    sent = await person.client.send_file(
        person.chat_id, person.user, "photo", png, "a.png", "image/png"
    )
    await person.wait_bot_text("as text or as a voice note", after=sent["message"]["message_id"])
    [interview] = await interview_rows(seeded_bank, person.chat_id)
    assert interview.position == 0 and await answer_rows(seeded_bank, interview.id) == []


async def test_a_finished_interview_takes_no_more_answers(
    harness_factory: HarnessFactory, seeded_bank: str
) -> None:
    harness = await harness_factory.start()
    person = InterviewUser(harness, new_user("en"))
    question = await person.start_track("Product Manager", "Junior", "Random mix", 3)
    end = await person.press_and_wait_screen(question, "End interview", "End the interview")
    await person.press(end, "Yes, end it")
    await person.wait_bot_text("without a single answer")
    # Ended before any answer: it does not count (the results are shown after the commit).
    [ended] = await interview_rows(seeded_bank, person.chat_id)
    assert ended.paid_with == "returned"

    sent = await person.send("A late answer to question one")
    await person.wait_bot_text("didn't get that", after=sent)
    [interview] = await interview_rows(seeded_bank, person.chat_id)
    assert interview.status == "finished"
    assert await answer_rows(seeded_bank, interview.id) == [] or all(
        row.source == "skipped" for row in await answer_rows(seeded_bank, interview.id)
    )
    callback = await person.press(question, "Skip")
    answer = await person.client.callback_answer(callback, wait=10)
    assert "already moved past" in answer["text"]


async def test_an_interrupted_interview_survives_a_restart_and_start_offers_it(
    harness_factory: HarnessFactory, seeded_bank: str
) -> None:
    harness = await harness_factory.start()
    person = InterviewUser(harness, new_user("en", "Ann"))
    question = await person.start_track("Backend", "Middle", "Random mix", 3)
    await person.press_and_wait_screen(question, "Skip", "Question 2/3")
    await harness.stop()

    restarted = await harness_factory.start()
    person = InterviewUser(restarted, person.user)
    await person.send("/start")
    offer = await person.wait_bot_text("unfinished interview")
    assert "question 2 of 3" in offer["text"]
    again = await person.press_and_wait_screen(offer, "Continue the interview", "Question 2/3")
    assert has_button(again, "Skip")
    replies = await person.answer("Caching with Redis cut our p99 latency from 800 to 120 ms.")
    assert "Question 2/3:" in replies[0]["text"]


async def test_free_interviews_run_out_then_a_granted_credit_opens_one(
    harness_factory: HarnessFactory, seeded_bank: str
) -> None:
    harness = await harness_factory.start(free_interviews=1)
    person = InterviewUser(harness, new_user("en"))
    await person.start_track("QA", "Junior", "Random mix", 3)
    await person.answer("We test the happy path first, then edge cases and the boundaries.")
    turn = current_turn_message(await person.chat())
    end = await person.press_and_wait_screen(turn, "End interview", "End the interview")
    await person.press(end, "Yes, end it")
    await person.until(lambda messages: any(is_report_summary(m) for m in messages), what="report")

    home = await person.open_interview_home()
    assert "Free interviews left: <b>0</b>" in (home["raw_text"] or "") or "left: 0" in home["text"]
    screen = await person.press_and_wait_screen(home, "Choose a track", "Which role")
    screen = await person.press_and_wait_screen(screen, "QA", "which level")
    screen = await person.press_and_wait_screen(screen, "Junior", "which topic")
    screen = await person.press_and_wait_screen(screen, "Random mix", "How many")
    refused = await person.press_and_wait_screen(screen, "3 questions", "free interviews")
    assert has_button(refused, "Buy interviews")

    assert await grant(seeded_bank, person.chat_id, 1) == 1
    await person.start_track("QA", "Junior", "Random mix", 3)
    interviews = await interview_rows(seeded_bank, person.chat_id)
    assert [i.paid_with for i in interviews] == ["free", "credit"]


async def test_share_link_shows_scores_without_answers_and_can_be_revoked(
    harness_factory: HarnessFactory, seeded_bank: str
) -> None:
    harness = await harness_factory.start()
    person = InterviewUser(harness, new_user("en"))
    await person.start_track("Data Science", "Junior", "Random mix", 3)
    secret_words = "my-private-answer-text"
    replies: list = []
    for _ in range(3):
        replies = await person.answer(
            f"{secret_words}: we validated the model with cross-validation."
        )
        while not is_report_summary(replies[-1]) and "Follow-up" in replies[-1]["text"]:
            replies = await person.answer("I would compare it against a baseline.")
    summary = replies[-1]
    share_message = await person.press_and_wait_screen(summary, "Share a summary", "t.me/")
    link = share_message["text"].split("https://t.me/", 1)[1].split()[0]
    payload = link.split("?start=", 1)[1]
    assert payload.startswith("r_")

    viewer = InterviewUser(harness, new_user("en", "Recruiter"))
    await viewer.send(f"/start {payload}")
    shared = await viewer.wait_bot_text("/10")
    assert secret_words not in shared["text"]

    summary = await person.last_bot_message()
    report = [m for m in await person.chat() if has_button(m, "Stop sharing")][-1]
    await person.press_and_wait_screen(report, "Stop sharing", "no longer works")
    sent = await viewer.send(f"/start {payload}")
    await viewer.wait_bot_text("invalid", after=sent)


async def test_progress_and_practice_on_the_weakest_skill(
    harness_factory: HarnessFactory, seeded_bank: str
) -> None:
    harness = await harness_factory.start(free_interviews=5)
    person = InterviewUser(harness, new_user("en"))
    for _ in range(2):
        await person.start_track("Frontend", "Junior", "Random mix", 3)
        for _ in range(3):
            replies = await person.answer("It depends.")
            while not is_report_summary(replies[-1]) and "Follow-up" in replies[-1]["text"]:
                replies = await person.answer("Not sure.")
    sent = await person.send("/progress")
    chart = await person.wait_bot_text("over time", after=sent)
    assert chart["media"]["kind"] == "photo"
    progress = await person.wait_bot_text("eakest", after=sent)
    assert "2" in progress["text"]

    home = await person.open_interview_home()
    practice = await person.press_and_wait_screen(home, "weakest skill", "Question 1/1")
    assert has_button(practice, "Skip")
    replies = await person.answer("Use semantic HTML elements and test with a screen reader.")
    if not is_report_summary(replies[-1]):  # a follow-up was asked
        replies = await person.answer("Add aria labels.")
    done = replies[-1]
    assert "Practice done" in done["text"] and "Ideal answer" in done["text"]
    assert not has_button(done, "Share a summary")
    interviews = await interview_rows(seeded_bank, person.chat_id)
    assert interviews[-1].mode == "practice" and interviews[-1].paid_with == "none"


async def test_russian_user_gets_the_interview_in_russian(
    harness_factory: HarnessFactory, seeded_bank: str
) -> None:
    harness = await harness_factory.start()
    person = InterviewUser(harness, new_user("ru", "Иван"))
    await person.send("/interview")
    home = await person.wait_bot_text("Пробные собеседования")
    screen = await person.press_and_wait_screen(home, "Выбрать направление", "На какую роль")
    screen = await person.press_and_wait_screen(screen, "Бэкенд", "какой уровень")
    screen = await person.press_and_wait_screen(screen, "Junior", "какая тема")
    screen = await person.press_and_wait_screen(screen, "Случайный микс", "Сколько вопросов")
    question = await person.press_and_wait_screen(screen, "3 вопроса", "Вопрос 1/3")
    assert has_button(question, "Пропустить")
    replies = await person.answer(await reference_answer(seeded_bank, person.chat_id))
    assert "Вопрос 1/3:" in replies[0]["text"]


async def test_tampered_track_choice_is_ignored(harness_factory: HarnessFactory) -> None:
    harness = await harness_factory.start()
    person = InterviewUser(harness, new_user("en"))
    home = await person.open_interview_home()
    screen = await person.press_and_wait_screen(home, "Choose a track", "Which role")
    data = button_data(screen, "Backend").replace("backend", "nope")
    pressed = await harness.press(person.user, screen, data)
    await person.client.callback_answer(pressed["callback_query_id"], wait=10)
    forged = await harness.press(person.user, screen, "ivp:length:999")
    answer = await person.client.callback_answer(forged["callback_query_id"], wait=10)
    assert "no longer active" in answer["text"]


async def test_with_redis_the_answering_state_survives_a_restart(
    harness_factory: HarnessFactory, seeded_bank: str, real_backend: object
) -> None:
    harness = await harness_factory.start()
    person = InterviewUser(harness, new_user("en"))
    await person.start_track("Backend", "Junior", "Databases", 3)
    await harness.stop()

    restarted = await harness_factory.start()
    person = InterviewUser(restarted, person.user)
    # No /start needed: the FSM state (in Redis) still says the user is answering.
    replies = await person.answer("B-tree indexes make lookups logarithmic but slow down writes.")
    assert "Question 1/3:" in replies[0]["text"]


async def test_grant_cli_adds_credits_and_refuses_nonsense(
    migrated_database_url: str, tmp_path: object
) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "DATABASE_URL": migrated_database_url}
    user_id = new_user()["id"]

    def grant(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "grant", *args],
            capture_output=True, text=True, env=env, timeout=120,
        )  # fmt: skip

    done = grant(str(user_id), "3")
    assert done.returncode == 0 and "now has 3 interview credit(s)" in done.stdout
    assert grant(str(user_id), "-5").returncode == 2  # more than the balance
    assert grant(str(user_id), "0").returncode == 2
    assert grant("-7", "1").returncode == 2
    assert "now has 2" in grant(str(user_id), "-1").stdout
