"""The final report: the score math, recommendations, the Telegram summaries, the chart, the PDF."""

from __future__ import annotations

import io
import random
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from pypdf import PdfReader

from services.interview.evaluation import (
    Criterion,
    Evaluation,
    EvaluationRequest,
    OfflineEvaluator,
    Remark,
    TaskKind,
)
from services.interview.report import (
    MAX_RECOMMENDATIONS,
    TELEGRAM_MESSAGE_LIMIT,
    Grade,
    QuestionResult,
    build_report,
    grade_for,
    overall_score,
    question_results,
    render_report_pdf,
    render_shared_summary_html,
    render_skill_chart_png,
    render_summary_html,
    skill_averages,
)
from tests.fluent import message_ids, translator

BANK = Path(__file__).resolve().parents[2] / "services" / "interview" / "questions"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
EN = translator("en")
RU = translator("ru")
TITLES = {"sql": "SQL", "caching": "Caching", "api_design": "API design"}


def evaluation(
    overall: float,
    *,
    criteria: dict[Criterion, float] | None = None,
    weaknesses: tuple[str, ...] = (),
    missing: tuple[str, ...] = (),
) -> Evaluation:
    scores = {criterion: overall for criterion in Criterion} | (criteria or {})
    return Evaluation(
        overall=overall,
        criteria=scores,
        weaknesses=[Remark.message(key, count=1) for key in weaknesses],
        missing_key_points=list(missing),
        evidence_quotes=["quoted part"],
        ideal_answer="The ideal answer.",
        evaluator="offline",
    )


def answered(
    position: int, score: float, skills: list[str], answer: str = "My answer", **kwargs: Any
) -> QuestionResult:
    return QuestionResult(
        position=position,
        question=f"Question {position + 1}?",
        skills=skills,
        answer=answer,
        score=score,
        evaluation=kwargs.pop("evaluation", evaluation(score)),
        **kwargs,
    )


def skipped(position: int, skills: list[str]) -> QuestionResult:
    return QuestionResult(
        position=position, question=f"Question {position + 1}?", skills=skills, source="skipped"
    )


def test_a_skipped_question_is_left_out_of_the_scores_and_counted_apart() -> None:
    results = [answered(0, 8, ["sql"]), answered(1, 6, ["sql", "caching"]), skipped(2, ["caching"])]
    report = build_report(results, skill_titles=TITLES, translate=EN)
    assert report.overall == 7.0  # (8 + 6) / 2: the skipped question is no zero
    assert (report.total, report.answered, report.skipped) == (3, 2, 1)
    assert report.skill_scores() == {"sql": 7.0, "caching": 6.0}
    assert [(skill.key, skill.questions) for skill in report.skills] == [
        ("sql", 2),
        ("caching", 1),
    ]
    assert report.weakest_skill is not None and report.weakest_skill.title == "Caching"
    assert [q.score for q in report.questions] == [8.0, 6.0, None]
    assert report.grade is Grade.HIRE and report.grade_label == "Hire"
    assert overall_score(results) == 7.0
    assert skill_averages(results) == {"sql": 7.0, "caching": 6.0}
    assert results[2].answered_score is None and results[0].answered_score == 8.0


def the_reported_interview() -> list[QuestionResult]:
    """The user's report from issue 23: API design 7.6, a skipped API design question, 9.3."""
    return [
        answered(0, 7.6, ["api_design"]),
        skipped(1, ["api_design", "caching"]),
        answered(2, 9.3, ["sql"]),
    ]


