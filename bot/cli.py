"""The interview commands of `python -m bot`: `seed` and `evaluate`.

`seed` validates the YAML question bank and copies it into the (already migrated) database,
then the product catalogue with its default prices (never overwriting a price that exists).
`evaluate` scores one answer with the configured evaluator — the LLM when OPENAI_API_KEY is set,
the offline heuristics otherwise — so scoring can be calibrated from a shell without a bot.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from typing import TYPE_CHECKING, TextIO

from bot.config import Settings
from bot.logs import quiet_chatty_libraries
from services.languages import SUPPORTED_LANGUAGES

if TYPE_CHECKING:
    from services.interview.bank import BankTask
    from services.interview.evaluation import Evaluation, EvaluationRequest, Remark

EXIT_PROBLEMS = 1
EXIT_USAGE = 2


def configure_tool_logging(level: str) -> None:
    """Log lines on stderr, so a tool's stdout (such as `evaluate --json`) stays parseable."""
    logging.basicConfig(level=level.upper(), format="%(levelname)s %(name)s: %(message)s")
    quiet_chatty_libraries()


def add_seed_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    commands.add_parser(
        "seed",
        help=(
            "validate the question bank and load it and the product catalogue into the "
            "database (run `migrate` first)"
        ),
    )


def add_evaluate_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from services.interview.evaluation import TaskKind

    evaluate = commands.add_parser(
        "evaluate",
        help="score one answer with the configured evaluator (offline without OPENAI_API_KEY)",
        description=(
            "Score one answer. With --task the question, key points, reference answer, kind and "
            "skills come from that bank task (YAML, no database); --question, --reference, "
            "--key-point and --kind given as well override the task's."
        ),
    )
    evaluate.add_argument("--answer", required=True, help="the candidate's answer")
    evaluate.add_argument("--question", help="the question (required unless --task)")
    evaluate.add_argument("--reference", help="a reference answer")
    evaluate.add_argument(
        "--key-point", dest="key_points", action="append", default=None, metavar="TEXT",
        help="a key point the answer should cover (repeatable)",
    )  # fmt: skip
    evaluate.add_argument("--kind", choices=[kind.value for kind in TaskKind], default=None)
    evaluate.add_argument("--lang", choices=SUPPORTED_LANGUAGES, default="en")
    evaluate.add_argument("--task", metavar="ID", help="a bank task id, e.g. backend-apis-junior-1")
    evaluate.add_argument("--json", action="store_true", help="print the evaluation as JSON")


