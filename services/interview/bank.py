"""The question bank as it is written: YAML files in `services/interview/questions/`.

`load_bank` reads the files into frozen objects and raises `BankError` when a file cannot be
read or is not shaped like the format in questions/README.md. Whether the content is *good* —
unique ids, no near-duplicates, every translation present, every (specialization, level, topic)
cell filled — is `validate_bank`'s job: it lists every problem at once, for the seed command and
the test suite to show.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import yaml
from rapidfuzz import fuzz, process

from services.interview.evaluation.schema import EvaluationRequest, TaskKind
from services.languages import SUPPORTED_LANGUAGES

DEFAULT_BANK_DIR = Path(__file__).resolve().parent / "questions"

LEVELS: tuple[str, ...] = ("junior", "middle", "senior")
TIERS: tuple[str, ...] = ("free", "premium")
KINDS: tuple[str, ...] = tuple(kind.value for kind in TaskKind)
MIN_KEY_POINTS = 3
MAX_KEY_POINTS = 6
MIN_TASKS_PER_CELL = 2
# rapidfuzz token_set_ratio of normalised question texts, per language. Calibrated on the bank
# (288 tasks): the most similar pair of distinct questions scores 74 in English and 68 in
# Russian, while copies with two to four light edits (a word dropped, swapped, replaced or
# inflected, "could you explain" in front, "give an example" after) score 86 or more, and a
# short question with a three-word preamble and an inflection change scores 80.
NEAR_DUPLICATE_THRESHOLD = 78.0
# The order tracks are listed in the bot; specializations not named here follow, by id.
SPECIALIZATION_ORDER: tuple[str, ...] = (
    "backend",
    "frontend",
    "mobile",
    "data_ml",
    "devops",
    "qa",
    "product",
    "behavioral",
)

Localized = Mapping[str, str]  # language code → text; read-only

_TASK_KEYS = frozenset(
    {
        "id",
        "level",
        "topic",
        "kind",
        "tier",
        "skills",
        "question",
        "key_points",
        "reference_answer",
    }
)
_FILE_KEYS = frozenset({"specialization", "title", "topics", "skills", "tasks"})


class BankError(Exception):
    """A bank file cannot be read or is not shaped like the documented format."""


@dataclass(frozen=True, slots=True)
class BankSpecialization:
    id: str
    position: int
    title: Localized
    topics: Mapping[str, Localized]  # topic key → title, in file order
    skills: Mapping[str, Localized]  # skill key → title, in file order
    source: str  # the file it came from, for messages


@dataclass(frozen=True, slots=True)
class BankTask:
    id: str
    specialization: str
    level: str
    topic: str
    kind: str
    tier: str
    skills: tuple[str, ...]
    question: Localized
    key_points: tuple[Localized, ...]
    reference_answer: Localized
    source: str

    def in_language(self, language: str) -> LocalizedTask:
        """The texts in `language`, English where that translation is missing."""
        return LocalizedTask(
            question=localized_text(self.question, language),
            key_points=tuple(localized_text(point, language) for point in self.key_points),
            reference_answer=localized_text(self.reference_answer, language),
        )


@dataclass(frozen=True, slots=True)
class LocalizedTask:
    question: str
    key_points: tuple[str, ...]
    reference_answer: str


@dataclass(frozen=True)
class QuestionBank:
    specializations: tuple[BankSpecialization, ...]
    tasks: tuple[BankTask, ...]

    @cached_property
    def _tasks_by_id(self) -> Mapping[str, BankTask]:
        # With duplicate ids (a validation problem) the first one wins.
        by_id: dict[str, BankTask] = {}
        for task in self.tasks:
            by_id.setdefault(task.id, task)
        return MappingProxyType(by_id)

    @cached_property
    def _specializations_by_id(self) -> Mapping[str, BankSpecialization]:
        by_id: dict[str, BankSpecialization] = {}
        for specialization in self.specializations:
            by_id.setdefault(specialization.id, specialization)
        return MappingProxyType(by_id)

    def task(self, task_id: str) -> BankTask | None:
        return self._tasks_by_id.get(task_id)

    def specialization(self, specialization_id: str) -> BankSpecialization | None:
        return self._specializations_by_id.get(specialization_id)

    def skill_titles(self) -> dict[str, dict[str, str]]:
        """Every skill key of every specialization → its titles by language (first file wins)."""
        titles: dict[str, dict[str, str]] = {}
        for specialization in self.specializations:
            for key, title in specialization.skills.items():
                titles.setdefault(key, dict(title))
        return titles


def localized_text(texts: Localized, language: str) -> str:
    return texts.get(language) or texts.get("en") or next(iter(texts.values()), "")


def evaluation_request_for(task: BankTask, language: str, answer: str) -> EvaluationRequest:
    """What the evaluator needs to score `answer` to `task`, in `language`."""
    texts = task.in_language(language)
    return EvaluationRequest(
        question=texts.question,
        answer=answer,
        reference_answer=texts.reference_answer or None,
        key_points=list(texts.key_points),
        kind=TaskKind(task.kind),
        language=language,  # type: ignore[arg-type]  # checked by the caller's choices
        skills=list(task.skills),
    )


def bank_checksum(task: BankTask) -> str:
    """A stable hash of everything seeding copies into `questions`, so unchanged rows are skipped."""
    payload = json.dumps(task_row_values(task), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def task_row_values(task: BankTask) -> dict[str, Any]:
    """The task as plain JSON-ready column values of the `questions` table (without checksum)."""
    return {
        "specialization": task.specialization,
        "level": task.level,
        "topic": task.topic,
        "kind": task.kind,
        "tier": task.tier,
        "skills": list(task.skills),
        "question": dict(task.question),
        "key_points": [dict(point) for point in task.key_points],
        "reference_answer": dict(task.reference_answer),
    }


def specialization_row_values(specialization: BankSpecialization) -> dict[str, Any]:
    """The specialization as plain JSON-ready column values of the `specializations` table."""
    return {
        "position": specialization.position,
        "title": dict(specialization.title),
        "topics": {key: dict(title) for key, title in specialization.topics.items()},
        "skills": {key: dict(title) for key, title in specialization.skills.items()},
    }


@functools.cache
def load_default_bank() -> QuestionBank:
    """The bank shipped with the bot (read once per process; the objects are frozen)."""
    return load_bank(DEFAULT_BANK_DIR)


def load_bank(directory: Path | str) -> QuestionBank:
    """Every `*.yaml` file of `directory`, in file-name order."""
    paths = sorted(Path(directory).glob("*.yaml"))
    if not paths:
        raise BankError(f"{directory}: no question files (*.yaml)")
    return bank_from_documents((path.name, _read_yaml(path)) for path in paths)


def bank_from_documents(documents: Iterable[tuple[str, object]]) -> QuestionBank:
    """A bank from already parsed YAML documents, each named (e.g. by its file) for messages."""
    specializations: list[BankSpecialization] = []
    tasks: list[BankTask] = []
    for source, document in documents:
        specialization, file_tasks = _parse_file(source, document)
        specializations.append(specialization)
        tasks.extend(file_tasks)
    return _positioned_bank(specializations, tasks)


def collect_bank_from_documents(
    documents: Iterable[tuple[str, object]],
    task_source: Callable[[str, int], str] | None = None,
) -> tuple[QuestionBank, list[str]]:
    """Like `bank_from_documents`, but collecting instead of raising: a document or a task that
    is not shaped like the format is left out of the bank and its problem listed, so an upload
    can be told every problem at once. `task_source(source, number)` names a document's task
    number `number` (from 1) in messages and in `BankTask.source`; by default, its document."""
    specializations: list[BankSpecialization] = []
    tasks: list[BankTask] = []
    problems: list[str] = []
    for source, document in documents:
        if not isinstance(document, Mapping):
            problems.append(f"{source}: expected a mapping at the top level")
            continue
        try:  # the header alone; the tasks are parsed one by one below
            specialization, _ = _parse_file(source, {**document, "tasks": []})
        except BankError as error:
            problems.append(str(error))
            continue
        specializations.append(specialization)
        raw_tasks = document.get("tasks")
        if not isinstance(raw_tasks, list):
            problems.append(f"{source} ({specialization.id}): `tasks` must be a list")
            continue
        for number, raw in enumerate(raw_tasks, start=1):
            named = task_source(source, number) if task_source else source
            task, task_problems = _collect_task(named, specialization.id, number, raw)
            problems += task_problems
            if task is not None:
                tasks.append(task)
    return _positioned_bank(specializations, tasks), problems


def _collect_task(
    source: str, specialization_id: str, number: int, raw: object
) -> tuple[BankTask | None, list[str]]:
    """The task and its shape problem; a task whose only fault is an unknown key is still
    returned (without that key), so its content is validated too."""
    try:
        return _parse_task(source, specialization_id, number, raw), []
    except BankError as error:
        if not isinstance(raw, Mapping) or all(key in _TASK_KEYS for key in raw):
            return None, [str(error)]
        known = {key: value for key, value in raw.items() if key in _TASK_KEYS}
        task, problems = _collect_task(source, specialization_id, number, known)
        return task, [str(error), *problems]


def _positioned_bank(
    specializations: Sequence[BankSpecialization], tasks: Sequence[BankTask]
) -> QuestionBank:
    """The bank with each specialization's position in the catalogue order."""
    ranked = sorted(specializations, key=lambda item: (_order_rank(item.id), item.id))
    positions = {id(item): position for position, item in enumerate(ranked)}
    return QuestionBank(
        specializations=tuple(
            _with_position(item, positions[id(item)]) for item in specializations
        ),
        tasks=tuple(tasks),
    )