def test_a_skip_neither_pulls_a_topic_down_nor_makes_the_verdict_or_the_advice() -> None:
    report = build_report(the_reported_interview(), skill_titles=TITLES, translate=EN)
    assert report.overall == 8.5  # (7.6 + 9.3) / 2, not (7.6 + 0 + 9.3) / 3 = 5.6
    assert report.grade is Grade.STRONG_HIRE  # not "Borderline"
    assert report.skill_scores() == {"api_design": 7.6, "sql": 9.3}  # not 3.8
    assert report.weakest_skill is not None and report.weakest_skill.key == "api_design"
    assert report.unassessed_skills == ("Caching",)  # only the skipped question tested it
    keys = [recommendation.key for recommendation in report.recommendations]
    assert "report-rec-skill" not in keys  # no "Brush up on API design: average 0.0"
    assert keys[0] == "report-rec-skipped"
    assert all("0.0" not in recommendation.text for recommendation in report.recommendations)

    summary = render_summary_html(report, EN)
    assert "Questions: 2 answered, 1 skipped." in summary
    assert "Overall score: <b>8.5/10</b> — Strong hire" in summary
    assert "API design: <b>7.6</b>" in summary
    assert "2. ⏭ skipped — Question 2?" in summary
    assert "⏭ Caching: not assessed (skipped)" in summary
    assert "0.0" not in summary and "Borderline" not in summary and "3.8" not in summary

    russian = render_summary_html(
        build_report(the_reported_interview(), skill_titles=TITLES, translate=RU), RU
    )
    assert "Вопросы: отвечено 2, пропущено 1." in russian
    assert "2. ⏭ пропущен — Question 2?" in russian
    assert "API design: <b>7,6</b>" in russian and "0,0" not in russian
    assert "интервью" not in russian.lower()

    shared = render_shared_summary_html(report, EN)
    assert "Questions: 2 answered, 1 skipped." in shared and "⏭ skipped" in shared


def test_answered_counts_only_answered_questions() -> None:
    results = [answered(0, 5, ["sql"]), skipped(1, ["sql"]), skipped(2, ["sql"])]
    report = build_report(results, skill_titles=TITLES, translate=EN)
    assert (report.total, report.answered, report.skipped) == (3, 1, 2)
    assert "Questions: 1 answered, 2 skipped." in render_summary_html(report, EN)
    everything = build_report([answered(0, 5, ["sql"])], skill_titles=TITLES, translate=RU)
    assert "Вопросы: отвечено 1." in render_summary_html(everything, RU)


@pytest.mark.parametrize("language", ["en", "ru"])
def test_an_interview_with_everything_skipped_has_no_score_verdict_or_advice_from_zeros(
    language: str,
) -> None:
    translate = translator(language)
    results = [skipped(n, ["sql", "api_design"][: n % 2 + 1]) for n in range(3)]
    report = build_report(results, skill_titles=TITLES, translate=translate)
    assert report.all_skipped
    assert (report.overall, report.grade, report.grade_label) == (None, None, "")
    assert (report.total, report.answered, report.skipped) == (3, 0, 3)
    assert report.skills == () and report.weakest_skill is None and report.criteria == {}
    assert report.unassessed_skills == ("SQL", "API design")
    assert [r.key for r in report.recommendations] == ["report-rec-skipped"]

    summary = render_summary_html(report, translate, track_title="Backend")
    assert translate("report-all-skipped", {"total": 3}) in summary
    assert translate("report-answered", {"answered": 0, "total": 3, "skipped": 3}) in summary
    assert summary.count("⏭") >= 3 + 2  # the three questions and the two skills
    assert "/10" not in summary and "0.0" not in summary and "0,0" not in summary
    for grade in Grade:
        assert translate(grade.message_id, {}) not in summary
    with pytest.raises(ValueError):
        render_skill_chart_png(report, translate)

    pdf = render_report_pdf(report, results, translate)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    flat = " ".join(text.split())
    assert translate("report-all-skipped", {"total": 3}).lstrip("⏭ ") in flat
    assert "/10" not in flat and "0.0" not in flat and "0,0" not in flat
    assert flat.count(translate("report-pdf-skipped", {})) >= 3


def test_a_skipped_question_in_the_pdf_is_marked_and_the_scores_leave_it_out() -> None:
    results = the_reported_interview()
    report = build_report(results, skill_titles=TITLES, translate=EN)
    pdf = render_report_pdf(report, results, EN)
    flat = " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split()
    )
    assert "Overall score: 8.5/10 — Strong hire" in flat
    assert "Questions: 2 answered, 1 skipped." in flat
    assert "Question 2 of 3 — skipped" in flat and "You skipped this question" in flat
    assert "0.0/10" not in flat


def test_a_better_follow_up_lifts_the_score_halfway_and_a_worse_one_never_lowers_it() -> None:
    better = answered(0, 4, ["sql"], follow_up_question="Why?", follow_up_score=8)
    worse = answered(1, 7, ["sql"], follow_up_question="Why?", follow_up_score=2)
    assert (better.final_score, worse.final_score) == (6.0, 7.0)
    report = build_report([better, worse], skill_titles=TITLES, translate=EN)
    assert report.overall == 6.5 and report.grade is Grade.HIRE


