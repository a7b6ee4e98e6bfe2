"""Progress over time: the trend across finished interviews, skill averages, what to do next.

Pure functions over plain values; the handler loads the user's finished interviews (with their
per-skill scores, e.g. from `InterviewReport.skill_scores()`) and renders what comes back.

Rules:

* The trend compares the first and the last interview (chronologically).
* Scores come from answered questions only (the caller leaves skipped ones out, see
  `report.skill_averages`): an interview where everything was skipped has no score and is no
  point here, and a skill only skipped questions tested has no score in that interview.
* A skill's average is over the interviews that tested it; the weakest skill is the lowest
  average (ties: alphabetical key, so the answer is stable).
* The next interview practises the weakest skill named above: on the track (specialization and
  level) of the latest interview that tested it (the latest track when only tailored interviews
  did), aimed at the topic that covers that skill when the caller knows one, else the whole
  track. When each of the last three interviews on that track and level scored at least
  `LEVEL_UP_SCORE`, it suggests the next level instead: still aimed at the weakest skill's topic
  while that skill is below `PASS_SCORE`, else the whole track, to find the new gaps.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from services.charts import LINE_COLOR, finish_chart_png, new_figure, thinned_ticks
from services.interview.bank import LEVELS
from services.interview.delivery import DeliverySummary
from services.interview.evaluation.schema import RemarkArg, Translate
from services.interview.report import (
    PASS_SCORE,
    chart_color,
    format_score,
    round_score,
    score_mark,
    skill_title,
)

# (specialization, level, skill key) → the topic whose questions test that skill, if any.
TopicFinder = Callable[[str, str | None, str], str | None]

LEVEL_UP_SCORE = 8.0
LEVEL_UP_STREAK = 3
TREND_STEADY_WITHIN = 0.2  # a change smaller than this is "steady"
MAX_CHART_DATE_LABELS = 10
MAX_LISTED_SKILLS = 20
SKILL_TITLE_CHARS = 60


@dataclass(frozen=True)
class ProgressPoint:
    """One finished interview: when, its overall score, and what the progress view needs."""

    finished_at: datetime
    overall: float  # over answered questions only
    skill_scores: Mapping[str, float] = field(default_factory=dict)  # answered questions only
    specialization: str | None = None  # None for interviews tailored to a vacancy
    level: str | None = None
    delivery: DeliverySummary | None = None  # None when no answer was spoken


@dataclass(frozen=True)
class NextInterview:
    specialization: str
    level: str | None
    topic: str | None  # None: the whole track
    focus_skill: str | None  # the weakest skill this interview practises, if it aims at one
    level_up: bool = False


@dataclass(frozen=True)
class ProgressSummary:
    count: int
    points: tuple[ProgressPoint, ...] = ()  # chronological
    first_score: float | None = None
    last_score: float | None = None
    trend: float | None = None  # last - first; None with fewer than two interviews
    average_score: float | None = None
    best_score: float | None = None
    skill_averages: dict[str, float] = field(default_factory=dict)  # weakest first
    weakest_skill: str | None = None
    next_interview: NextInterview | None = None

    @property
    def has_trend(self) -> bool:
        return self.count >= 2


def _mean(values: Sequence[float]) -> float:
    return round_score(sum(values) / len(values))


def _skill_averages(interviews: Sequence[ProgressPoint]) -> dict[str, float]:
    collected: dict[str, list[float]] = {}
    for interview in interviews:
        for skill, score in interview.skill_scores.items():
            collected.setdefault(skill, []).append(score)
    averages = {skill: _mean(scores) for skill, scores in collected.items()}
    return dict(sorted(averages.items(), key=lambda item: (item[1], item[0])))


def next_level(level: str | None) -> str | None:
    if level not in LEVELS:
        return level
    return LEVELS[min(LEVELS.index(level) + 1, len(LEVELS) - 1)]


def _next_interview(
    chronological: Sequence[ProgressPoint],
    averages: Mapping[str, float],
    topic_for: TopicFinder,
) -> NextInterview | None:
    tracked = [i for i in chronological if i.specialization]
    if not tracked:
        return None
    focus = next(iter(averages), None)  # the weakest skill, as the progress message names it
    # The track that tested the weakest skill most recently; the latest track otherwise.
    home = next((i for i in reversed(tracked) if focus in i.skill_scores), tracked[-1])
    specialization, level = home.specialization, home.level
    assert specialization is not None
    same_track = [i for i in tracked if i.specialization == specialization and i.level == level]
    streak = same_track[-LEVEL_UP_STREAK:]
    can_move_up = level in LEVELS and level != LEVELS[-1]
    level_up = (
        can_move_up
        and len(streak) == LEVEL_UP_STREAK
        and all(i.overall >= LEVEL_UP_SCORE for i in streak)
    )
    if level_up:
        level = next_level(level)
        if focus is not None and averages[focus] >= PASS_SCORE:
            focus = None  # nothing weak to aim at: the whole next level, to find the new gaps
    topic = topic_for(specialization, level, focus) if focus else None
    return NextInterview(specialization, level, topic, focus, level_up=level_up)


def topics_by_skill(skill_topics: Mapping[str, Mapping[str, str]]) -> TopicFinder:
    """A `TopicFinder` from specialization → skill key → topic, whatever the level."""

    def find(specialization: str, level: str | None, skill: str) -> str | None:
        return skill_topics.get(specialization, {}).get(skill)

    return find


def summarize_progress(
    interviews: Sequence[ProgressPoint],
    *,
    topic_for: TopicFinder | None = None,
) -> ProgressSummary:
    """`topic_for` says which topic of a track tests a skill (optional: the whole track else)."""
    if not interviews:
        return ProgressSummary(count=0)
    chronological = sorted(interviews, key=lambda interview: interview.finished_at)
    scores = [interview.overall for interview in chronological]
    averages = _skill_averages(chronological)
    first, last = round_score(scores[0]), round_score(scores[-1])
    return ProgressSummary(
        count=len(chronological),
        points=tuple(chronological),
        first_score=first,
        last_score=last,
        trend=round_score(last - first) if len(chronological) >= 2 else None,
        average_score=_mean(scores),
        best_score=round_score(max(scores)),
        skill_averages=averages,
        weakest_skill=next(iter(averages), None),
        next_interview=_next_interview(chronological, averages, topic_for or _no_topic),
    )


def _no_topic(specialization: str, level: str | None, skill: str) -> str | None:
    return None


def _title(key: str, titles: Mapping[str, str] | None) -> str:
    title = skill_title(key, titles)
    if len(title) > SKILL_TITLE_CHARS:
        title = title[: SKILL_TITLE_CHARS - 1].rstrip() + "…"
    return html.escape(title, quote=False)


def level_title(level: str | None, translate: Translate) -> str:
    """A level's name in the user's language (the one the track choice shows)."""
    return translate(f"interview-level-{level}" if level in LEVELS else "progress-level-any", {})


def render_progress_html(
    summary: ProgressSummary,
    translate: Translate,
    skill_titles: Mapping[str, str],
    *,
    track_titles: Mapping[str, str] | None = None,
    topic_titles: Mapping[str, str] | None = None,
) -> str:
    """The progress message (HTML). `topic_titles` are the suggested track's topic titles."""
    lines = [translate("progress-title", {})]
    if summary.count == 0 or summary.last_score is None:
        lines.append(translate("progress-empty", {}))
        return "\n".join(lines)

    def score(value: float) -> str:
        return format_score(value, translate)

    lines.append(translate("progress-count", {"count": summary.count}))
    if summary.trend is None or summary.first_score is None:
        lines.append(translate("progress-single", {"score": score(summary.last_score)}))
    else:
        if summary.trend >= TREND_STEADY_WITHIN:
            key = "progress-trend-up"
        elif summary.trend <= -TREND_STEADY_WITHIN:
            key = "progress-trend-down"
        else:
            key = "progress-trend-flat"
        args: dict[str, RemarkArg] = {
            "first": score(summary.first_score),
            "last": score(summary.last_score),
            "delta": score(abs(summary.trend)),
        }
        lines.append(translate(key, args))
        assert summary.average_score is not None and summary.best_score is not None
        averages = {"average": score(summary.average_score), "best": score(summary.best_score)}
        lines.append(translate("progress-average", averages))

    if summary.skill_averages:
        lines += ["", translate("progress-skills-header", {})]
        # With very many skills only the weakest are listed, so the message stays one message.
        listed = list(summary.skill_averages.items())[:MAX_LISTED_SKILLS]
        for skill, value in sorted(listed, key=lambda item: (-item[1], item[0])):
            skill_args: dict[str, RemarkArg] = {
                "mark": score_mark(value),
                "skill": _title(skill, skill_titles),
                "score": score(value),
            }
            lines.append(translate("progress-skill-line", skill_args))
        if summary.weakest_skill is not None and len(summary.skill_averages) > 1:
            weakest = _title(summary.weakest_skill, skill_titles)
            lines.append(translate("progress-weakest", {"skill": weakest}))

    lines += _delivery_lines(summary.points, translate)

    suggestion = summary.next_interview
    if suggestion is not None:
        lines += ["", translate("progress-next-header", {})]
        next_args: dict[str, RemarkArg] = {
            "track": _title(suggestion.specialization, track_titles),
            "level": level_title(suggestion.level, translate),
        }
        if suggestion.topic:
            next_args["topic"] = _title(suggestion.topic, topic_titles)
            lines.append(translate("progress-next-topic", next_args))
        else:
            lines.append(translate("progress-next-track", next_args))
        if suggestion.focus_skill is not None and suggestion.topic:
            focus = _title(suggestion.focus_skill, skill_titles)
            lines.append(translate("progress-next-focus", {"skill": focus}))
        if suggestion.level_up:
            lines.append(translate("progress-next-level-up", {}))
    return "\n".join(lines)


