"""The final interview report: scores, a grade, skills, recommendations, a chart and a PDF.

Pure functions over plain values (no database, no Telegram): the handler loads the answers,
turns them into `QuestionResult`s (`question_results` does it from the stored rows), calls
`build_report`, and sends what the renderers return.

How the numbers are made:

* A question's score is its main answer's score. A better follow-up answer lifts it halfway
  towards the follow-up's score (knowledge shown only after a prompt counts half); a worse one
  never lowers it.
* A skipped (or never answered) question has no score, not a zero: it is shown as skipped,
  counted apart ("2 answered, 1 skipped"), and left out of the overall score, the skills, the
  chart, the weakest skill and every advice drawn from scores. A skill that only skipped
  questions test is listed as not assessed. Skipping is named in the advice instead.
* The overall score is the mean of the answered questions' scores; a skill's score is the mean
  over the answered questions that test it. With nothing answered there is no score, no grade
  and no chart: the report says that everything was skipped.
* Recommendations come from the weakest skills, the weakest rubric criteria (made specific by
  the most frequent weakness behind them), the missed key point of the weakest answer, and
  skipped questions; they are ranked by how far each falls below `PASS_SCORE`, ties broken by a
  fixed order, so the same answers always give the same three.
"""

from __future__ import annotations

import html
import io
import re
import textwrap
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from pydantic import ValidationError

from services.charts import FAIR_COLOR, GOOD_COLOR, POOR_COLOR, finish_chart_png, new_figure
from services.interview.delivery import (
    DeliveryLine,
    DeliverySummary,
    delivery_html_lines,
    delivery_text,
    parse_speech,
    summarize_delivery,
)
from services.interview.evaluation import missed_point_remark, plain_key_point
from services.interview.evaluation.schema import (
    Criterion,
    Evaluation,
    RemarkArg,
    StarPart,
    Translate,
    criterion_message_id,
    star_part_message_id,
)
from services.speech.metrics import SpeechMetrics

TELEGRAM_MESSAGE_LIMIT = 4096
# A score at or above this is "good": green marks, no recommendation for that skill or criterion.
PASS_SCORE = 7.0
FAIR_SCORE = 5.0
MAX_RECOMMENDATIONS = 3
# How much of a better follow-up answer counts towards the question's score.
FOLLOW_UP_SHARE = 0.5

QUESTION_TITLE_CHARS = 90
SKILL_TITLE_CHARS = 60
RECOMMENDATION_ARG_CHARS = 160


class Grade(StrEnum):
    STRONG_HIRE = "strong_hire"
    HIRE = "hire"
    LEAN_HIRE = "lean_hire"
    NO_HIRE = "no_hire"

    @property
    def message_id(self) -> str:
        return "report-grade-" + self.value.replace("_", "-")


GRADE_THRESHOLDS: tuple[tuple[float, Grade], ...] = (
    (8.0, Grade.STRONG_HIRE),
    (6.5, Grade.HIRE),
    (5.0, Grade.LEAN_HIRE),
)


def grade_for(overall: float) -> Grade:
    for threshold, grade in GRADE_THRESHOLDS:
        if overall >= threshold:
            return grade
    return Grade.NO_HIRE


@dataclass(frozen=True)
class QuestionResult:
    """One planned question as the candidate answered it.

    `position` is the question's index in the plan (0-based; shown as position + 1).
    `score` is None when the question was skipped or never answered.
    """

    position: int
    question: str
    skills: Sequence[str] = ()
    answer: str = ""
    score: float | None = None
    evaluation: Evaluation | None = None
    source: str = "text"  # text | voice | skipped
    follow_up_question: str | None = None
    follow_up_answer: str | None = None
    follow_up_score: float | None = None
    follow_up_evaluation: Evaluation | None = None
    # The bank's reference answer (or key points): the PDF's ideal answer when nothing was scored.
    reference_answer: str = ""
    # Delivery of spoken answers; None when typed.
    speech: SpeechMetrics | None = None
    follow_up_speech: SpeechMetrics | None = None

    @property
    def skipped(self) -> bool:
        return self.score is None

    @property
    def final_score(self) -> float:
        """The question's score (0.0 when skipped: check `skipped`, or use `answered_score`)."""
        if self.score is None:
            return 0.0
        score = self.score
        if self.follow_up_score is not None and self.follow_up_score > score:
            score += FOLLOW_UP_SHARE * (self.follow_up_score - score)
        return round_score(min(10.0, max(0.0, score)))

    @property
    def answered_score(self) -> float | None:
        """The question's score, None when it was skipped (so it cannot be averaged in)."""
        return None if self.skipped else self.final_score