def test_no_questions_and_unknown_skill_titles() -> None:
    empty = build_report([], skill_titles={}, translate=EN)
    assert (empty.overall, empty.total, empty.skills, empty.all_skipped) == (None, 0, (), False)
    assert "no questions" in render_summary_html(empty, EN)
    assert "Questions: 0 answered." in render_summary_html(empty, EN)
    report = build_report([answered(0, 9, ["load_balancing"])], skill_titles={}, translate=EN)
    assert report.skills[0].title == "Load balancing"


@pytest.mark.parametrize(
    ("overall", "grade"),
    [
        (10, Grade.STRONG_HIRE),
        (8.0, Grade.STRONG_HIRE),
        (7.9, Grade.HIRE),
        (6.5, Grade.HIRE),
        (6.4, Grade.LEAN_HIRE),
        (5.0, Grade.LEAN_HIRE),
        (4.9, Grade.NO_HIRE),
        (0, Grade.NO_HIRE),
    ],
)
def test_grade_thresholds(overall: float, grade: Grade) -> None:
    assert grade_for(overall) is grade


def weak_interview() -> list[QuestionResult]:
    no_examples = evaluation(
        5,
        criteria={Criterion.EXAMPLES: 2.0, Criterion.CLARITY: 6.0},
        weaknesses=("eval-weakness-no-examples", "eval-weakness-result-not-quantified"),
    )
    return [
        answered(0, 9, ["sql"]),
        answered(1, 5, ["caching"], evaluation=no_examples),
        answered(2, 4, ["caching"], evaluation=no_examples),
        answered(
            3,
            3,
            ["api_design"],
            evaluation=evaluation(
                3, weaknesses=("eval-weakness-no-examples",), missing=("Idempotency keys",)
            ),
        ),
        skipped(4, ["sql"]),
    ]


def test_recommendations_come_from_the_weakest_areas_and_are_deterministic() -> None:
    results = weak_interview()
    report = build_report(results, skill_titles=TITLES, translate=EN)
    keys = [recommendation.key for recommendation in report.recommendations]
    assert len(keys) == MAX_RECOMMENDATIONS
    assert keys[0] == "report-rec-skill"  # API design at 3.0 is the furthest below the bar
    assert report.recommendations[0].args["skill"] == "API design"
    # Examples is the weakest criterion and "no examples" the most frequent weakness behind it.
    assert "report-rec-criterion-examples" in keys
    assert "report-rec-missing-point" in keys
    for _ in range(5):
        shuffled = random.sample(results, k=len(results))
        again = build_report(shuffled, skill_titles=TITLES, translate=EN)
        assert again.recommendations == report.recommendations
    texts = [recommendation.text for recommendation in report.recommendations]
    assert any("for example: idempotency keys." in text for text in texts)


def test_a_strong_interview_gets_a_single_encouraging_recommendation() -> None:
    report = build_report(
        [answered(0, 9.5, ["sql"]), answered(1, 9, ["caching"])], skill_titles=TITLES, translate=EN
    )
    assert [r.key for r in report.recommendations] == ["report-rec-level-up"]


def test_user_text_is_escaped_in_the_summary() -> None:
    hostile = QuestionResult(
        position=0,
        question="What does <script>alert(1)</script> & <b>bold</b> do?",
        skills=["xss"],
        answer="<script>alert('answer')</script>",
        score=3.0,
        evaluation=evaluation(3, missing=("Mention <iframe> sandboxing",)),
    )
    report = build_report([hostile], skill_titles={"xss": "<i>XSS</i> & CSP"}, translate=EN)
    summary = render_summary_html(report, EN, track_title="Frontend <senior>")
    assert "<script>" not in summary and "<iframe>" not in summary
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in summary
    assert "&lt;i&gt;XSS&lt;/i&gt; &amp; CSP" in summary
    assert "&lt;iframe&gt;" in summary
    assert "Frontend &lt;senior&gt;" in summary
    assert "alert('answer')" not in summary  # answers are never in the summary
    assert "<" not in re.sub(r"</?[bi]>", "", summary)  # only our own tags remain
    assert summary.count("<b>") == summary.count("</b>")