MAX_DELIVERY_LINES = 5


def _delivery_lines(points: Sequence[ProgressPoint], translate: Translate) -> list[str]:
    """Pace and filler rate of the latest interviews answered out loud, oldest first."""
    spoken = [point for point in points if point.delivery is not None][-MAX_DELIVERY_LINES:]
    if not spoken:
        return []
    lines = ["", translate("progress-delivery-header", {})]
    for point in spoken:
        assert point.delivery is not None
        args: dict[str, RemarkArg] = {
            "date": point.finished_at.strftime("%d.%m"),
            "wpm": round(point.delivery.wpm),
            "fillers": f"{point.delivery.fillers_per_min:.1f}",
            "pauses": point.delivery.long_pauses,
        }
        lines.append(translate("progress-delivery-line", args))
    latest = spoken[-1].delivery
    assert latest is not None
    lines.append(
        translate("report-delivery-tip", {"tip": translate(f"voice-tip-{latest.tip.value}", {})})
    )
    return lines


def render_progress_chart_png(points: Sequence[ProgressPoint], translate: Translate) -> bytes:
    """Overall score per finished interview, oldest first (meaningful from two points on)."""
    chronological = sorted(points, key=lambda point: point.finished_at)
    positions = list(range(1, len(chronological) + 1))
    scores = [point.overall for point in chronological]
    figure = new_figure((7.0, 3.6))
    axes = figure.add_subplot()
    axes.plot(positions, scores, color=LINE_COLOR, linewidth=2, zorder=2)
    axes.scatter(positions, scores, c=[chart_color(s) for s in scores], s=46, zorder=3)
    if len(positions) <= MAX_CHART_DATE_LABELS:
        for position, value in zip(positions, scores, strict=True):
            axes.annotate(
                format_score(value, translate),
                (position, value),
                textcoords="offset points",
                xytext=(0, 7),
                ha="center",
                fontsize=8.5,
            )
    labels = [
        translate(
            "progress-chart-date", {"day": point.finished_at.day, "month": point.finished_at.month}
        )
        for point in chronological
    ]
    thinned_ticks(axes, positions, labels, MAX_CHART_DATE_LABELS)
    if len(positions) == 1:
        axes.set_xlim(0.5, 1.5)
    else:
        axes.set_xlim(0.7, len(positions) + 0.3)
    axes.set_ylim(0, 10.5)
    axes.set_yticks(range(0, 11, 2))
    return finish_chart_png(
        figure,
        axes,
        title=translate("progress-chart-title", {}),
        axis_label=translate("progress-chart-axis", {}),
        value_axis="y",
    )
