"""The YAML question bank: the shipped bank is sound, and each kind of problem is caught."""

from __future__ import annotations

import copy
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.interview.bank import (
    LEVELS,
    MIN_TASKS_PER_CELL,
    BankError,
    QuestionBank,
    bank_checksum,
    bank_from_documents,
    load_bank,
    load_default_bank,
    validate_bank,
)


@pytest.fixture(scope="module")
def bank() -> QuestionBank:
    return load_default_bank()


def test_the_shipped_bank_has_no_problems(bank: QuestionBank) -> None:
    started = time.perf_counter()
    problems = validate_bank(bank)
    elapsed = time.perf_counter() - started
    assert problems == []
    assert elapsed < 10, f"validation took {elapsed:.1f}s"


def test_the_shipped_bank_is_big_enough_and_every_cell_is_filled(bank: QuestionBank) -> None:
    assert len(bank.tasks) >= 250
    assert len({task.id for task in bank.tasks}) == len(bank.tasks)
    assert len(bank.specializations) >= 8
    cells = Counter((task.specialization, task.level, task.topic) for task in bank.tasks)
    for specialization in bank.specializations:
        assert len(specialization.topics) >= 4, specialization.id
        for level in LEVELS:
            for topic in specialization.topics:
                assert cells[(specialization.id, level, topic)] >= MIN_TASKS_PER_CELL, (
                    specialization.id,
                    level,
                    topic,
                )
    assert {task.tier for task in bank.tasks} == {"free", "premium"}


def test_positions_follow_the_catalogue_order(bank: QuestionBank) -> None:
    positions = sorted(bank.specializations, key=lambda item: item.position)
    assert [item.position for item in positions] == list(range(len(positions)))
    assert positions[0].id == "backend"


def test_task_lookup_and_languages(bank: QuestionBank) -> None:
    task = bank.task("backend-databases-junior-1")
    assert task is not None
    assert task.in_language("ru").question.startswith("Что такое индекс")
    assert task.in_language("en").question.startswith("What is a database index")
    assert bank.task("no-such-task") is None
    assert bank.skill_titles()["sql"] == {"en": "SQL", "ru": "SQL"}


# A small synthetic bank: one specialization, one topic, two tasks per level, distinct questions.
QUESTIONS: list[tuple[str, str]] = [
    ("How does a hash map resolve collisions?", "Как хеш-таблица разрешает коллизии?"),
    (
        "Why would you choose a message queue over direct HTTP calls between services?",
        "Почему стоит выбрать очередь сообщений вместо прямых HTTP-вызовов между сервисами?",
    ),
    (
        "Describe how garbage collection works in a language you know well.",
        "Опишите, как работает сборка мусора в языке, который вы хорошо знаете.",
    ),
    (
        "What happens when you type a URL into the browser and press Enter?",
        "Что происходит, когда вы вводите адрес в браузере и нажимаете Enter?",
    ),
    (
        "Tell me about a time you disagreed with your manager.",
        "Расскажите о случае, когда вы не согласились с руководителем.",
    ),
    (
        "How would you design rate limiting for a public API?",
        "Как бы вы спроектировали ограничение частоты запросов для публичного API?",
    ),
    (
        "Explain the difference between a process and a thread.",
        "Объясните разницу между процессом и потоком.",
    ),
    (
        "What makes a unit test flaky and how do you fix it?",
        "Из-за чего модульный тест становится нестабильным и как это исправить?",
    ),
]


def _task(number: int, level: str, *, question: tuple[str, str] | None = None) -> dict[str, Any]:
    en, ru = question or QUESTIONS[number]
    return {
        "id": f"demo-basics-{level}-{number}",
        "level": level,
        "topic": "basics",
        "kind": "technical",
        "tier": "free",
        "skills": ["thinking"],
        "question": {"en": en, "ru": ru},
        "key_points": [
            {"en": f"Point {index} in English", "ru": f"Пункт {index} по-русски"}
            for index in range(1, 4)
        ],
        "reference_answer": {"en": "A reference answer.", "ru": "Эталонный ответ."},
    }


def synthetic_document() -> dict[str, Any]:
    return {
        "specialization": "demo",
        "title": {"en": "Demo", "ru": "Демо"},
        "topics": {"basics": {"en": "Basics", "ru": "Основы"}},
        "skills": {"thinking": {"en": "Thinking", "ru": "Мышление"}},
        "tasks": [
            _task(2 * index + offset, level)
            for index, level in enumerate(LEVELS)
            for offset in (0, 1)
        ],
    }


def problems_of(document: dict[str, Any]) -> list[str]:
    return validate_bank(bank_from_documents([("demo.yaml", document)]))


def test_the_synthetic_bank_is_sound() -> None:
    assert problems_of(synthetic_document()) == []


def test_a_duplicate_id_is_reported() -> None:
    document = synthetic_document()
    duplicate = _task(6, "junior")
    duplicate["id"] = document["tasks"][0]["id"]
    document["tasks"].append(duplicate)
    [problem] = problems_of(document)
    assert "duplicate task id 'demo-basics-junior-0'" in problem


