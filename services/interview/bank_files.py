"""The question bank in the database as admins handle it (/bank): its coverage, an export in
the bank's own YAML format, the import of an edited export, and questions taken out of
rotation.

The export is one file holding every specialization: a YAML stream of documents separated by
`---`, each exactly the mapping of one bank file (questions/README.md). It is built from the
database, so it is the bank the bot asks from. Questions an admin disabled are in it too:
disabling is a rotation switch kept in the database, not an edit of the bank, so an import
never enables or disables anything (each disabled question is marked by a comment).

An import replaces the specializations it holds and leaves the others alone. It is checked
whole before anything is written: YAML syntax, the format's shape task by task, then
`validate_bank` over the bank as it would be (the file's specializations with the others from
the database), exactly as the bank's unit test checks the shipped files. Every problem is
named by the file's line (and the task's id), all at once. Only a file with no problem at all
is applied, with seeding's rules (`seed_bank`: upsert by id and checksum; a question the file
no longer has is retired, not deleted), in the caller's transaction.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit
from services.audit import AuditAction
from services.interview.bank import (
    LEVELS,
    MIN_TASKS_PER_CELL,
    QuestionBank,
    collect_bank_from_documents,
    validate_bank,
)
from services.interview.seeding import SeedReport, seed_bank
from services.models.base import utcnow
from services.models.interview import Question, Specialization

# An export of the whole bank (288 questions in two languages) is about 1.4 MB: room to grow
# several times over, well under what a bot may download (20 MB), and checked in seconds.
MAX_IMPORT_BYTES = 8 * 1024 * 1024
BANK_FILE_SUFFIXES = (".yaml", ".yml")
_LEVEL_ORDER = {level: position for position, level in enumerate(LEVELS)}
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# ---------------------------------------------------------------------------------------------
# Coverage


@dataclass(frozen=True, slots=True)
class Cell:
    """The questions in rotation (active, not disabled) of one specialization × level × topic."""

    specialization: str
    level: str
    topic: str
    in_rotation: int


@dataclass(frozen=True, slots=True)
class SpecializationCoverage:
    id: str
    title: Mapping[str, str]
    topics: int
    in_rotation_by_level: Mapping[str, int]  # level → questions in rotation
    cells: tuple[Cell, ...]  # the catalogue's topics × LEVELS

    @property
    def in_rotation(self) -> int:
        return sum(self.in_rotation_by_level.values())


@dataclass(frozen=True, slots=True)
class BankCoverage:
    specializations: tuple[SpecializationCoverage, ...]
    in_rotation: int
    disabled: int  # in the bank, taken out of rotation by an admin
    retired: int  # no longer in the bank; kept for the answers that point at them

    @property
    def gaps(self) -> list[Cell]:
        """Cells with fewer than MIN_TASKS_PER_CELL questions in rotation, emptiest first."""
        short = [
            cell
            for specialization in self.specializations
            for cell in specialization.cells
            if cell.in_rotation < MIN_TASKS_PER_CELL
        ]
        return sorted(short, key=lambda cell: cell.in_rotation)  # stable: catalogue order


async def bank_coverage(session: AsyncSession) -> BankCoverage:
    """Questions in rotation per specialization × level × topic, with the bank's totals."""
    counts = {
        (specialization, level, topic): count
        for specialization, level, topic, count in (
            await session.execute(
                select(Question.specialization, Question.level, Question.topic, func.count())
                .where(Question.in_rotation)
                .group_by(Question.specialization, Question.level, Question.topic)
            )
        ).all()
    }
    states = Counter(
        {
            (bool(active), bool(disabled)): count
            for active, disabled, count in (
                await session.execute(
                    select(
                        Question.is_active,
                        Question.disabled_at.is_not(None),
                        func.count(),
                    ).group_by(Question.is_active, Question.disabled_at.is_not(None))
                )
            ).all()
        }
    )
    specializations = (
        await session.scalars(select(Specialization).order_by(Specialization.position))
    ).all()
    coverage = []
    for specialization in specializations:
        by_level = dict.fromkeys(LEVELS, 0)
        for (specialization_id, level, _topic), count in counts.items():
            if specialization_id == specialization.id:
                by_level[level] = by_level.get(level, 0) + count
        cells = tuple(
            Cell(specialization.id, level, topic, counts.get((specialization.id, level, topic), 0))
            for topic in specialization.topics
            for level in LEVELS
        )
        coverage.append(
            SpecializationCoverage(
                id=specialization.id,
                title=specialization.title,
                topics=len(specialization.topics),
                in_rotation_by_level=by_level,
                cells=cells,
            )
        )
    # Counter keys are (is_active, is_disabled); a retired question counts as retired.
    return BankCoverage(
        specializations=tuple(coverage),
        in_rotation=states[(True, False)],
        disabled=states[(True, True)],
        retired=states[(False, False)] + states[(False, True)],
    )


