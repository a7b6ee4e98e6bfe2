"""Progress over time: trend, skill averages, the suggested next interview, the chart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.interview.bank import load_default_bank
from services.interview.progress import (
    ProgressPoint,
    render_progress_chart_png,
    render_progress_html,
    summarize_progress,
    topics_by_skill,
)
from services.interview.report import QuestionResult, overall_score, skill_averages
from services.interview.reporting import _topic_for
from tests.fluent import translator

EN = translator("en")
RU = translator("ru")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
START = datetime(2026, 3, 1, 12, tzinfo=UTC)
SKILLS = {"sql": "SQL", "caching": "Caching", "api_design": "API design"}
TOPICS = {
    "backend": {"sql": "databases", "caching": "architecture"},
    "frontend": {"ui": "frameworks"},
}
TOPIC_FOR = topics_by_skill(TOPICS)


def interview(
    day: int,
    overall: float,
    skills: dict[str, float] | None = None,
    specialization: str | None = "backend",
    level: str | None = "junior",
) -> ProgressPoint:
    return ProgressPoint(
        finished_at=START + timedelta(days=day),
        overall=overall,
        skill_scores=skills or {},
        specialization=specialization,
        level=level,
    )


@pytest.mark.parametrize("translate", [EN, RU])
def test_no_interviews_yet(translate) -> None:
    summary = summarize_progress([])
    assert summary.count == 0 and summary.next_interview is None and not summary.has_trend
    text = render_progress_html(summary, translate, SKILLS)
    assert text.splitlines()[1] == translate("progress-empty", {}).splitlines()[0]


def test_one_interview_has_a_score_but_no_trend() -> None:
    summary = summarize_progress([interview(0, 6.4, {"sql": 6.4})])
    assert (summary.count, summary.last_score, summary.trend) == (1, 6.4, None)
    text = render_progress_html(summary, EN, SKILLS)
    assert "Finish one more interview" in text and "Trend" not in text
    assert render_progress_chart_png(summary.points, EN).startswith(PNG_SIGNATURE)


def test_trend_averages_and_the_weakest_skill_in_chronological_order() -> None:
    interviews = [
        interview(5, 7.5, {"sql": 8.0, "caching": 6.0}),
        interview(0, 5.0, {"sql": 6.0, "caching": 4.0, "api_design": 5.0}),
        interview(2, 6.25, {"caching": 5.0}),
    ]
    summary = summarize_progress(interviews)
    assert [point.overall for point in summary.points] == [5.0, 6.25, 7.5]
    assert (summary.first_score, summary.last_score, summary.trend) == (5.0, 7.5, 2.5)
    assert (summary.average_score, summary.best_score) == (6.3, 7.5)
    assert list(summary.skill_averages.items()) == [
        ("api_design", 5.0),
        ("caching", 5.0),
        ("sql", 7.0),
    ]
    assert summary.weakest_skill == "api_design"  # tie at 5.0: alphabetical, so stable
    text = render_progress_html(summary, EN, SKILLS, track_titles={"backend": "Backend"})
    assert "5.0 → <b>7.5</b> (+2.5) 📈" in text
    assert "Weakest skill: <b>API design</b>" in text
    russian = render_progress_html(summary, RU, {"sql": "SQL"})
    assert "5,0 → <b>7,5</b> (+2,5)" in russian and "Api design" in russian


def test_a_falling_and_a_steady_trend() -> None:
    down = summarize_progress([interview(0, 8.0), interview(1, 6.0)])
    assert "(−2.0) 📉" in render_progress_html(down, EN, SKILLS)
    steady = summarize_progress([interview(0, 7.0), interview(1, 7.1)])
    assert "steady" in render_progress_html(steady, EN, SKILLS)


def test_the_next_interview_practises_the_weakest_skill_it_names_even_on_another_track() -> None:
    summary = summarize_progress(
        [
            interview(0, 6.0, {"sql": 7.0, "caching": 4.0}, level="middle"),
            interview(1, 6.0, {"ui": 2.0}, specialization="frontend"),
            interview(2, 6.5, {"sql": 6.0, "caching": 5.0}, level="middle"),
            interview(3, 9.0, {"fit": 9.0}, specialization=None, level=None),  # tailored
        ],
        topic_for=TOPIC_FOR,
    )
    assert summary.weakest_skill == "ui"  # overall weakest, from the frontend track
    suggestion = summary.next_interview
    assert suggestion is not None
    # Not the latest track (backend): the track and level where "ui" was tested, and its topic.
    assert (suggestion.specialization, suggestion.level) == ("frontend", "junior")
    assert (suggestion.focus_skill, suggestion.topic, suggestion.level_up) == (
        "ui",
        "frameworks",
        False,
    )
    text = render_progress_html(
        summary,
        EN,
        SKILLS | {"ui": "UI"},
        track_titles={"frontend": "Frontend", "backend": "Backend"},
        topic_titles={"frameworks": "Frameworks"},
    )
    assert "Weakest skill: <b>UI</b>" in text
    assert "Frontend · Junior · topic: Frameworks" in text
    assert "It trains your weakest skill: UI" in text
    assert "Backend · Middle" not in text


def test_the_suggestion_follows_the_named_weakest_skill_on_the_latest_track_that_tested_it() -> (
    None
):
    summary = summarize_progress(
        [
            interview(0, 5.0, {"sql": 3.0}, level="junior"),
            interview(1, 6.0, {"sql": 5.0, "caching": 6.0}, level="middle"),
            interview(2, 8.0, {"caching": 8.0}, level="senior"),
        ],
        topic_for=TOPIC_FOR,
    )
    assert summary.weakest_skill == "sql"
    suggestion = summary.next_interview
    assert suggestion is not None
    assert (suggestion.level, suggestion.focus_skill, suggestion.topic) == (
        "middle",
        "sql",
        "databases",
    )


def test_a_weakest_skill_only_tailored_interviews_tested_goes_to_the_latest_track() -> None:
    summary = summarize_progress(
        [
            interview(0, 7.0, {"caching": 7.0}, level="middle"),
            interview(1, 3.0, {"sql": 3.0}, specialization=None, level=None),
        ],
        topic_for=TOPIC_FOR,
    )
    suggestion = summary.next_interview
    assert summary.weakest_skill == "sql" and suggestion is not None
    assert (suggestion.specialization, suggestion.level, suggestion.topic) == (
        "backend",
        "middle",
        "databases",
    )


def test_without_a_known_topic_the_whole_track_is_suggested() -> None:
    summary = summarize_progress([interview(0, 6.0, {"api_design": 3.0})], topic_for=TOPIC_FOR)
    assert summary.next_interview is not None and summary.next_interview.topic is None
    text = render_progress_html(summary, EN, SKILLS, track_titles={"backend": "Backend"})
    assert "Backend · Junior" in text and "It trains" not in text


def skipped_question(position: int, skills: list[str]) -> QuestionResult:
    return QuestionResult(position, f"Q{position}", skills, source="skipped")


def test_progress_from_answered_questions_only_names_the_weakest_answered_skill() -> None:
    """A skipped question is no zero over time either: the points carry the answered averages."""
    results = [
        QuestionResult(0, "Q0", ["api_design"], answer="a", score=7.6),
        skipped_question(1, ["api_design", "caching"]),
        QuestionResult(2, "Q2", ["sql"], answer="b", score=9.3),
    ]
    point = ProgressPoint(
        START,
        overall_score(results) or 0.0,
        skill_averages(results),
        specialization="backend",
        level="middle",
    )
    summary = summarize_progress([point], topic_for=_topic_for)
    assert summary.last_score == 8.5
    assert summary.skill_averages == {"api_design": 7.6, "sql": 9.3}  # no caching at 0.0
    assert summary.weakest_skill == "api_design"
    suggestion = summary.next_interview
    assert suggestion is not None
    assert (suggestion.specialization, suggestion.focus_skill, suggestion.topic) == (
        "backend",
        "api_design",
        "apis",
    )
    text = render_progress_html(summary, EN, SKILLS)
    assert "Weakest skill: <b>API design</b>" in text and "0.0" not in text


def test_the_bank_topic_for_a_skill_is_one_whose_questions_at_that_level_test_it() -> None:
    bank = load_default_bank()
    for specialization in ("backend", "frontend", "qa"):
        for task in bank.tasks:
            if task.specialization != specialization:
                continue
            for skill in task.skills:
                topic = _topic_for(specialization, task.level, skill)
                assert any(
                    other.specialization == specialization
                    and other.level == task.level
                    and other.topic == topic
                    and skill in other.skills
                    for other in bank.tasks
                ), (specialization, task.level, skill, topic)
    assert _topic_for("backend", "middle", "api_design") == "apis"
    assert _topic_for("backend", "junior", "no_such_skill") is None


def test_three_strong_results_in_a_row_move_the_level_up() -> None:
    strong = [interview(day, 8.5, {"sql": 8.5}) for day in range(3)]
    suggestion = summarize_progress(strong, topic_for=TOPIC_FOR).next_interview
    assert suggestion is not None and suggestion.level_up
    assert (suggestion.level, suggestion.topic) == ("middle", None)
    # A weakest skill still below the bar is what the next level practises.
    weak_spot = [interview(day, 8.5, {"sql": 9.5, "caching": 6.0}) for day in range(3)]
    up = summarize_progress(weak_spot, topic_for=TOPIC_FOR).next_interview
    assert up is not None and up.level_up
    assert (up.level, up.focus_skill, up.topic) == ("middle", "caching", "architecture")
    text = render_progress_html(summarize_progress(strong), EN, SKILLS)
    assert "time to move up" in text and "Middle" in text

    one_weak = [*strong[:2], interview(2, 7.9), interview(3, 8.0)]
    assert not summarize_progress(one_weak).next_interview.level_up  # type: ignore[union-attr]
    other_level = [*strong[:2], interview(3, 9.0, level="middle")]
    assert not summarize_progress(other_level).next_interview.level_up  # type: ignore[union-attr]
    senior = [interview(day, 9.0, level="senior") for day in range(3)]
    top = summarize_progress(senior).next_interview
    assert top is not None and not top.level_up and top.level == "senior"


def test_only_tailored_interviews_suggest_nothing() -> None:
    summary = summarize_progress([interview(0, 7.0, specialization=None, level=None)])
    assert summary.next_interview is None
    assert "Suggested next interview" not in render_progress_html(summary, EN, SKILLS)


def test_skill_titles_are_escaped() -> None:
    summary = summarize_progress([interview(0, 5.0, {"x": 5.0})])
    text = render_progress_html(summary, EN, {"x": "<script>x</script>"})
    assert "<script>" not in text and "&lt;script&gt;" in text


@pytest.mark.parametrize("count", [2, 12, 40])
def test_the_chart_is_a_small_png(count: int) -> None:
    points = [ProgressPoint(START + timedelta(days=3 * n), (n * 1.7) % 10) for n in range(count)]
    chart = render_progress_chart_png(points, RU)
    assert chart.startswith(PNG_SIGNATURE) and len(chart) < 100_000


def test_the_progress_message_fits_one_telegram_message_with_many_skills() -> None:
    skills = {f"skill_{n}": float(n % 10) for n in range(80)}
    titles = {key: key + " very long title" * 10 for key in skills}
    summary = summarize_progress([interview(day, 6.0, skills) for day in range(30)])
    text = render_progress_html(summary, RU, titles, track_titles={"backend": "x" * 50})
    assert len(text) <= 4096
    assert "skill_0 " in text  # the weakest skills are the ones listed