def run_seed(settings: Settings, *, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    from services.interview.bank import BankError, load_default_bank, validate_bank

    try:
        bank = load_default_bank()
    except BankError as error:
        print(f"question bank: {error}", file=err)
        return EXIT_PROBLEMS
    problems = validate_bank(bank)
    if problems:
        print(f"question bank: {len(problems)} problem(s), nothing seeded:", file=err)
        for problem in problems:
            print(f"  - {problem}", file=err)
        return EXIT_PROBLEMS
    from services.interview.seeding import seed_database

    report = asyncio.run(seed_database(settings.effective_database_url, bank))
    print(f"question bank seeded: {report.summary()}", file=out)
    from services.payments.seeding import seed_products_database

    products = asyncio.run(seed_products_database(settings.effective_database_url))
    print(f"product catalogue seeded: {products.summary()}", file=out)
    return 0


def run_evaluate(
    args: argparse.Namespace,
    settings: Settings,
    *,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
) -> int:
    from services.interview.bank import BankError, load_default_bank
    from services.interview.evaluation import create_evaluator

    task: BankTask | None = None
    if args.task:
        try:
            task = load_default_bank().task(args.task)
        except BankError as error:
            print(f"question bank: {error}", file=err)
            return EXIT_PROBLEMS
        if task is None:
            print(f"unknown task id {args.task!r} (see services/interview/questions/)", file=err)
            return EXIT_USAGE
    elif not args.question:
        print("--question is required unless --task is given", file=err)
        return EXIT_USAGE
    request = _evaluation_request(args, task)
    api_key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    evaluator = create_evaluator(
        api_key, settings.openai_base_url, settings.llm_model, settings.llm_timeout_seconds
    )
    evaluation = asyncio.run(evaluator.evaluate(request))
    if args.json:
        print(
            json.dumps(evaluation.model_dump(mode="json"), indent=2, ensure_ascii=False), file=out
        )
    else:
        print(_summary(evaluation), file=out)
    return 0


def _evaluation_request(args: argparse.Namespace, task: BankTask | None) -> EvaluationRequest:
    from services.interview.bank import evaluation_request_for
    from services.interview.evaluation import EvaluationRequest, TaskKind

    if task is not None:
        request = evaluation_request_for(task, args.lang, args.answer)
    else:
        request = EvaluationRequest(question=args.question, answer=args.answer, language=args.lang)
    overrides: dict[str, object] = {}
    if args.question:
        overrides["question"] = args.question
    if args.reference is not None:
        overrides["reference_answer"] = args.reference
    if args.key_points is not None:
        overrides["key_points"] = list(args.key_points)
    if args.kind is not None:
        overrides["kind"] = TaskKind(args.kind)
    return request.model_copy(update=overrides) if overrides else request


def _summary(evaluation: Evaluation) -> str:
    """A few lines for a terminal; remarks show their message ids (texts live in locales/)."""
    lines = [f"overall {evaluation.overall:g}/10 ({evaluation.evaluator} evaluator)"]
    lines.append(
        "  " + " · ".join(f"{name.value} {score:g}" for name, score in evaluation.criteria.items())
    )
    if evaluation.star is not None:
        star = evaluation.star
        lines.append(
            f"  STAR: situation {star.situation:g} · task {star.task:g} · "
            f"action {star.action:g} · result {star.result:g}"
        )
    total = len(evaluation.covered_key_points) + len(evaluation.missing_key_points)
    if total:
        lines.append(f"key points covered: {len(evaluation.covered_key_points)}/{total}")
        lines += [f"  + {point}" for point in evaluation.covered_key_points]
        lines += [f"  - {point}" for point in evaluation.missing_key_points]
    for title, remarks in (
        ("strengths", evaluation.strengths),
        ("weaknesses", evaluation.weaknesses),
    ):
        if remarks:
            lines.append(f"{title}:")
            lines += [f"  {_remark(remark)}" for remark in remarks]
    if evaluation.follow_up is not None:
        lines.append(f"follow-up: {_remark(evaluation.follow_up)}")
    return "\n".join(lines)


def _remark(remark: Remark) -> str:
    if remark.text is not None:
        return remark.text
    args = {**remark.args, **{name: ", ".join(ids) for name, ids in remark.translated_args.items()}}
    rendered_args = ", ".join(f"{name}={value}" for name, value in args.items())
    return f"{remark.key} ({rendered_args})" if rendered_args else str(remark.key)


def add_grant_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    grant = commands.add_parser(
        "grant", help="give a user interview credits (negative to take them back)"
    )
    grant.add_argument("user_id", type=int, help="the user's Telegram id")
    grant.add_argument("credits", type=int, help="how many credits to add (or remove, if < 0)")
    grant.add_argument("--reason", default="grant:cli", help="what the ledger records")


def run_grant(
    args: argparse.Namespace, settings: Settings, *, out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
) -> int:  # fmt: skip
    if args.user_id <= 0:
        print("user_id must be a positive Telegram user id", file=err)
        return EXIT_USAGE
    try:
        balance = asyncio.run(
            _grant(settings.effective_database_url, args.user_id, args.credits, args.reason)
        )
    except ValueError as error:
        print(f"not granted: {error}", file=err)
        return EXIT_USAGE
    print(f"user {args.user_id} now has {balance} interview credit(s)", file=out)
    return 0


async def _grant(database_url: str, user_id: int, credits: int, reason: str) -> int:
    from services.database import create_engine, create_session_factory
    from services.entitlements import grant_credits

    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            balance = await grant_credits(session, user_id, credits, reason)
            await session.commit()
        return balance
    finally:
        await engine.dispose()
