"""Reports and progress from the database: loads what the pure renderers in `report` and
`progress` need, and runs the slow drawing (chart, PDF) off the event loop."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from services.interview.bank import load_default_bank, localized_text
from services.interview.catalog import get_specialization, skill_titles, specializations
from services.interview.progress import (
    ProgressPoint,
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
)
from services.interview.sessions import finished_interviews, results_of
from services.models import InterviewSession


@dataclass(frozen=True)
class BuiltReport:
    report: InterviewReport
    results: list[QuestionResult]
    summary_html: str
    track_title: str | None


async def _track_title(session: AsyncSession, interview: InterviewSession) -> str | None:
    if interview.specialization is None:
        return None
    specialization = await get_specialization(session, interview.specialization)
    title = localized_text(specialization.title, interview.language) if specialization else None
    return " · ".join(part for part in (title, (interview.level or "").capitalize()) if part)


async def build_interview_report(
    session: AsyncSession, interview: InterviewSession, translate: Translate
) -> BuiltReport | None:
    """The report of a finished interview, or None when nothing was answered."""
    results = await results_of(session, interview)
    if all(result.skipped for result in results):
        return None
    titles = await skill_titles(session, interview.language)
    report = build_report(results, skill_titles=titles, translate=translate)
    track = await _track_title(session, interview)
    summary = render_summary_html(report, translate, track_title=track)
    return BuiltReport(report, results, summary, track)


def _draw(built: BuiltReport, translate: Translate) -> tuple[bytes, bytes]:
    # The renderers use matplotlib's Figure API (no pyplot state), so threads are safe.
    chart = render_skill_chart_png(built.report, translate)
    pdf = render_report_pdf(
        built.report, built.results, translate, track_title=built.track_title, chart_png=chart
    )
    return chart, pdf


async def render_report_files(built: BuiltReport, translate: Translate) -> tuple[bytes, bytes]:
    """The skills chart (PNG) and the full report (PDF)."""
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


async def progress_view(
    session: AsyncSession, user_id: int, language: str, translate: Translate
) -> ProgressView:
    history = await finished_interviews(session, user_id)
    points = [
        ProgressPoint(
            finished_at=item.finished_at,
            overall=item.overall,
            skill_scores=item.skill_scores,
            specialization=item.specialization,
            level=item.level,
            delivery=item.delivery,
        )
        for item in history
        if item.mode != "practice"
    ]
    catalogue = await specializations(session)
    skill_topics = {spec.id: _skill_topics(spec.id) for spec in catalogue}
    summary = summarize_progress(points, skill_topics=skill_topics)
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
    return ProgressView(html, chart)


def _skill_topics(specialization_id: str) -> dict[str, str]:
    """Skill key → the topic whose tasks test it most, from the bank (for "practise X next")."""
    counts: dict[str, dict[str, int]] = {}
    for task in load_default_bank().tasks:
        if task.specialization != specialization_id:
            continue
        for skill in task.skills:
            per_topic = counts.setdefault(skill, {})
            per_topic[task.topic] = per_topic.get(task.topic, 0) + 1
    return {skill: max(topics, key=lambda topic: topics[topic]) for skill, topics in counts.items()}
