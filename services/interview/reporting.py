"""Reports and progress from the database: loads what the pure renderers in `report` and
`progress` need, and runs the slow drawing (chart, PDF) off the event loop.

Skipped questions are no scores anywhere here: a report says which were skipped and averages
the answered ones; progress over time takes the interviews' scores over answered questions
(`sessions.finished_interviews`), and an interview where everything was skipped is no point."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from services.interview.bank import BankTask, load_default_bank, localized_text
from services.interview.catalog import get_specialization, skill_titles, specializations
from services.interview.progress import (
    NextInterview,
    ProgressPoint,
    ProgressSummary,
    level_title,
    render_progress_chart_png,
    render_progress_html,
    summarize_progress,
)
from services.interview.report import (
    InterviewReport,
    QuestionResult,
    Translate,
    build_report,
    render_report_pdf,
    render_shared_summary_html,
    render_skill_chart_png,
    render_summary_html,
    skill_title,
)
from services.interview.sessions import finished_interviews, results_of
from services.models import InterviewSession


@dataclass(frozen=True)
class BuiltReport:
    report: InterviewReport
    results: list[QuestionResult]
    summary_html: str
    track_title: str | None


async def _track_title(
    session: AsyncSession, interview: InterviewSession, translate: Translate
) -> str | None:
    if interview.specialization is None:
        return None
    specialization = await get_specialization(session, interview.specialization)
    title = localized_text(specialization.title, interview.language) if specialization else None
    level = level_title(interview.level, translate) if interview.level else None
    return " · ".join(part for part in (title, level) if part)


async def build_interview_report(
    session: AsyncSession, interview: InterviewSession, translate: Translate
) -> BuiltReport | None:
    """The report of a finished interview, or None when no question was even asked. When every
    question was skipped the report says so (`report.overall` is None: no score, no grade)."""
    results = await results_of(session, interview)
    if not results:
        return None
    titles = await skill_titles(session, interview.language)
    report = build_report(results, skill_titles=titles, translate=translate)
    track = await _track_title(session, interview, translate)
    summary = render_summary_html(report, translate, track_title=track)
    return BuiltReport(report, results, summary, track)


def _draw(built: BuiltReport, translate: Translate) -> tuple[bytes | None, bytes]:
    # The renderers use matplotlib's Figure API (no pyplot state), so threads are safe.
    chart = None
    if built.report.overall is not None:
        chart = render_skill_chart_png(built.report, translate)
    pdf = render_report_pdf(
        built.report, built.results, translate, track_title=built.track_title, chart_png=chart
    )
    return chart, pdf


async def render_report_files(
    built: BuiltReport, translate: Translate
) -> tuple[bytes | None, bytes]:
    """The skills chart (PNG; None when every question was skipped) and the full report (PDF)."""
    return await asyncio.to_thread(_draw, built, translate)


async def shared_summary_html(
    session: AsyncSession, interview: InterviewSession, translate: Translate
) -> str | None:
    built = await build_interview_report(session, interview, translate)
    if built is None:
        return None
    return render_shared_summary_html(built.report, translate, track_title=built.track_title)


@dataclass(frozen=True)
class ProgressView:
    html: str
    chart_png: bytes | None  # None until there are two interviews to draw a line through
    suggestion: NextInterview | None = None
    focus_title: str | None = None  # the suggestion's weakest skill, as the message names it


async def _progress_points(session: AsyncSession, user_id: int) -> list[ProgressPoint]:
    """The user's finished interviews (practice drills aside), scored over answered questions."""
    return [
        ProgressPoint(
            finished_at=item.finished_at,
            overall=item.overall,
            skill_scores=item.skill_scores,
            specialization=item.specialization,
            level=item.level,
            delivery=item.delivery,
        )
        for item in await finished_interviews(session, user_id)
        if item.mode != "practice"
    ]


async def _summary(
    session: AsyncSession, user_id: int
) -> tuple[list[ProgressPoint], ProgressSummary]:
    points = await _progress_points(session, user_id)
    return points, summarize_progress(points, topic_for=_topic_for)


async def suggested_interview(session: AsyncSession, user_id: int) -> NextInterview | None:
    """The interview /progress suggests now (it practises the weakest skill that it names)."""
    return (await _summary(session, user_id))[1].next_interview


async def progress_view(
    session: AsyncSession, user_id: int, language: str, translate: Translate
) -> ProgressView:
    points, summary = await _summary(session, user_id)
    catalogue = await specializations(session)
    titles = await skill_titles(session, language)
    suggested = next(
        (
            spec
            for spec in catalogue
            if summary.next_interview and spec.id == summary.next_interview.specialization
        ),
        None,
    )
    html = render_progress_html(
        summary,
        translate,
        titles,
        track_titles={spec.id: localized_text(spec.title, language) for spec in catalogue},
        topic_titles={k: localized_text(v, language) for k, v in suggested.topics.items()}
        if suggested
        else None,
    )
    chart = None
    if len(points) >= 2:
        chart = await asyncio.to_thread(render_progress_chart_png, points, translate)
    suggestion = summary.next_interview
    focus = suggestion.focus_skill if suggestion else None
    focus_title = skill_title(focus, titles) if focus else None
    return ProgressView(html, chart, suggestion, focus_title)


def _topic_for(specialization: str, level: str | None, skill: str) -> str | None:
    """The topic of the track whose bank tasks test `skill` most (for "practise X next"): among
    the free tasks of `level` (everyone can be asked those), else all of `level`, else any."""
    tasks = [
        task
        for task in load_default_bank().tasks
        if task.specialization == specialization and skill in task.skills
    ]
    for pool in (
        [t for t in tasks if t.level == level and t.tier == "free"],
        [t for t in tasks if t.level == level],
        tasks,
    ):
        if pool:
            return _most_common_topic(pool)
    return None


def _most_common_topic(tasks: Sequence[BankTask]) -> str:
    # Counter.most_common keeps first-seen order among equal counts, so ties are stable.
    return Counter(task.topic for task in tasks).most_common(1)[0][0]