def _order_rank(specialization_id: str) -> int:
    try:
        return SPECIALIZATION_ORDER.index(specialization_id)
    except ValueError:
        return len(SPECIALIZATION_ORDER)


def _with_position(specialization: BankSpecialization, position: int) -> BankSpecialization:
    return BankSpecialization(
        id=specialization.id,
        position=position,
        title=specialization.title,
        topics=specialization.topics,
        skills=specialization.skills,
        source=specialization.source,
    )


def _read_yaml(path: Path) -> object:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        with path.open(encoding="utf-8") as stream:
            return yaml.load(stream, Loader=loader)  # a safe loader
    except OSError as error:
        raise BankError(f"{path.name}: cannot read: {error}") from error
    except UnicodeDecodeError as error:
        raise BankError(f"{path.name}: not UTF-8: {error}") from error
    except yaml.YAMLError as error:
        raise BankError(f"{path.name}: not valid YAML: {error}") from error


def _parse_file(source: str, document: object) -> tuple[BankSpecialization, list[BankTask]]:
    if not isinstance(document, Mapping):
        raise BankError(f"{source}: expected a mapping at the top level")
    unknown = sorted(str(key) for key in document if key not in _FILE_KEYS)
    if unknown:
        raise BankError(f"{source}: unknown key(s) {', '.join(unknown)}")
    specialization_id = _string(document.get("specialization"), f"{source}: specialization")
    where = f"{source} ({specialization_id})"
    specialization = BankSpecialization(
        id=specialization_id,
        position=0,
        title=_localized(document.get("title"), f"{where}: title"),
        topics=_localized_catalogue(document.get("topics"), f"{where}: topics"),
        skills=_localized_catalogue(document.get("skills"), f"{where}: skills"),
        source=source,
    )
    raw_tasks = document.get("tasks")
    if not isinstance(raw_tasks, list):
        raise BankError(f"{where}: `tasks` must be a list")
    tasks = [
        _parse_task(source, specialization_id, number, raw)
        for number, raw in enumerate(raw_tasks, start=1)
    ]
    return specialization, tasks


