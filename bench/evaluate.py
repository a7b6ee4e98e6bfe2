"""Offline evaluator throughput over the whole question bank: `python -m bench evaluate`.

For every task, in English and in Russian, the offline evaluator scores two answers: the task's
reference answer (strong) and its first key point alone (weak). The requests are built before
the clock starts, so the figure is pure evaluation work on one core (the evaluator is plain
single-threaded Python). Bar: >= 200 evaluations per second.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from services.interview.bank import QuestionBank, evaluation_request_for, load_default_bank
from services.interview.evaluation import EvaluationRequest, OfflineEvaluator
from services.languages import SUPPORTED_LANGUAGES

BAR_EVALUATIONS_PER_SECOND = 200.0
WARM_UP_EVALUATIONS = 20


@dataclass(frozen=True, slots=True)
class EvaluationBenchmark:
    evaluations: int
    seconds: float
    mean_reference_score: float
    mean_weak_score: float

    @property
    def per_second(self) -> float:
        return self.evaluations / self.seconds if self.seconds else float("inf")


def bank_requests(bank: QuestionBank) -> list[tuple[EvaluationRequest, bool]]:
    """(request, is_reference_answer) for every task, language and answer kind."""
    requests: list[tuple[EvaluationRequest, bool]] = []
    for task in bank.tasks:
        for language in SUPPORTED_LANGUAGES:
            texts = task.in_language(language)
            weak_answer = texts.key_points[0] if texts.key_points else texts.question
            requests.append((evaluation_request_for(task, language, texts.reference_answer), True))
            requests.append((evaluation_request_for(task, language, weak_answer), False))
    return requests


def benchmark_evaluations(bank: QuestionBank | None = None) -> EvaluationBenchmark:
    requests = bank_requests(bank or load_default_bank())
    evaluator = OfflineEvaluator()
    for request, _ in requests[:WARM_UP_EVALUATIONS]:
        evaluator.evaluate_now(request)
    reference_scores: list[float] = []
    weak_scores: list[float] = []
    started = time.perf_counter()
    for request, is_reference in requests:
        overall = evaluator.evaluate_now(request).overall
        (reference_scores if is_reference else weak_scores).append(overall)
    seconds = time.perf_counter() - started
    return EvaluationBenchmark(
        evaluations=len(requests),
        seconds=seconds,
        mean_reference_score=statistics.fmean(reference_scores),
        mean_weak_score=statistics.fmean(weak_scores),
    )


def measure_evaluations() -> tuple[int, float]:
    """(evaluations made, evaluations per second) over the whole bank, both languages."""
    result = benchmark_evaluations()
    return result.evaluations, result.per_second


def run() -> int:
    result = benchmark_evaluations()
    verdict = "ok" if result.per_second >= BAR_EVALUATIONS_PER_SECOND else "BELOW BAR"
    print(
        f"offline evaluator: {result.evaluations} evaluations in {result.seconds:.2f}s = "
        f"{result.per_second:.0f}/s on one core (bar >= {BAR_EVALUATIONS_PER_SECOND:.0f}/s: "
        f"{verdict})"
    )
    print(
        f"  mean overall: reference answers {result.mean_reference_score:.1f}, "
        f"first key point only {result.mean_weak_score:.1f}"
    )
    return 0 if result.per_second >= BAR_EVALUATIONS_PER_SECOND else 1