# ---------------------------------------------------------------------------------------------
# Export


@dataclass(frozen=True, slots=True)
class BankExport:
    content: bytes  # UTF-8 YAML, a stream of one document per specialization
    specializations: int
    questions: int
    disabled: int


class _Inline(dict[str, Any]):
    """A short mapping (a title) written on one line: `{en: Backend, ru: Бэкенд}`."""


class _InlineList(list[Any]):
    """A short list (skills) written on one line: `[sql, indexing]`."""


class _BankDumper(yaml.SafeDumper):
    """Writes the bank the way its files are written: block style, lists indented under their
    key, titles and skills inline, multi-line texts as literal blocks."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_inline(dumper: yaml.SafeDumper, data: dict[str, Any]) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=True)


def _represent_inline_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


def _represent_text(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_BankDumper.add_representer(_Inline, _represent_inline)
_BankDumper.add_representer(_InlineList, _represent_inline_list)
_BankDumper.add_representer(str, _represent_text)


async def export_bank(
    session: AsyncSession, *, header_comment: str = "", disabled_comment: str = ""
) -> BankExport:
    """The bank in the database as one YAML file in the bank's own format.

    `header_comment` opens the file and `disabled_comment` precedes each disabled question, as
    YAML comments (the caller's words, in the operator's language); neither changes the data.
    """
    documents = await database_documents(session)
    disabled = set(
        (
            await session.scalars(
                select(Question.id).where(
                    Question.is_active.is_(True), Question.disabled_at.is_not(None)
                )
            )
        ).all()
    )
    # About half a second of pure-Python dumping for the shipped bank: off the event loop.
    text = await asyncio.to_thread(
        _dump, [document for _source, document in documents], disabled, disabled_comment
    )
    if header_comment:
        text = _comment(header_comment, "") + text
    return BankExport(
        content=text.encode("utf-8"),
        specializations=len(documents),
        questions=sum(len(document["tasks"]) for _source, document in documents),
        disabled=len(disabled),
    )


def _dump(documents: list[Any], disabled: set[str], disabled_comment: str) -> str:
    text = yaml.dump_all(
        documents,
        Dumper=_BankDumper,
        allow_unicode=True,
        sort_keys=False,
        width=100,
        explicit_start=True,
    )
    if disabled and disabled_comment:
        text = _mark_disabled(text, disabled, disabled_comment)
    return text


def _comment(text: str, indent: str) -> str:
    return "".join(f"{indent}# {line}".rstrip() + "\n" for line in text.splitlines())


_TASK_START = re.compile(r"^(?P<indent>[ ]*)- id: (?P<id>\S+)$", re.MULTILINE)


def _mark_disabled(text: str, disabled: set[str], comment: str) -> str:
    def marked(match: re.Match[str]) -> str:
        if match["id"] not in disabled:
            return match[0]
        return _comment(comment, match["indent"]) + match[0]

    return _TASK_START.sub(marked, text)


async def database_documents(
    session: AsyncSession, *, leave_out: frozenset[str] = frozenset()
) -> list[tuple[str, dict[str, Any]]]:
    """Each specialization in the database (but those in `leave_out`) as the mapping of its
    bank file, named for messages; its questions in the bank (disabled ones too, retired ones
    not), ordered by topic as in the catalogue, level and number."""
    specializations = [
        row
        for row in (
            await session.scalars(select(Specialization).order_by(Specialization.position))
        ).all()
        if row.id not in leave_out
    ]
    questions = (
        await session.scalars(
            select(Question).where(
                Question.is_active.is_(True),
                Question.specialization.in_([row.id for row in specializations]),
            )
        )
    ).all()
    by_specialization: dict[str, list[Question]] = {row.id: [] for row in specializations}
    for question in questions:
        by_specialization[question.specialization].append(question)
    documents = []
    for row in specializations:
        topic_order = {topic: position for position, topic in enumerate(row.topics)}
        order = partial(_task_order, topic_order=topic_order)
        tasks = sorted(by_specialization[row.id], key=order)
        documents.append(
            (
                f"the bot's bank ({row.id})",
                {
                    "specialization": row.id,
                    "title": _Inline(row.title),
                    "topics": {key: _Inline(title) for key, title in row.topics.items()},
                    "skills": {key: _Inline(title) for key, title in row.skills.items()},
                    "tasks": [_task_document(question) for question in tasks],
                },
            )
        )
    return documents


def _task_order(question: Question, topic_order: Mapping[str, int]) -> tuple[Any, ...]:
    number = question.id.rsplit("-", 1)[-1]
    return (
        topic_order.get(question.topic, len(topic_order)),
        question.topic,
        _LEVEL_ORDER.get(question.level, len(_LEVEL_ORDER)),
        question.level,
        int(number) if number.isdigit() else 0,
        question.id,
    )


def _task_document(question: Question) -> dict[str, Any]:
    return {
        "id": question.id,
        "level": question.level,
        "topic": question.topic,
        "kind": question.kind,
        "tier": question.tier,
        "skills": _InlineList(question.skills),
        "question": dict(question.question),
        "key_points": [dict(point) for point in question.key_points],
        "reference_answer": dict(question.reference_answer),
    }


# ---------------------------------------------------------------------------------------------
# Import


@dataclass(frozen=True, slots=True)
class UploadedDocument:
    """One document of an uploaded YAML stream, with where its tasks start in the file."""

    source: str  # "document 2 (line 1416)", for messages
    content: object
    task_lines: tuple[int, ...]  # 1-based line of each entry of `tasks`, in order


@dataclass(frozen=True, slots=True)
class BankImport:
    """What an import found: its problems (then nothing was written), or what it changed."""

    problems: tuple[str, ...] = ()
    specializations: tuple[str, ...] = ()  # the ones the file replaced
    report: SeedReport | None = None
    questions_before: int = 0  # in the file's specializations, in the bank
    questions_after: int = 0

    @property
    def applied(self) -> bool:
        return self.report is not None


def is_bank_file_name(name: str | None) -> bool:
    return name is not None and name.lower().endswith(BANK_FILE_SUFFIXES)


def read_upload(data: bytes) -> tuple[list[UploadedDocument], list[str]]:
    """The uploaded file's YAML documents and the problems met reading them, by line; no
    documents when the file cannot be read at all (not UTF-8, not YAML, empty)."""
    if len(data) > MAX_IMPORT_BYTES:
        return [], [f"the file is {len(data)} bytes; the limit is {MAX_IMPORT_BYTES}"]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return [], [f"line {line}: not UTF-8 text ({error.reason})"]
    loader = _YAML_LOADER(text)
    documents: list[UploadedDocument] = []
    problems: list[str] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            problems += _repeated_keys(node)
            content = loader.construct_document(node)
            if content is None:  # an empty document, such as after a trailing `---`
                continue
            start = node.start_mark.line + 1
            documents.append(
                UploadedDocument(
                    source=f"document {len(documents) + 1} (line {start})",
                    content=content,
                    task_lines=_task_lines(node),
                )
            )
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "the file"
        detail = "; ".join(part for part in (error.context, error.problem) if part)
        return [], [f"{where}: not valid YAML: {detail}"]
    except yaml.YAMLError as error:
        return [], [f"not valid YAML: {error}"]
    finally:
        loader.dispose()
    if not documents and not problems:
        problems.append("the file holds no bank document")
    return documents, problems


def _task_lines(node: yaml.Node) -> tuple[int, ...]:
    if not isinstance(node, yaml.MappingNode):
        return ()
    for key, value in node.value:
        is_tasks = isinstance(key, yaml.ScalarNode) and key.value == "tasks"
        if is_tasks and isinstance(value, yaml.SequenceNode):
            return tuple(item.start_mark.line + 1 for item in value.value)
    return ()


def _repeated_keys(node: yaml.Node) -> list[str]:
    """A key given twice in one mapping: YAML loaders silently keep the last one."""
    problems: list[str] = []
    pending = [node]
    while pending:
        current = pending.pop()
        if isinstance(current, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in seen:
                        problems.append(
                            f"line {key.start_mark.line + 1}: key {key.value!r} is given twice "
                            "in the same mapping"
                        )
                    seen.add(key.value)
                pending.append(value)
        elif isinstance(current, yaml.SequenceNode):
            pending.extend(current.value)
    return sorted(problems, key=_line_of)


def _line_of(problem: str) -> int:
    match = re.match(r"line (\d+)", problem)
    return int(match[1]) if match else 0


def check_upload(
    uploaded: Sequence[UploadedDocument], others: Sequence[tuple[str, object]]
) -> tuple[QuestionBank, list[str]]:
    """The bank as it would be (the uploaded documents, then `others` from the database) and
    every problem of it: the format's shape task by task, then `validate_bank`. CPU-bound and
    free of I/O, so the caller can run it in a thread."""
    task_lines = {document.source: document.task_lines for document in uploaded}

    def task_source(source: str, number: int) -> str:
        lines = task_lines.get(source)
        if lines is None or number > len(lines):
            return source
        return f"line {lines[number - 1]}"

    bank, problems = collect_bank_from_documents(
        [(document.source, document.content) for document in uploaded] + list(others),
        task_source=task_source,
    )
    return bank, problems + validate_bank(bank)


def uploaded_specializations(uploaded: Sequence[UploadedDocument]) -> frozenset[str]:
    """The specialization ids the documents name (shaped right or not)."""
    return frozenset(
        document.content["specialization"].strip()
        for document in uploaded
        if isinstance(document.content, Mapping)
        and isinstance(document.content.get("specialization"), str)
    )


async def import_bank(session: AsyncSession, admin_id: int, data: bytes) -> BankImport:
    """Checks the uploaded file and, only when it has no problem at all, applies it in the
    caller's transaction (the caller commits) with an audit entry; see the module doc."""
    uploaded, problems = await asyncio.to_thread(read_upload, data)
    if not uploaded:
        return BankImport(problems=tuple(problems))
    replaced = uploaded_specializations(uploaded)
    others = await database_documents(session, leave_out=replaced)
    bank, content_problems = await asyncio.to_thread(check_upload, uploaded, others)
    problems += content_problems
    if problems:
        return BankImport(problems=tuple(problems))
    before = await _bank_counts(session, replaced)
    report = await seed_bank(session, bank)
    after = await _bank_counts(session, replaced)
    names = tuple(sorted(replaced))
    await audit.record(
        session,
        admin_id,
        AuditAction.BANK_IMPORT,
        ", ".join(names),
        before=before,
        after={
            **after,
            "created": report.created,
            "updated": report.updated,
            "retired": report.deactivated,
        },
    )
    return BankImport(
        specializations=names,
        report=report,
        questions_before=before["questions"],
        questions_after=after["questions"],
    )