def long_interview(language: str) -> tuple[list[QuestionResult], dict[str, str]]:
    long_text = ("Очень длинный ответ " if language == "ru" else "A very long answer ") * 400
    skills = [f"skill_{n}" for n in range(20)]
    titles = {skill: f"{skill} " + "long title " * 20 for skill in skills}
    results = [
        QuestionResult(
            position=n,
            question=long_text[:4096],
            skills=skills[n * 2 : n * 2 + 2],
            answer=long_text[:4096],
            score=float(n),
            evaluation=evaluation(float(n), missing=(long_text[:4096],)),
            follow_up_question=long_text[:4096],
            follow_up_answer=long_text[:4096],
            follow_up_score=5.0,
        )
        for n in range(10)
    ]
    return results, titles


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_summaries_fit_one_telegram_message_even_with_long_texts(language: str) -> None:
    translate = translator(language)
    results, titles = long_interview(language)
    report = build_report(results, skill_titles=titles, translate=translate)
    summary = render_summary_html(report, translate, track_title="x" * 500)
    shared = render_shared_summary_html(report, translate, track_title="x" * 500)
    assert len(summary) <= TELEGRAM_MESSAGE_LIMIT
    assert len(shared) <= TELEGRAM_MESSAGE_LIMIT
    assert summary.count("<b>") == summary.count("</b>")
    assert "10. " in summary  # every question is listed, with a shortened title
    assert shared.endswith(translate("report-shared-footer", {}))


def test_the_shared_summary_has_scores_and_titles_but_no_answers() -> None:
    results = [
        answered(0, 8, ["sql"], answer="SECRET-ANSWER-ONE"),
        answered(
            1,
            4,
            ["caching"],
            answer="SECRET-ANSWER-TWO",
            follow_up_question="Follow?",
            follow_up_answer="SECRET-FOLLOW-UP",
            follow_up_score=5,
            evaluation=evaluation(4, missing=("SECRET-MISSED-POINT",)),
        ),
    ]
    report = build_report(results, skill_titles=TITLES, translate=EN)
    shared = render_shared_summary_html(report, EN)
    assert "SECRET" not in shared
    assert "Question 1?" in shared and "Question 2?" in shared
    assert "SQL" in shared and "Caching" in shared and "6.3/10" in shared
    assert "What to work on" not in shared
    own = render_summary_html(report, EN)
    assert "SECRET-MISSED-POINT" in own and "SECRET-ANSWER" not in own