def _parse_task(source: str, specialization_id: str, number: int, raw: object) -> BankTask:
    if not isinstance(raw, Mapping):
        raise BankError(f"{source}: task #{number} is not a mapping")
    task_id = raw.get("id")
    where = f"{source}: task {task_id}" if isinstance(task_id, str) else f"{source}: task #{number}"
    unknown = sorted(str(key) for key in raw if key not in _TASK_KEYS)
    if unknown:
        raise BankError(f"{where}: unknown key(s) {', '.join(unknown)}")
    raw_skills = raw.get("skills")
    if not isinstance(raw_skills, list):
        raise BankError(f"{where}: `skills` must be a list")
    raw_key_points = raw.get("key_points")
    if not isinstance(raw_key_points, list):
        raise BankError(f"{where}: `key_points` must be a list")
    return BankTask(
        id=_string(task_id, f"{where}: id"),
        specialization=specialization_id,
        level=_string(raw.get("level"), f"{where}: level"),
        topic=_string(raw.get("topic"), f"{where}: topic"),
        kind=_string(raw.get("kind"), f"{where}: kind"),
        tier=_string(raw.get("tier"), f"{where}: tier"),
        skills=tuple(
            _string(skill, f"{where}: skill #{index}")
            for index, skill in enumerate(raw_skills, start=1)
        ),
        question=_localized(raw.get("question"), f"{where}: question"),
        key_points=tuple(
            _localized(point, f"{where}: key point {index}")
            for index, point in enumerate(raw_key_points, start=1)
        ),
        reference_answer=_localized(raw.get("reference_answer"), f"{where}: reference_answer"),
        source=source,
    )