async def _bank_counts(session: AsyncSession, specializations: frozenset[str]) -> dict[str, int]:
    """Questions in the bank (and disabled ones) of the given specializations."""
    questions, disabled = (
        await session.execute(
            select(func.count(), func.count(Question.disabled_at)).where(
                Question.is_active.is_(True), Question.specialization.in_(specializations)
            )
        )
    ).one()
    return {"questions": questions, "disabled": disabled}


# ---------------------------------------------------------------------------------------------
# Disabling


class RotationChange(StrEnum):
    CHANGED = "changed"
    ALREADY = "already"  # already disabled (or already in rotation)
    UNKNOWN = "unknown"  # no question with that id in the bank


@dataclass(frozen=True, slots=True)
class RotationResult:
    change: RotationChange
    question_id: str
    cell: Cell | None = field(default=None)  # its cell afterwards, when the question exists


async def set_question_disabled(
    session: AsyncSession, admin_id: int, question_id: str, *, disabled: bool
) -> RotationResult:
    """Takes a question of the bank out of rotation (or puts it back), with an audit entry, in
    the caller's transaction. Seeding and imports never touch this switch."""
    question = await session.get(Question, question_id.strip())
    if question is None or not question.is_active:  # retired questions are not in the bank
        return RotationResult(RotationChange.UNKNOWN, question_id)
    if (question.disabled_at is not None) == disabled:
        return RotationResult(
            RotationChange.ALREADY, question.id, await _cell_of(session, question)
        )
    before = {"disabled": question.disabled_at is not None}
    question.disabled_at = utcnow() if disabled else None
    question.disabled_by = admin_id if disabled else None
    await audit.record(
        session,
        admin_id,
        AuditAction.QUESTION_DISABLE if disabled else AuditAction.QUESTION_ENABLE,
        question.id,
        before=before,
        after={"disabled": disabled},
    )
    await session.flush()
    return RotationResult(RotationChange.CHANGED, question.id, await _cell_of(session, question))


async def _cell_of(session: AsyncSession, question: Question) -> Cell:
    in_rotation = await session.scalar(
        select(func.count()).where(
            Question.in_rotation,
            Question.specialization == question.specialization,
            Question.level == question.level,
            Question.topic == question.topic,
        )
    )
    return Cell(question.specialization, question.level, question.topic, in_rotation or 0)