def bank_interview(language: str) -> tuple[list[QuestionResult], dict[str, str]]:
    """Ten bank questions answered with parts of their reference answers, evaluated offline."""
    bank = yaml.safe_load((BANK / "backend.yaml").read_text(encoding="utf-8"))
    evaluator = OfflineEvaluator()
    results = []
    for n, task in enumerate(bank["tasks"][:10]):
        reference = task["reference_answer"][language]
        answer = reference[: len(reference) // (1 + n % 3)]
        request = EvaluationRequest(
            question=task["question"][language],
            answer=answer,
            reference_answer=reference,
            key_points=[point[language] for point in task["key_points"]],
            kind=TaskKind(task["kind"]),
            language=language,
            skills=task["skills"],
        )
        result = evaluator.evaluate_now(request)
        results.append(
            QuestionResult(
                position=n,
                question=request.question,
                skills=task["skills"],
                answer=answer,
                score=result.overall,
                evaluation=result,
                source="voice" if n % 2 else "text",
                reference_answer=reference,
            )
        )
    titles = {key: value[language] for key, value in bank["skills"].items()}
    return results, titles


def test_the_chart_is_a_small_png() -> None:
    results, titles = bank_interview("ru")
    report = build_report(results, skill_titles=titles, translate=RU)
    chart = render_skill_chart_png(report, RU)
    assert chart.startswith(PNG_SIGNATURE)
    assert len(chart) < 100_000
    many, long_titles = long_interview("en")  # 20 skills with very long titles
    crowded = render_skill_chart_png(build_report(many, skill_titles=long_titles, translate=EN), EN)
    assert crowded.startswith(PNG_SIGNATURE) and len(crowded) < 100_000
    no_skills = build_report([answered(0, 6, [])], skill_titles={}, translate=EN)
    assert render_skill_chart_png(no_skills, EN).startswith(PNG_SIGNATURE)


def test_the_pdf_has_every_question_answer_feedback_and_ideal_answer_in_russian() -> None:
    results, titles = bank_interview("ru")
    results[4] = QuestionResult(
        position=4,
        question=results[4].question,
        skills=results[4].skills,
        source="skipped",
        reference_answer="Эталон для пропущенного вопроса",
    )
    results[2] = QuestionResult(
        **{
            **results[2].__dict__,
            "answer": "Ответ со смайликом 🚀 и <script>alert(1)</script>\x00",
            "follow_up_question": "Уточняющий вопрос про блокировки?",
            "follow_up_answer": "Ответ на уточнение",
            "follow_up_score": 9.0,
        }
    )
    report = build_report(results, skill_titles=titles, translate=RU)
    pdf = render_report_pdf(report, results, RU, track_title="Бэкенд · Middle")
    assert pdf.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    flat = " ".join(text.split())
    assert "Отчёт о пробном собеседовании" in flat
    assert "Бэкенд · Middle" in flat
    for n in range(1, 11):
        assert f"Вопрос {n} из 10" in flat
    assert flat.count("Эталонный ответ") == 10
    assert "Эталон для пропущенного вопроса" in flat
    assert "Ваш ответ (голосовое сообщение, расшифровка)" in flat
    assert "Сильные стороны" in flat and "Критерии" in flat
    assert "Уточняющий вопрос про блокировки?" in flat and "Ответ на уточнение" in flat
    assert "<script>alert(1)</script>" in flat  # plain text in a PDF, nothing to escape
    assert " ".join(results[0].answer.split()[:8]) in flat


def test_question_results_from_stored_rows() -> None:
    stored = evaluation(6, missing=("A point",)).model_dump(mode="json")
    plan = [
        {"text": "Q1", "skills": ["sql"], "reference_answer": "Ref 1"},
        {"text": "Q2", "skills": ["caching"], "key_points": ["kp1", "kp2"]},
        {"text": "Q3", "skills": []},
    ]

    def row(position: int, follow_up: bool, score: float | None, **extra: Any) -> Any:
        defaults = {
            "position": position,
            "is_follow_up": follow_up,
            "question_text": "FQ" if follow_up else f"Q{position + 1}",
            "answer_text": "text",
            "source": "text",
            "skills": [],
            "score": score,
            "evaluation": stored if score is not None else None,
            "speech": None,
        }
        return SimpleNamespace(**(defaults | extra))

    rows = [
        row(0, False, 6.0),
        row(0, True, 9.0, answer_text="better"),
        row(1, False, None, source="skipped", answer_text=""),
        row(2, False, 7.0, evaluation={"broken": True}),
    ]
    results = question_results(plan, rows)
    assert [r.question for r in results] == ["Q1", "Q2", "Q3"]
    assert results[0].evaluation is not None and results[0].evaluation.missing_key_points == [
        "A point"
    ]
    assert (results[0].follow_up_question, results[0].follow_up_answer) == ("FQ", "better")
    assert results[0].final_score == 7.5
    assert results[1].skipped and results[1].reference_answer == "• kp1\n• kp2"
    assert results[2].evaluation is None and results[2].score == 7.0
    assert question_results(plan[:1], [])[0].skipped


def test_english_and_russian_define_the_same_report_messages() -> None:
    assert message_ids("en", "report.ftl") == message_ids("ru", "report.ftl")


@pytest.mark.parametrize(
    ("point", "expected"),
    [
        ("Mentions that idempotency keys make retries safe", "for example: idempotency keys make"),
        ("Adds an idempotency key to every retry", "a strong answer also adds an idempotency key"),
    ],
)
def test_the_missed_point_advice_is_in_plain_words(point: str, expected: str) -> None:
    results = [
        answered(0, 3, ["api_design"], evaluation=evaluation(3, missing=(point,))),
        answered(1, 4, ["api_design"], evaluation=evaluation(4)),
    ]
    report = build_report(results, skill_titles=TITLES, translate=EN)
    [advice] = [r.text for r in report.recommendations if r.key == "report-rec-missing-point"]
    assert expected in advice
    assert "Mentions" not in advice and "“" not in advice

    pdf = render_report_pdf(report, results, EN)
    flat = " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split()
    )
    assert "Mentions that" not in flat