def _string(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BankError(f"{where}: expected a non-empty string, got {value!r}")
    return value.strip()


def _localized(value: object, where: str) -> Localized:
    """`{en: ..., ru: ...}`; an empty or absent translation is left for `validate_bank`."""
    if not isinstance(value, Mapping):
        raise BankError(f"{where}: expected a mapping of language to text, got {value!r}")
    texts: dict[str, str] = {}
    for language, text in value.items():
        if not isinstance(language, str):
            raise BankError(f"{where}: language {language!r} is not a string")
        if text is None:
            text = ""
        if not isinstance(text, str):
            raise BankError(f"{where}: the {language!r} text is not a string: {text!r}")
        texts[language] = text.strip()
    return MappingProxyType(texts)


def _localized_catalogue(value: object, where: str) -> Mapping[str, Localized]:
    if not isinstance(value, Mapping):
        raise BankError(f"{where}: expected a mapping of key to {{en, ru}} titles")
    catalogue: dict[str, Localized] = {}
    for key, title in value.items():
        if not isinstance(key, str):
            raise BankError(f"{where}: key {key!r} is not a string")
        catalogue[key] = _localized(title, f"{where}: {key}")
    return MappingProxyType(catalogue)


def validate_bank(bank: QuestionBank) -> list[str]:
    """Every content problem of the bank, human-readable; empty when the bank is sound."""
    problems: list[str] = []
    problems += _duplicate_ids(bank)
    problems += _catalogue_problems(bank)
    for task in bank.tasks:
        problems += _task_problems(bank, task)
    problems += _empty_cells(bank)
    problems += _near_duplicates(bank)
    return problems


def _duplicate_ids(bank: QuestionBank) -> Iterator[str]:
    specialization_sources: defaultdict[str, list[str]] = defaultdict(list)
    for specialization in bank.specializations:
        specialization_sources[specialization.id].append(specialization.source)
    for specialization_id, sources in specialization_sources.items():
        if len(sources) > 1:
            yield (f"duplicate specialization id {specialization_id!r} in {', '.join(sources)}")
    task_sources: defaultdict[str, list[str]] = defaultdict(list)
    for task in bank.tasks:
        task_sources[task.id].append(task.source)
    for task_id, sources in task_sources.items():
        if len(sources) > 1:
            yield f"duplicate task id {task_id!r} ({len(sources)} times, in {', '.join(sources)})"


def _catalogue_problems(bank: QuestionBank) -> Iterator[str]:
    for specialization in bank.specializations:
        where = f"{specialization.source}: specialization {specialization.id}"
        yield from _missing_translations(specialization.title, f"{where}: title")
        if not specialization.topics:
            yield f"{where}: no topics"
        if not specialization.skills:
            yield f"{where}: no skills"
        for key, title in specialization.topics.items():
            yield from _missing_translations(title, f"{where}: topic {key!r}")
        for key, title in specialization.skills.items():
            yield from _missing_translations(title, f"{where}: skill {key!r}")


def _task_problems(bank: QuestionBank, task: BankTask) -> Iterator[str]:
    where = f"{task.source}: task {task.id}"
    specialization = bank.specialization(task.specialization)
    topics = specialization.topics if specialization else {}
    skills = specialization.skills if specialization else {}
    if task.level not in LEVELS:
        yield f"{where}: unknown level {task.level!r} (expected one of {', '.join(LEVELS)})"
    if task.kind not in KINDS:
        yield f"{where}: unknown kind {task.kind!r} (expected one of {', '.join(KINDS)})"
    if task.tier not in TIERS:
        yield f"{where}: unknown tier {task.tier!r} (expected one of {', '.join(TIERS)})"
    if task.topic not in topics:
        yield f"{where}: unknown topic {task.topic!r} (not in the file's topics)"
    if not task.skills:
        yield f"{where}: no skills"
    for skill in task.skills:
        if skill not in skills:
            yield f"{where}: unknown skill {skill!r} (not in the file's skills)"
    expected_id = re.compile(
        rf"{re.escape(task.specialization)}-{re.escape(task.topic)}-{re.escape(task.level)}-\d+"
    )
    if not expected_id.fullmatch(task.id):
        yield f"{where}: id does not follow <specialization>-<topic>-<level>-<n>"
    if not MIN_KEY_POINTS <= len(task.key_points) <= MAX_KEY_POINTS:
        yield (
            f"{where}: {len(task.key_points)} key points "
            f"(expected {MIN_KEY_POINTS}-{MAX_KEY_POINTS})"
        )
    yield from _missing_translations(task.question, f"{where}: question")
    for index, point in enumerate(task.key_points, start=1):
        yield from _missing_translations(point, f"{where}: key point {index}")
    yield from _missing_translations(task.reference_answer, f"{where}: reference answer")


def _missing_translations(texts: Localized, where: str) -> Iterator[str]:
    for language in SUPPORTED_LANGUAGES:
        if not texts.get(language, "").strip():
            yield f"{where}: missing {language!r} translation"


def _empty_cells(bank: QuestionBank) -> Iterator[str]:
    cells = Counter((task.specialization, task.level, task.topic) for task in bank.tasks)
    for specialization in bank.specializations:
        for level in LEVELS:
            for topic in specialization.topics:
                count = cells[(specialization.id, level, topic)]
                if count < MIN_TASKS_PER_CELL:
                    yield (
                        f"{specialization.source}: cell ({specialization.id}, {level}, {topic}) "
                        f"has {count} task(s), needs at least {MIN_TASKS_PER_CELL}"
                    )


_PUNCTUATION = re.compile(r"[^\w\s]+|_+")
_SPACES = re.compile(r"\s+")


def normalize_question(text: str) -> str:
    """Casefolded, punctuation stripped, spaces collapsed; ё read as е."""
    folded = text.casefold().replace("ё", "е")
    return _SPACES.sub(" ", _PUNCTUATION.sub(" ", folded)).strip()


def _near_duplicates(bank: QuestionBank) -> Iterator[str]:
    for language in SUPPORTED_LANGUAGES:
        tasks = [task for task in bank.tasks if task.question.get(language, "").strip()]
        yield from (
            f"near-duplicate questions ({language}, similarity {score:.0f}): "
            f"{first.id} ({first.source}) and {second.id} ({second.source})"
            for first, second, score in near_duplicate_pairs(tasks, language)
        )


def near_duplicate_pairs(
    tasks: Sequence[BankTask], language: str, threshold: float = NEAR_DUPLICATE_THRESHOLD
) -> list[tuple[BankTask, BankTask, float]]:
    """Pairs of distinct tasks whose questions in `language` read almost the same."""
    if len(tasks) < 2:
        return []
    texts = [normalize_question(task.question.get(language, "")) for task in tasks]
    # One C-level pass over all pairs; scores under the cutoff come back as 0.
    scores = process.cdist(
        texts,
        texts,
        scorer=fuzz.token_set_ratio,
        score_cutoff=threshold,
        dtype=np.float32,
        workers=-1,
    )
    pairs: list[tuple[BankTask, BankTask, float]] = []
    rows, columns = np.nonzero(np.triu(scores, k=1))
    for row, column in zip(rows.tolist(), columns.tolist(), strict=True):
        pairs.append((tasks[row], tasks[column], float(scores[row, column])))
    return pairs