@pytest.mark.parametrize(
    "reworded",
    [
        ("Could you explain how a hash map resolves collisions?", "Объясните, как хеш-таблица разрешает коллизии?"),
        ("How does a hashmap resolve key collisions", "Как хеш таблица разрешает коллизии ключей?"),
        ("How does the hash map resolve collisions? Give an example.", "Как именно хеш-таблица разрешает коллизии? Приведите пример."),
    ],
)  # fmt: skip
def test_a_lightly_reworded_copy_is_a_near_duplicate(reworded: tuple[str, str]) -> None:
    document = synthetic_document()
    document["tasks"].append(_task(6, "junior", question=reworded))
    problems = problems_of(document)
    assert len(problems) == 2, problems  # one per language
    for problem, language in zip(problems, ("en", "ru"), strict=True):
        assert problem.startswith(f"near-duplicate questions ({language}")
        assert "demo-basics-junior-0" in problem and "demo-basics-junior-6" in problem


def test_a_missing_russian_translation_is_reported() -> None:
    document = synthetic_document()
    document["tasks"][3]["key_points"][1] = {"en": "Only English here"}
    [problem] = problems_of(document)
    assert problem == "demo.yaml: task demo-basics-middle-3: key point 2: missing 'ru' translation"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (("title",), "specialization demo: title: missing 'ru' translation"),
        (("topics", "basics"), "topic 'basics': missing 'ru' translation"),
        (("skills", "thinking"), "skill 'thinking': missing 'ru' translation"),
        (("tasks", 0, "question"), "task demo-basics-junior-0: question: missing 'ru'"),
        (("tasks", 0, "reference_answer"), "reference answer: missing 'ru' translation"),
    ],
)
def test_every_text_needs_both_languages(path: tuple[str | int, ...], expected: str) -> None:
    document = synthetic_document()
    target: Any = document
    for step in path:
        target = target[step]
    target["ru"] = "   "
    [problem] = problems_of(document)
    assert expected in problem


def test_an_empty_cell_is_reported() -> None:
    document = synthetic_document()
    document["tasks"] = [task for task in document["tasks"] if task["id"] != "demo-basics-senior-5"]
    [problem] = problems_of(document)
    assert "cell (demo, senior, basics) has 1 task(s), needs at least 2" in problem


@pytest.mark.parametrize("count", [2, 7])
def test_a_bad_key_point_count_is_reported(count: int) -> None:
    document = synthetic_document()
    document["tasks"][1]["key_points"] = [
        {"en": f"Point {index}", "ru": f"Пункт {index}"} for index in range(count)
    ]
    [problem] = problems_of(document)
    assert problem == f"demo.yaml: task demo-basics-junior-1: {count} key points (expected 3-6)"


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("topic", "cooking", "unknown topic 'cooking'"),
        ("skills", ["juggling"], "unknown skill 'juggling'"),
        ("level", "expert", "unknown level 'expert'"),
        ("kind", "trivia", "unknown kind 'trivia'"),
        ("tier", "gold", "unknown tier 'gold'"),
    ],
)
def test_unknown_catalogue_values_are_reported(field: str, value: object, expected: str) -> None:
    document = synthetic_document()
    extra = _task(6, "junior")
    extra[field] = value
    # Keep the id in the documented shape so only the unknown value is a problem.
    extra["id"] = f"demo-{extra['topic']}-{extra['level']}-6"
    document["tasks"].append(extra)
    [problem] = problems_of(document)
    assert expected in problem


def test_ill_formed_files_raise_a_bank_error_naming_file_and_task(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("tasks: [unclosed\n", encoding="utf-8")
    with pytest.raises(BankError, match=r"broken\.yaml: not valid YAML"):
        load_bank(tmp_path)

    document = synthetic_document()
    del document["tasks"][2]["key_points"]
    (tmp_path / "broken.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    with pytest.raises(BankError, match=r"broken\.yaml: task demo-basics-middle-2: `key_points`"):
        load_bank(tmp_path)

    document = synthetic_document()
    document["tasks"][0]["question"] = "not a mapping"
    (tmp_path / "broken.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    with pytest.raises(BankError, match=r"task demo-basics-junior-0: question"):
        load_bank(tmp_path)

    with pytest.raises(BankError, match="no question files"):
        load_bank(tmp_path / "empty")


def test_the_checksum_is_stable_and_follows_content() -> None:
    document = synthetic_document()
    first = bank_from_documents([("demo.yaml", document)]).tasks[0]
    again = bank_from_documents([("other-name.yaml", copy.deepcopy(document))]).tasks[0]
    assert bank_checksum(first) == bank_checksum(again)
    document["tasks"][0]["tier"] = "premium"
    changed = bank_from_documents([("demo.yaml", document)]).tasks[0]
    assert bank_checksum(changed) != bank_checksum(first)
