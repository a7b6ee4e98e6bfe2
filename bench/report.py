"""How long the final report of a 10-question interview takes: `python -m bench.report`.

The ten answers are parts of the bank's Russian reference answers (Cyrillic exercises the PDF
font), evaluated beforehand by the offline evaluator (not timed). One timed run is
`build_report` + the skill chart PNG + the full PDF. One warm-up run imports matplotlib and
fpdf2 and fills their caches; the result is the median of the timed runs. Bar: <= 1.5 s.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import yaml

from services.interview.evaluation import EvaluationRequest, OfflineEvaluator, TaskKind
from services.interview.report import (
    QuestionResult,
    build_report,
    render_report_pdf,
    render_skill_chart_png,
)
from tests.fluent import translator

BAR_SECONDS = 1.5
QUESTIONS = 10
BANK = Path(__file__).resolve().parents[1] / "services" / "interview" / "questions" / "backend.yaml"


def realistic_interview(language: str = "ru") -> tuple[list[QuestionResult], dict[str, str]]:
    bank = yaml.safe_load(BANK.read_text(encoding="utf-8"))
    evaluator = OfflineEvaluator()
    results: list[QuestionResult] = []
    for position, task in enumerate(bank["tasks"][:QUESTIONS]):
        reference = task["reference_answer"][language]
        # Full, two-thirds and one-third answers, so the feedback varies like a real interview.
        answer = reference[: len(reference) * (3 - position % 3) // 3]
        request = EvaluationRequest(
            question=task["question"][language],
            answer=answer,
            reference_answer=reference,
            key_points=[point[language] for point in task["key_points"]],
            kind=TaskKind(task["kind"]),
            language=language,
            skills=task["skills"],
        )
        evaluation = evaluator.evaluate_now(request)
        follow_up = evaluation.follow_up.render(translator(language)) if position == 1 else None
        results.append(
            QuestionResult(
                position=position,
                question=request.question,
                skills=task["skills"],
                answer=answer,
                score=evaluation.overall,
                evaluation=evaluation,
                source="voice" if position % 2 else "text",
                follow_up_question=follow_up,
                follow_up_answer=reference[:300] if follow_up else None,
                follow_up_score=8.0 if follow_up else None,
                reference_answer=reference,
            )
        )
    titles = {key: value[language] for key, value in bank["skills"].items()}
    return results, titles


def measure_report(runs: int = 5, language: str = "ru") -> float:
    """Median seconds for build_report + chart + PDF of a 10-question interview; printed too."""
    results, titles = realistic_interview(language)
    translate = translator(language)

    def one_run() -> float:
        started = time.perf_counter()
        report = build_report(results, skill_titles=titles, translate=translate)
        chart = render_skill_chart_png(report, translate)
        pdf = render_report_pdf(report, results, translate, chart_png=chart)
        elapsed = time.perf_counter() - started
        assert pdf.startswith(b"%PDF") and chart.startswith(b"\x89PNG")
        return elapsed

    one_run()  # warm-up: imports matplotlib and fpdf2, builds matplotlib's font cache
    timings = [one_run() for _ in range(runs)]
    median = statistics.median(timings)
    verdict = "ok" if median <= BAR_SECONDS else "TOO SLOW"
    print(
        f"report of {QUESTIONS} questions (build + chart + PDF): median {median:.3f} s "
        f"over {runs} runs (min {min(timings):.3f}, max {max(timings):.3f}); "
        f"bar {BAR_SECONDS} s: {verdict}"
    )
    return median


if __name__ == "__main__":
    sys.exit(0 if measure_report() <= BAR_SECONDS else 1)
