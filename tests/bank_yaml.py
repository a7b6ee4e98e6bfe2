"""Reading exported question-bank YAML in tests: where a task starts."""

from __future__ import annotations


def task_line(text: str, task_id: str, occurrence: int = 1) -> int:
    """The 1-based line where the `occurrence`-th task with `task_id` starts."""
    found = [
        number
        for number, line in enumerate(text.splitlines(), 1)
        if line.strip() == f"- id: {task_id}"
    ]
    return found[occurrence - 1]
