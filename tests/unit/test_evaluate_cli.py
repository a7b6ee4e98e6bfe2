"""`python -m bot evaluate`: scoring one answer from a shell, offline when no LLM key is set."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]

QUESTION = "What is a database index, and why not index every column?"
REFERENCE = (
    "An index is a separate structure, usually a B-tree, that keeps column values sorted with "
    "pointers to rows, so a lookup walks a shallow tree instead of scanning the whole table. "
    "Indexing every column is a bad idea: each index must be updated on every INSERT, UPDATE "
    "and DELETE, so writes get slower, and every index takes disk space and memory. For example, "
    "on a users table with ten million rows an index on email makes login lookups instant."
)
KEY_POINTS = [
    "A B-tree index keeps values sorted so lookups avoid a full table scan",
    "Every index slows down INSERT, UPDATE and DELETE",
    "Indexes take extra disk space and memory",
]


def run_cli(*arguments: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The CLI in a clean environment: no LLM key, and a directory without an .env file."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in {"OPENAI_API_KEY", "OPENAI_BASE_URL", "DATABASE_URL"}
    }
    environment["PYTHONPATH"] = str(PROJECT_ROOT)
    return subprocess.run(
        [sys.executable, "-m", "bot", "evaluate", *arguments],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def evaluation_json(*arguments: str, cwd: Path) -> dict[str, Any]:
    completed = run_cli(*arguments, "--json", cwd=cwd)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def test_a_strong_answer_outscores_gibberish(tmp_path: Path) -> None:
    common = ["--question", QUESTION, "--reference", REFERENCE]
    for point in KEY_POINTS:
        common += ["--key-point", point]
    strong = evaluation_json(*common, "--answer", REFERENCE, cwd=tmp_path)
    gibberish = evaluation_json(
        *common, "--answer", "blorp zanzibar quux flibber wobble snarf", cwd=tmp_path
    )
    assert strong["evaluator"] == gibberish["evaluator"] == "offline"
    assert strong["overall"] >= 6
    assert gibberish["overall"] <= 2
    assert strong["overall"] > gibberish["overall"] + 4
    assert set(strong["criteria"]) == {
        "relevance",
        "examples",
        "clarity",
        "accuracy",
        "job_alignment",
    }
    assert len(strong["covered_key_points"]) > len(gibberish["covered_key_points"])


def test_a_bank_task_supplies_question_key_points_and_kind(tmp_path: Path) -> None:
    reference_ru = evaluation_json(
        "--task", "backend-databases-junior-1", "--lang", "ru",
        "--answer",
        "Индекс — это B-tree, где значения отсортированы, поэтому поиск идёт без полного "
        "сканирования таблицы. Но каждый индекс замедляет INSERT, UPDATE и DELETE и занимает "
        "место на диске, а по булеву флагу с низкой селективностью планировщик его не использует.",
        cwd=tmp_path,
    )  # fmt: skip
    assert reference_ru["ideal_answer"].startswith("Индекс — это отдельная структура данных")
    assert len(reference_ru["covered_key_points"]) + len(reference_ru["missing_key_points"]) == 4
    assert reference_ru["covered_key_points"][0].startswith("Объясняет, что B-tree")
    assert reference_ru["overall"] >= 5

    behavioral = evaluation_json(
        "--task", "behavioral-conflict-junior-1", "--answer", "I do not know.", cwd=tmp_path
    )
    assert behavioral["star"] is not None  # the task's kind (behavioral) was used
    assert behavioral["overall"] < reference_ru["overall"]

    summary = run_cli(
        "--task", "backend-apis-junior-1", "--answer", "REST uses HTTP verbs.", cwd=tmp_path
    )
    assert summary.returncode == 0, summary.stderr
    assert summary.stdout.startswith("overall ") and "(offline evaluator)" in summary.stdout


def test_an_unknown_task_or_a_missing_question_exits_2(tmp_path: Path) -> None:
    unknown = run_cli("--task", "no-such-task-1", "--answer", "anything", "--json", cwd=tmp_path)
    assert unknown.returncode == 2
    assert "unknown task id 'no-such-task-1'" in unknown.stderr
    assert unknown.stdout == ""

    no_question = run_cli("--answer", "anything", cwd=tmp_path)
    assert no_question.returncode == 2
    assert "--question is required" in no_question.stderr

    no_answer = run_cli("--question", QUESTION, cwd=tmp_path)
    assert no_answer.returncode == 2
    assert "--answer" in no_answer.stderr