def overall_score(results: Iterable[QuestionResult]) -> float | None:
    """The mean score of the answered questions; None when nothing was answered."""
    scores = [score for r in results if (score := r.answered_score) is not None]
    return round_score(sum(scores) / len(scores)) if scores else None


def skill_averages(results: Iterable[QuestionResult]) -> dict[str, float]:
    """Skill key → the mean score of the answered questions testing it (skipped ones left out),
    in the order the skills first appear."""
    per_skill: dict[str, list[float]] = {}
    for result in results:
        score = result.answered_score
        if score is None:
            continue
        for skill in dict.fromkeys(result.skills):
            per_skill.setdefault(skill, []).append(score)
    return {skill: round_score(sum(scores) / len(scores)) for skill, scores in per_skill.items()}


class AnswerRecord(Protocol):
    """What `question_results` reads from a stored answer (an `InterviewAnswer` row fits)."""

    position: int
    is_follow_up: bool
    question_text: str
    answer_text: str
    source: str
    skills: list[str]
    score: float | None
    evaluation: dict[str, Any] | None
    speech: dict[str, Any] | None


def parse_evaluation(stored: Mapping[str, Any] | None) -> Evaluation | None:
    """A stored evaluation, or None when there is none or it no longer fits the schema."""
    if not stored:
        return None
    try:
        return Evaluation.model_validate(stored)
    except ValidationError:
        return None


def question_results(
    plan: Sequence[Mapping[str, Any]], answers: Iterable[AnswerRecord]
) -> list[QuestionResult]:
    """One `QuestionResult` per planned question, from the session's plan and its answer rows."""
    main: dict[int, AnswerRecord] = {}
    follow_ups: dict[int, AnswerRecord] = {}
    for answer in answers:
        (follow_ups if answer.is_follow_up else main)[answer.position] = answer
    results: list[QuestionResult] = []
    for position, planned in enumerate(plan):
        answer = main.get(position)
        follow_up = follow_ups.get(position)
        skills = list(planned.get("skills") or (answer.skills if answer else []))
        question = str(planned.get("text") or (answer.question_text if answer else ""))
        reference = str(planned.get("reference_answer") or "").strip() or "\n".join(
            f"• {point}" for point in planned.get("key_points") or []
        )
        results.append(
            QuestionResult(
                position=position,
                question=question,
                skills=skills,
                answer=answer.answer_text if answer else "",
                score=answer.score if answer else None,
                evaluation=parse_evaluation(answer.evaluation) if answer else None,
                source=answer.source if answer else "skipped",
                follow_up_question=follow_up.question_text if follow_up else None,
                follow_up_answer=follow_up.answer_text if follow_up else None,
                follow_up_score=follow_up.score if follow_up else None,
                follow_up_evaluation=parse_evaluation(follow_up.evaluation) if follow_up else None,
                reference_answer=reference,
                speech=parse_speech(answer.speech) if answer else None,
                follow_up_speech=parse_speech(follow_up.speech) if follow_up else None,
            )
        )
    return results


@dataclass(frozen=True)
class SkillScore:
    key: str
    title: str
    score: float
    questions: int


@dataclass(frozen=True)
class QuestionLine:
    number: int  # 1-based, as shown to the user
    title: str
    score: float | None  # None when skipped
    skills: tuple[str, ...] = ()

    @property
    def skipped(self) -> bool:
        return self.score is None


@dataclass(frozen=True)
class Recommendation:
    key: str
    args: dict[str, RemarkArg]
    text: str  # rendered in the report's language


@dataclass(frozen=True)
class InterviewReport:
    overall: float | None  # None when every question was skipped
    grade: Grade | None  # None without a score
    grade_label: str  # "" without a score
    total: int  # questions asked
    answered: int
    skipped: int
    skills: tuple[SkillScore, ...]  # answered skills only, best first
    questions: tuple[QuestionLine, ...]
    criteria: dict[Criterion, float] = field(default_factory=dict)  # averages over evaluations
    recommendations: tuple[Recommendation, ...] = ()
    delivery: DeliverySummary | None = None  # None when no answer was spoken
    unassessed_skills: tuple[str, ...] = ()  # titles of skills that only skipped questions test

    @property
    def all_skipped(self) -> bool:
        """Questions were asked, and none of them was answered."""
        return self.total > 0 and self.answered == 0

    @property
    def weakest_skill(self) -> SkillScore | None:
        return self.skills[-1] if self.skills else None

    def skill_scores(self) -> dict[str, float]:
        return {skill.key: skill.score for skill in self.skills}


