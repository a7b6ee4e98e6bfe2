"""Skipped questions end to end (issue 23): the real bot over HTTP to the emulator, offline
scoring. A skipped question is shown as skipped and counted apart, never averaged in as a zero:
not in the report's scores, not in /progress, and /progress suggests practising the weakest
skill it names."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from services.interview.bank import load_default_bank, localized_text
from tests.e2e.harness import HarnessFactory, new_user
from tests.e2e.interview_driver import (
    InterviewUser,
    Messages,
    answer_rows,
    current_turn_message,
    has_button,
    interview_rows,
    is_report_summary,
    labels,
    reference_answer,
)

pytestmark = pytest.mark.usefixtures("seeded_bank")

WEAK_ANSWER_WORDS = 12
FOLLOW_UP_ANSWER = "Not sure."  # scores below the main answer, so it lifts nothing


def half_up(value: float) -> float:
    return float(Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def skill_title(key: str) -> str:
    for specialization in load_default_bank().specializations:
        if key in specialization.skills:
            return localized_text(specialization.skills[key], "en")
    return key


def topic_title(specialization_id: str, key: str) -> str:
    for specialization in load_default_bank().specializations:
        if specialization.id == specialization_id:
            return localized_text(specialization.topics[key], "en")
    raise KeyError(key)


def the_report(messages: Messages) -> dict[str, Any] | None:
    return next((m for m in reversed(messages) if m["from_bot"] and is_report_summary(m)), None)


async def answer_fully(person: InterviewUser, text: str) -> Messages:
    """Answers the current question, and its follow-up (weakly) if one is asked."""
    replies = await person.answer(text)
    if not is_report_summary(replies[-1]) and "Follow-up" in (replies[-1]["text"] or ""):
        replies = await person.answer(FOLLOW_UP_ANSWER)
    return replies


async def skip_current(person: InterviewUser, number: int, total: int, then: str = "") -> None:
    """Presses Skip under question `number`; waits for the next question, the report, or a bot
    message containing `then` (the all-skipped result is the edited "building" message)."""
    turn = current_turn_message(await person.chat())
    assert f"Question {number}/{total}" in turn["text"]
    before = max(m["message_id"] for m in await person.chat())
    await person.press(turn, "Skip")

    def moved_on(messages: Messages) -> bool:
        if then:
            return any(m["from_bot"] and then in (m["text"] or "") for m in messages)
        newer = [m for m in messages if m["from_bot"] and m["message_id"] > before]
        text = " ".join(m["text"] or "" for m in newer)
        return f"Question {number + 1}/{total}" in text or any(is_report_summary(m) for m in newer)

    await person.until(moved_on, what=f"the bot moving on from question {number}")


def question_scores(rows: list[Any]) -> dict[int, float]:
    """Position → the question's final score (a better follow-up lifts it halfway), answered
    questions only: computed here from the stored rows, independently of the report code."""
    main = {r.position: r for r in rows if not r.is_follow_up and r.source != "skipped"}
    follow = {r.position: r for r in rows if r.is_follow_up and r.score is not None}
    scores = {}
    for position, row in main.items():
        score = row.score
        if position in follow and follow[position].score > score:
            score += 0.5 * (follow[position].score - score)
        scores[position] = half_up(score)
    return scores


async def test_a_skipped_question_is_shown_as_skipped_and_left_out_of_report_and_progress(
    harness_factory: HarnessFactory, seeded_bank: str
) -> None:
    harness = await harness_factory.start(free_interviews=5)
    person = InterviewUser(harness, new_user("en", "Sam"))
    await person.start_track("Backend", "Middle", "APIs", 3)
    [interview] = await interview_rows(seeded_bank, person.chat_id)
    plan = interview.plan
    api_positions = [n for n, item in enumerate(plan) if "api_design" in item["skills"]]
    assert len(api_positions) >= 2, plan  # the APIs topic: two API design questions at least
    # Skip one API design question, preferably one testing a skill no other question does.
    others = {n: {s for m, item in enumerate(plan) if m != n for s in item["skills"]} for n in
              range(len(plan))}  # fmt: skip
    skip = next((n for n in api_positions if set(plan[n]["skills"]) - others[n]), api_positions[-1])
    strong = next(n for n in api_positions if n != skip)

    for position in range(3):
        if position == skip:
            await skip_current(person, position + 1, 3)
        elif position == strong:
            await answer_fully(person, await reference_answer(seeded_bank, person.chat_id))
        else:  # the start of the reference answer: a weak answer, but not a zero
            reference = await reference_answer(seeded_bank, person.chat_id)
            await answer_fully(person, " ".join(reference.split()[:WEAK_ANSWER_WORDS]))
    messages = await person.until(the_report, timeout=30, what="the report")
    report = the_report(messages)
    assert report is not None
    text = report["text"]

    rows = await answer_rows(seeded_bank, interview.id)
    scores = question_scores(rows)
    assert sorted(scores) == sorted(n for n in range(3) if n != skip)
    assert all(score > 0 for score in scores.values()), scores  # so any 0.0 would be a skip
    overall = half_up(sum(scores.values()) / len(scores))

    # Counted apart, shown as skipped, never a 0.0.
    assert "Questions: 2 answered, 1 skipped." in text
    assert f"{skip + 1}. ⏭ skipped — " in text
    assert "0.0" not in text
    assert f"Overall score: {overall:.1f}/10" in text
    # API design is the answered API design question's score, not halved by the skipped one.
    api_design = scores[strong]
    assert f"API design: {api_design:.1f}" in text
    assert api_design > 0
    # A skill only the skipped question tests is not assessed, not scored 0.0.
    skipped_only = set(plan[skip]["skills"]) - {s for n in scores for s in plan[n]["skills"]}
    for skill in skipped_only:
        assert f"⏭ {skill_title(skill)}: not assessed (skipped)" in text

    [finished] = await interview_rows(seeded_bank, person.chat_id)
    assert finished.status == "finished"
    # What /progress shows over time: the answered questions' average too (rounded there by
    # `round`, so a half may go the other way).
    assert finished.overall_score == pytest.approx(overall, abs=0.051)

    # A later, strong interview on another track: the latest track is now Frontend, while the
    # weakest skill stays a Backend one (the two tracks share no skills at these levels).
    await person.start_track("Frontend", "Junior", "Random mix", 3)
    for _ in range(3):
        await answer_fully(person, await reference_answer(seeded_bank, person.chat_id))
    frontend = (await interview_rows(seeded_bank, person.chat_id))[-1]
    assert frontend.status == "finished" and frontend.overall_score is not None
    frontend_skills = {skill for item in frontend.plan for skill in item["skills"]}
    assert not frontend_skills & {skill for item in plan for skill in item["skills"]}

    # /progress: the weakest skill over answered questions only, and a suggestion to practise it
    # on its own track (Backend), not on the latest one.
    averages: dict[str, list[float]] = {}
    for position, score in scores.items():
        for skill in plan[position]["skills"]:
            averages.setdefault(skill, []).append(score)
    means = {skill: sum(values) / len(values) for skill, values in averages.items()}
    lowest = min(means.values())
    sent = await person.send("/progress")
    progress = await person.wait_bot_text("Weakest skill", after=sent)
    progress_text = progress["text"]
    named = next(
        skill for skill in means if f"Weakest skill: {skill_title(skill)}" in progress_text
    )
    assert means[named] == pytest.approx(lowest, abs=0.051)
    for skill in skipped_only:
        assert skill_title(skill) not in progress_text
    assert "0.0" not in progress_text
    assert f"It trains your weakest skill: {skill_title(named)}" in progress_text
    assert "Frontend · Junior" not in progress_text

    bank = load_default_bank()
    topics = {
        task.topic
        for task in bank.tasks
        if task.specialization == "backend" and task.level == "middle" and named in task.skills
    }
    suggested = next(
        key for key in topics if f"Backend · Middle · topic: {topic_title('backend', key)}" in
        progress_text
    )  # fmt: skip
    assert has_button(progress, f"Practise {skill_title(named)}"), labels(progress)

    # The button opens that very interview: only the length is left to choose.
    lengths = await person.press_and_wait_screen(
        progress, f"Practise {skill_title(named)}", "How many questions"
    )
    await person.press_and_wait_screen(lengths, "3 questions", "Question 1/3")
    practice = (await interview_rows(seeded_bank, person.chat_id))[-1]
    assert practice.id != interview.id and practice.status == "active"
    assert (practice.specialization, practice.level, practice.topic) == (
        "backend",
        "middle",
        suggested,
    )
    assert any(named in item["skills"] for item in practice.plan), practice.plan


async def test_an_interview_with_every_question_skipped_says_so_without_a_score(
    harness_factory: HarnessFactory, seeded_bank: str
) -> None:
    harness = await harness_factory.start()
    person = InterviewUser(harness, new_user("en"))
    await person.start_track("QA", "Junior", "Random mix", 3)
    started = max(m["message_id"] for m in await person.chat())
    for number in (1, 2):
        await skip_current(person, number, 3)
    await skip_current(person, 3, 3, then="You skipped all 3 questions")
    result = await person.wait_bot_text("You skipped all 3 questions")
    text = result["text"]
    assert "so there is no score this time, and it does not use up an interview" in text
    assert "Questions: 0 answered, 3 skipped." in text
    assert text.count("⏭ skipped") == 3
    assert "/10" not in text and "0.0" not in text
    assert "Borderline" not in text and "Not ready yet" not in text
    assert "Brush up on" not in text  # no advice made from zeros
    assert not has_button(result, "Share a summary") and has_button(result, "Progress")
    newer = [m for m in await person.chat() if m["from_bot"] and m["message_id"] > started]
    assert not [m for m in newer if m["media"]]  # no chart and no PDF of zeros

    [interview] = await interview_rows(seeded_bank, person.chat_id)
    assert interview.status == "finished" and interview.overall_score is None
    assert interview.paid_with == "returned"  # no answer given: the free interview came back
    sent = await person.send("/progress")
    progress = await person.wait_bot_text("Your progress", after=sent)
    assert "no finished interviews yet" in progress["text"]