def round_score(value: float) -> float:
    """One decimal, halves rounded up (6.25 → 6.3), as people expect from a score."""
    return float(Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _mean(values: Sequence[float]) -> float:
    return round_score(sum(values) / len(values)) if values else 0.0


def skill_title(key: str, skill_titles: Mapping[str, str] | None) -> str:
    """A skill's (or track's, topic's) title; its key made readable when it has none."""
    return (skill_titles or {}).get(key) or key.replace("_", " ").capitalize()


def build_report(
    results: Sequence[QuestionResult], *, skill_titles: Mapping[str, str], translate: Translate
) -> InterviewReport:
    ordered = sorted(results, key=lambda result: result.position)
    answered = [result for result in ordered if not result.skipped]
    overall = overall_score(answered)
    grade = None if overall is None else grade_for(overall)

    averages = skill_averages(answered)
    first_seen = {key: index for index, key in enumerate(averages)}
    tested = Counter(skill for result in answered for skill in dict.fromkeys(result.skills))
    skills = sorted(
        (
            SkillScore(key, skill_title(key, skill_titles), score, tested[key])
            for key, score in averages.items()
        ),
        key=lambda skill: (-skill.score, first_seen[skill.key]),
    )
    unassessed = tuple(
        skill_title(key, skill_titles)
        for key in dict.fromkeys(skill for result in ordered for skill in result.skills)
        if key not in averages
    )

    evaluations = [r.evaluation for r in ordered if r.evaluation is not None and not r.skipped]
    criteria = {
        criterion: _mean([evaluation.criteria[criterion] for evaluation in evaluations])
        for criterion in Criterion
        if evaluations
    }
    questions = tuple(
        QuestionLine(
            number=result.position + 1,
            title=result.question,
            score=None if result.skipped else result.final_score,
            skills=tuple(skill_title(key, skill_titles) for key in result.skills),
        )
        for result in ordered
    )
    report = InterviewReport(
        overall=overall,
        grade=grade,
        grade_label="" if grade is None else translate(grade.message_id, {}),
        total=len(ordered),
        answered=len(answered),
        skipped=len(ordered) - len(answered),
        skills=tuple(skills),
        questions=questions,
        criteria=criteria,
        delivery=summarize_delivery(spoken_answers(ordered)),
        unassessed_skills=unassessed,
    )
    recommendations = _recommendations(report, ordered, translate)
    return replace(report, recommendations=recommendations)


def spoken_answers(results: Sequence[QuestionResult]) -> list[DeliveryLine]:
    """The delivery of every spoken answer (and follow-up), in question order."""
    lines = []
    for result in results:
        if result.speech is not None:
            lines.append(DeliveryLine(result.position + 1, False, result.speech))
        if result.follow_up_speech is not None:
            lines.append(DeliveryLine(result.position + 1, True, result.follow_up_speech))
    return lines


# Weakness message ids (locales/*/evaluation.ftl) → the criterion they pull down and the advice
# that addresses them. The order breaks ties between equally frequent weaknesses.
WEAKNESS_ADVICE: tuple[tuple[str, Criterion, str], ...] = (
    ("eval-weakness-off-topic", Criterion.RELEVANCE, "report-rec-off-topic"),
    ("eval-weakness-missing-points", Criterion.ACCURACY, "report-rec-missing-point"),
    ("eval-weakness-too-short", Criterion.ACCURACY, "report-rec-too-short"),
    ("eval-weakness-no-examples", Criterion.EXAMPLES, "report-rec-criterion-examples"),
    ("eval-weakness-star-missing", Criterion.EXAMPLES, "report-rec-star"),
    ("eval-weakness-result-not-quantified", Criterion.EXAMPLES, "report-rec-quantify"),
    ("eval-weakness-keywords-only", Criterion.CLARITY, "report-rec-keywords-only"),
    ("eval-weakness-no-structure", Criterion.CLARITY, "report-rec-criterion-clarity"),
    ("eval-weakness-rambling", Criterion.CLARITY, "report-rec-rambling"),
)
WEAK_SKILLS_CONSIDERED = 2
WEAK_CRITERIA_CONSIDERED = 2


@dataclass(frozen=True)
class _Candidate:
    severity: float  # how far below PASS_SCORE, in score points
    order: int  # fixed tie-break
    key: str
    args: dict[str, RemarkArg]


def _shorten(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _missed_point_args(point: str) -> dict[str, RemarkArg]:
    """The missed key point in plain words (never the rubric's "Mentions that …")."""
    plain = plain_key_point(point)
    return {"point": _shorten(plain.text, RECOMMENDATION_ARG_CHARS), "form": plain.form}


def _missed_point(results: Sequence[QuestionResult]) -> tuple[str, float] | None:
    """The first missed key point of the weakest answer that missed any, with that answer's score."""
    answered = [
        r for r in results if not r.skipped and r.evaluation and r.evaluation.missing_key_points
    ]
    if not answered:
        return None
    weakest = min(answered, key=lambda result: (result.final_score, result.position))
    assert weakest.evaluation is not None
    return weakest.evaluation.missing_key_points[0], weakest.final_score


def _recommendations(
    report: InterviewReport, results: Sequence[QuestionResult], translate: Translate
) -> tuple[Recommendation, ...]:
    candidates: list[_Candidate] = []
    for skill in list(reversed(report.skills))[:WEAK_SKILLS_CONSIDERED]:
        if skill.score < PASS_SCORE:
            args: dict[str, RemarkArg] = {
                "skill": _shorten(skill.title, SKILL_TITLE_CHARS),
                "score": format_score(skill.score, translate),
            }
            candidates.append(_Candidate(PASS_SCORE - skill.score, 0, "report-rec-skill", args))

    if report.skipped:
        severity = PASS_SCORE * report.skipped / report.total
        candidates.append(_Candidate(severity, 1, "report-rec-skipped", {"count": report.skipped}))

    weakness_counts = Counter(
        remark.key
        for result in results
        if result.evaluation is not None and not result.skipped
        for remark in result.evaluation.weaknesses
        if remark.key is not None
    )
    missed = _missed_point(results)
    weak_criteria = sorted(
        (item for item in report.criteria.items() if item[1] < PASS_SCORE),
        key=lambda item: (item[1], list(Criterion).index(item[0])),
    )[:WEAK_CRITERIA_CONSIDERED]
    for criterion, average in weak_criteria:
        advice = f"report-rec-criterion-{criterion.value.replace('_', '-')}"
        frequent = [
            (weakness_counts[weakness], -index, key)
            for index, (weakness, target, key) in enumerate(WEAKNESS_ADVICE)
            if target is criterion and weakness_counts[weakness]
        ]
        if frequent:
            advice = max(frequent)[2]
        args = {}
        if advice == "report-rec-missing-point":
            if missed is None:
                advice = "report-rec-criterion-accuracy"
            else:
                args = _missed_point_args(missed[0])
        candidates.append(_Candidate(PASS_SCORE - average, 2, advice, args))

    if missed is not None and missed[1] < PASS_SCORE:
        args = _missed_point_args(missed[0])
        candidates.append(_Candidate(PASS_SCORE - missed[1], 3, "report-rec-missing-point", args))

    ranked = sorted(candidates, key=lambda c: (-round(c.severity, 3), c.order))
    chosen: list[_Candidate] = []
    # First one advice per kind (skills, skipped, criteria, key points), then the rest by rank.
    for distinct_kinds in (True, False):
        for candidate in ranked:
            if len(chosen) == MAX_RECOMMENDATIONS:
                break
            if any((c.key, c.args) == (candidate.key, candidate.args) for c in chosen):
                continue
            if distinct_kinds and any(c.order == candidate.order for c in chosen):
                continue
            chosen.append(candidate)
    chosen.sort(key=lambda c: (-round(c.severity, 3), c.order))
    if not chosen and report.overall is not None:
        key = "report-rec-level-up" if report.overall >= 8.0 else "report-rec-polish"
        chosen.append(_Candidate(0.0, 0, key, {}))
    return tuple(
        Recommendation(candidate.key, candidate.args, translate(candidate.key, candidate.args))
        for candidate in chosen
    )


def format_score(value: float, translate: Translate) -> str:
    """A 0-10 score with one decimal, in the reader's number format (7.5 / 7,5)."""
    return translate("report-score", {"score": round_score(value)})


# --- Telegram summaries (HTML parse mode) -------------------------------------------------------


def score_mark(score: float | None) -> str:
    if score is None:
        return "⏭"
    if score >= PASS_SCORE:
        return "🟢"
    return "🟡" if score >= FAIR_SCORE else "🔴"


def _escaped(text: str, limit: int) -> str:
    # Shorten before escaping, so an entity such as &amp; is never cut in half.
    return html.escape(_shorten(text, limit), quote=False)


def _header_lines(
    report: InterviewReport, translate: Translate, title_key: str, track_title: str | None
) -> list[str]:
    return [
        translate(title_key, {}),
        *([f"<i>{_escaped(track_title, 120)}</i>"] if track_title else []),
        *([_overall_line(report, translate, "report-overall")] if report.total else []),
        _answered_line(report, translate),
    ]


def _overall_line(report: InterviewReport, translate: Translate, key: str) -> str:
    """The score and grade; with nothing answered, that there is none (never a 0.0)."""
    if report.overall is None:
        return translate("report-all-skipped", {"total": report.total})
    args: dict[str, RemarkArg] = {
        "score": format_score(report.overall, translate),
        "grade": report.grade_label,
    }
    return translate(key, args)


def _answered_line(report: InterviewReport, translate: Translate) -> str:
    args: dict[str, RemarkArg] = {
        "answered": report.answered,
        "total": report.total,
        "skipped": report.skipped,
    }
    return translate("report-answered", args)


def _skill_lines(report: InterviewReport, translate: Translate) -> list[str]:
    if not report.skills and not report.unassessed_skills:
        return []
    lines = ["", translate("report-skills-header", {})]
    for skill in report.skills:
        args: dict[str, RemarkArg] = {
            "mark": score_mark(skill.score),
            "skill": _escaped(skill.title, SKILL_TITLE_CHARS),
            "score": format_score(skill.score, translate),
        }
        lines.append(translate("report-skill-line", args))
    for title in report.unassessed_skills:
        skipped_args: dict[str, RemarkArg] = {"skill": _escaped(title, SKILL_TITLE_CHARS)}
        lines.append(translate("report-skill-skipped-line", skipped_args))
    return lines


def _question_lines(report: InterviewReport, translate: Translate, title_chars: int) -> list[str]:
    if not report.questions:
        return ["", translate("report-no-questions", {})]
    lines = ["", translate("report-questions-header", {})]
    for question in report.questions:
        title = _escaped(question.title, title_chars)
        if question.score is None:
            lines.append(
                translate(
                    "report-question-skipped-line", {"number": question.number, "title": title}
                )
            )
            continue
        args: dict[str, RemarkArg] = {
            "number": question.number,
            "mark": score_mark(question.score),
            "score": format_score(question.score, translate),
            "title": title,
        }
        lines.append(translate("report-question-line", args))
    return lines


def _recommendation_lines(report: InterviewReport, translate: Translate) -> list[str]:
    if not report.recommendations:
        return []
    lines = ["", translate("report-recommendations-header", {})]
    for number, recommendation in enumerate(report.recommendations, start=1):
        text = html.escape(recommendation.text, quote=False)
        lines.append(translate("report-recommendation-line", {"number": number, "text": text}))
    return lines


def _fit_message(build: Any, limit: int = TELEGRAM_MESSAGE_LIMIT) -> str:
    """The first rendering that fits one message, shortening question titles step by step.

    `build(title_chars)` returns the lines. As a last resort whole lines are dropped from the end,
    which keeps the HTML valid because every line closes its own tags.
    """
    for title_chars in (QUESTION_TITLE_CHARS, 50, 24):
        text = "\n".join(build(title_chars))
        if len(text) <= limit:
            return text
    lines: list[str] = build(24)
    while lines and len("\n".join([*lines, "…"])) > limit:
        lines.pop()
    return "\n".join([*lines, "…"])


def render_summary_html(
    report: InterviewReport, translate: Translate, *, track_title: str | None = None
) -> str:
    """The candidate's own summary: scores, skills, every question's score, what to work on."""

    def build(title_chars: int) -> list[str]:
        return [
            *_header_lines(report, translate, "report-title", track_title),
            *_skill_lines(report, translate),
            *_question_lines(report, translate, title_chars),
            *delivery_html_lines(report.delivery, translate),
            *_recommendation_lines(report, translate),
        ]

    return _fit_message(build)


def render_shared_summary_html(
    report: InterviewReport, translate: Translate, *, track_title: str | None = None
) -> str:
    """What a shared link shows: scores, grade, skills and question titles; never the answers
    and never the personal recommendations (they can quote what the candidate missed)."""

    def build(title_chars: int) -> list[str]:
        return [
            *_header_lines(report, translate, "report-shared-title", track_title),
            *_skill_lines(report, translate),
            *_question_lines(report, translate, title_chars),
            "",
            translate("report-shared-footer", {}),
        ]

    return _fit_message(build)


# --- Chart (matplotlib, no pyplot: no global state, safe in any thread) ---------------------------

CHART_LABEL_CHARS = 48  # at most two lines of 26
MAX_CHART_SKILLS = 14


def chart_color(score: float) -> str:
    if score >= PASS_SCORE:
        return GOOD_COLOR
    return FAIR_COLOR if score >= FAIR_SCORE else POOR_COLOR


def _chart_skills(skills: Sequence[SkillScore]) -> Sequence[SkillScore]:
    """All skills, or with very many the strongest and the weakest halves (the message and the
    PDF still list every skill), so the chart stays readable and small."""
    if len(skills) <= MAX_CHART_SKILLS:
        return skills
    half = MAX_CHART_SKILLS // 2
    return [*skills[:half], *skills[-half:]]


def render_skill_chart_png(report: InterviewReport, translate: Translate) -> bytes:
    """Horizontal bars, one per answered skill on a 0-10 scale, best at the top; the overall
    score alone when the questions named no skills. Skipped questions draw nothing: a report
    with nothing answered has no chart (ValueError)."""
    if report.overall is None:
        raise ValueError("nothing was answered: there is no score to chart")
    if report.skills:
        shown = _chart_skills(report.skills)
        labels = [textwrap.fill(_shorten(s.title, CHART_LABEL_CHARS), 26) for s in shown]
        values = [skill.score for skill in shown]
    else:
        labels = [translate("report-chart-overall", {})]
        values = [report.overall]
    rows = len(values)
    extra_lines = sum(label.count("\n") for label in labels)
    figure = new_figure((7.0, 1.3 + 0.42 * rows + 0.18 * extra_lines))
    axes = figure.add_subplot()
    positions = list(range(rows))[::-1]  # first (best) skill at the top
    axes.barh(positions, values, height=0.6, color=[chart_color(v) for v in values])
    axes.set_yticks(positions, labels=labels, fontsize=10)
    axes.set_xlim(0, 10.8)
    axes.set_xticks(range(0, 11, 2))
    axes.set_ylim(-0.6, rows - 0.4)
    axes.axvline(PASS_SCORE, color="#888888", linestyle="--", linewidth=0.8)
    for position, value in zip(positions, values, strict=True):
        axes.text(
            value + 0.12,
            position,
            format_score(value, translate),
            va="center",
            fontsize=9,
            fontweight="bold",
        )
    return finish_chart_png(
        figure,
        axes,
        title=translate("report-chart-title", {}),
        axis_label=translate("report-chart-axis", {}),
        value_axis="x",
    )


# --- PDF (fpdf2 with DejaVu Sans from matplotlib's data, so Cyrillic renders offline) ------------

PDF_FONT = "DejaVu"
PDF_MARGIN_MM = 18
PDF_TEXT_SIZE = 10
PDF_LINE_MM = 5.0
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@cache
def _font_paths() -> tuple[Path, Path]:
    import matplotlib

    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return fonts / "DejaVuSans.ttf", fonts / "DejaVuSans-Bold.ttf"


@cache
def _font_code_points() -> frozenset[int]:
    from fontTools.ttLib import TTFont

    # Characters both faces draw, so a bold line never hits a missing glyph either.
    covered: set[int] | None = None
    for path in _font_paths():
        font = TTFont(path, lazy=True)
        characters = set(font.getBestCmap())
        font.close()
        covered = characters if covered is None else covered & characters
    return frozenset(covered or ())


def _plain(line: str) -> str:
    """A line of the HTML summary as plain text, for the PDF."""
    return html.unescape(re.sub(r"<[^>]+>", "", line))


def _pdf_text(text: str) -> str:
    """Text the font can draw: controls and glyphs DejaVu lacks (emoji) are dropped."""
    text = _CONTROL_CHARACTERS.sub("", text.replace("\r\n", "\n").replace("\t", "    "))
    covered = _font_code_points()
    return "".join(char for char in text if char == "\n" or ord(char) in covered)


def _new_pdf(translate: Translate) -> Any:
    from fpdf import FPDF

    class ReportPdf(FPDF):  # type: ignore[misc]
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font(PDF_FONT, "", 8)
            self.set_text_color(140, 140, 140)
            page = translate("report-pdf-page", {"page": self.page_no()})
            self.cell(0, 6, _pdf_text(page), align="C")

    pdf = ReportPdf(format="A4", unit="mm")
    regular, bold = _font_paths()
    pdf.add_font(PDF_FONT, "", str(regular))
    pdf.add_font(PDF_FONT, "B", str(bold))
    pdf.set_margins(PDF_MARGIN_MM, PDF_MARGIN_MM, PDF_MARGIN_MM)
    pdf.set_auto_page_break(True, margin=PDF_MARGIN_MM)
    pdf.set_creator("EasyFlow")
    pdf.set_title(_pdf_text(translate("report-pdf-title", {})))
    return pdf


class _PdfWriter:
    """Small layout helpers over one FPDF document."""

    def __init__(self, pdf: Any) -> None:
        self.pdf = pdf

    def text(
        self,
        text: str,
        *,
        size: float = PDF_TEXT_SIZE,
        bold: bool = False,
        color: tuple[int, int, int] = (20, 20, 20),
        gap_after: float = 1.5,
        hanging_prefix: str = "",
    ) -> None:
        """A paragraph, wrapped here and drawn line by line with `cell`.

        fpdf2's `multi_cell` re-measures the whole line for every character it adds, which made
        long answers the slowest part of the report; measuring each word once is linear.
        `hanging_prefix` (a bullet) starts the first line, and the others are indented under it.
        """
        from fpdf.enums import XPos, YPos

        cleaned = _pdf_text(text).strip()
        if not cleaned:
            return
        pdf = self.pdf
        pdf.set_font(PDF_FONT, "B" if bold else "", size)
        pdf.set_text_color(*color)
        line_height = max(PDF_LINE_MM, size * 0.5)
        full_width = pdf.w - pdf.l_margin - pdf.r_margin
        indent = self._width(hanging_prefix) if hanging_prefix else 0.0
        for number, line in enumerate(self._wrap(cleaned, full_width - indent)):
            if number == 0 and hanging_prefix:
                line = hanging_prefix + line
            pdf.set_x(pdf.l_margin + (indent if number and hanging_prefix else 0.0))
            pdf.cell(0, line_height, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(gap_after)

    def _width(self, text: str) -> float:
        pdf = self.pdf
        widths = pdf.current_font.cw
        return float(sum(widths[ord(char)] for char in text) * pdf.font_size_pt * 0.001 / pdf.k)

    def _wrap(self, text: str, max_width: float) -> list[str]:
        lines: list[str] = []
        space = self._width(" ")
        for paragraph in text.split("\n"):
            words = paragraph.split()
            if not words:
                lines.append("")
                continue
            current: list[str] = []
            current_width = 0.0
            for word in words:
                word_width = self._width(word)
                if word_width > max_width:  # a URL or a run of symbols: break it anywhere
                    if current:
                        lines.append(" ".join(current))
                    pieces = self._split_long_word(word, max_width)
                    lines.extend(pieces[:-1])
                    current, current_width = [pieces[-1]], self._width(pieces[-1])
                    continue
                needed = word_width + (space if current else 0.0)
                if current and current_width + needed > max_width:
                    lines.append(" ".join(current))
                    current, current_width = [word], word_width
                else:
                    current.append(word)
                    current_width += needed
            lines.append(" ".join(current))
        return lines

    def _split_long_word(self, word: str, max_width: float) -> list[str]:
        pieces: list[str] = []
        start, width = 0, 0.0
        for index, char in enumerate(word):
            char_width = self._width(char)
            if width + char_width > max_width and index > start:
                pieces.append(word[start:index])
                start, width = index, 0.0
            width += char_width
        pieces.append(word[start:])
        return pieces

    def label(self, text: str) -> None:
        self.text(text, size=9.5, bold=True, color=(70, 70, 70), gap_after=0.5)

    def bullets(self, label: str, items: Sequence[str]) -> None:
        items = [item for item in (_pdf_text(item).strip() for item in items) if item]
        if not items:
            return
        self.label(label)
        for item in items:
            self.text(item, gap_after=0.3, hanging_prefix="• ")
        self.pdf.ln(1.2)

    def rule(self) -> None:
        pdf = self.pdf
        pdf.set_draw_color(200, 200, 200)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
        pdf.ln(3)

    def image(self, png: bytes) -> None:
        pdf = self.pdf
        width = pdf.w - pdf.l_margin - pdf.r_margin
        pdf.image(io.BytesIO(png), x=pdf.l_margin, w=width)
        pdf.ln(3)


def _score_color(score: float | None) -> tuple[int, int, int]:
    if score is None:
        return (120, 120, 120)
    value = chart_color(score).lstrip("#")
    return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))


def _criteria_line(evaluation: Evaluation, translate: Translate) -> str:
    return " · ".join(
        f"{translate(criterion_message_id(criterion), {})} {format_score(score, translate)}"
        for criterion, score in ((c, evaluation.criteria[c]) for c in Criterion)
    )


def _star_line(evaluation: Evaluation, translate: Translate) -> str:
    if evaluation.star is None:
        return ""
    return " · ".join(
        f"{translate(star_part_message_id(part), {})} "
        f"{format_score(getattr(evaluation.star, part.value), translate)}"
        for part in StarPart
    )


def _write_evaluation(writer: _PdfWriter, evaluation: Evaluation, translate: Translate) -> None:
    if evaluation.simplified:
        writer.text(translate("report-pdf-simplified", {}), size=8.5, color=(150, 110, 20))
    writer.label(translate("report-pdf-criteria", {}))
    writer.text(_criteria_line(evaluation, translate), size=9)
    star = _star_line(evaluation, translate)
    if star:
        writer.label(translate("report-pdf-star", {}))
        writer.text(star, size=9)
    strengths = [remark.render(translate) for remark in evaluation.strengths]
    weaknesses = [remark.render(translate) for remark in evaluation.weaknesses]
    writer.bullets(translate("report-pdf-strengths", {}), strengths)
    writer.bullets(translate("report-pdf-weaknesses", {}), weaknesses)
    writer.bullets(
        translate("report-pdf-missing", {}),
        [missed_point_remark(point).render(translate) for point in evaluation.missing_key_points],
    )
    writer.bullets(
        translate("report-pdf-evidence", {}), [f"“{q}”" for q in evaluation.evidence_quotes]
    )


def _write_question(
    writer: _PdfWriter,
    result: QuestionResult,
    skill_titles: Sequence[str],
    total: int,
    translate: Translate,
) -> None:
    score = None if result.skipped else result.final_score
    status = (
        translate("report-pdf-skipped", {})
        if score is None
        else translate("report-pdf-score", {"score": format_score(score, translate)})
    )
    heading = translate("report-pdf-question", {"number": result.position + 1, "total": total})
    writer.text(f"{heading} — {status}", size=12, bold=True, color=_score_color(score))
    writer.text(result.question, bold=True)
    if skill_titles:
        writer.text(
            translate("report-pdf-skills", {"skills": ", ".join(skill_titles)}),
            size=8.5,
            color=(110, 110, 110),
        )
    if result.skipped:
        writer.text(translate("report-pdf-skipped-note", {}), color=(110, 110, 110))
    else:
        answer_label = (
            "report-pdf-answer-voice" if result.source == "voice" else "report-pdf-answer"
        )
        writer.label(translate(answer_label, {}))
        writer.text(result.answer or "—")
        if result.speech is not None:
            writer.text(delivery_text(result.speech, translate), size=8.5, color=(110, 110, 110))
        if result.evaluation is not None:
            _write_evaluation(writer, result.evaluation, translate)
    if result.follow_up_question:
        writer.label(translate("report-pdf-follow-up", {}))
        writer.text(result.follow_up_question)
        if result.follow_up_answer:
            label = translate("report-pdf-follow-up-answer", {})
            if result.follow_up_score is not None:
                label += " — " + translate(
                    "report-pdf-score", {"score": format_score(result.follow_up_score, translate)}
                )
            writer.label(label)
            writer.text(result.follow_up_answer)
            if result.follow_up_speech is not None:
                writer.text(
                    delivery_text(result.follow_up_speech, translate),
                    size=8.5,
                    color=(110, 110, 110),
                )
    ideal = (result.evaluation.ideal_answer if result.evaluation else "") or result.reference_answer
    if ideal.strip():
        writer.label(translate("report-pdf-ideal", {}))
        writer.text(ideal, color=(30, 60, 110))
    writer.rule()


def render_report_pdf(
    report: InterviewReport,
    results: Sequence[QuestionResult],
    translate: Translate,
    *,
    track_title: str | None = None,
    chart_png: bytes | None = None,
) -> bytes:
    """The full report: the summary and chart, then every question with the answer, its score,
    feedback and the ideal answer. Pass `chart_png` to reuse a chart already rendered."""
    pdf = _new_pdf(translate)
    pdf.add_page()
    writer = _PdfWriter(pdf)
    writer.text(translate("report-pdf-title", {}), size=18, bold=True, gap_after=1)
    if track_title:
        writer.text(track_title, size=11, color=(90, 90, 90))
    if report.total:
        overall = _overall_line(report, translate, "report-pdf-overall")
        writer.text(overall, size=13, bold=True, color=_score_color(report.overall), gap_after=0.5)
    writer.text(_plain(_answered_line(report, translate)), gap_after=3)
    if report.overall is not None:
        chart = chart_png if chart_png is not None else render_skill_chart_png(report, translate)
        writer.image(chart)
    if report.recommendations:
        writer.text(translate("report-pdf-recommendations", {}), size=12, bold=True)
        for number, recommendation in enumerate(report.recommendations, start=1):
            writer.text(f"{number}. {recommendation.text}", gap_after=0.8)
        pdf.ln(2)
    if report.delivery is not None:
        writer.text(translate("report-pdf-delivery-header", {}), size=12, bold=True)
        for line in delivery_html_lines(report.delivery, translate)[2:]:
            writer.text(_plain(line), gap_after=0.5)
        pdf.ln(2)
    writer.rule()
    skills_by_number = {line.number: line.skills for line in report.questions}
    for result in sorted(results, key=lambda item: item.position):
        skill_titles = skills_by_number.get(result.position + 1) or tuple(result.skills)
        _write_question(writer, result, skill_titles, report.total, translate)
    return bytes(pdf.output())
