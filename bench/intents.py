"""`python -m bench intents`: the offline buyer-intent matcher against the labelled set.

Reads `tests/unit/data/buyer_intents.jsonl` (or `--data PATH`), then the blind set
`buyer_intents_blind.jsonl`, and prints accuracy overall, per
language (ru, en), per split (every split in the file: tune, and the holdout parts the
patterns were not tuned on), per intent, the confusion matrix, and every mistake. Bar: 0.85
overall and on every split.
"""

from __future__ import annotations

from pathlib import Path

from services.marketplace.intent_eval import IntentReport, evaluate
from services.marketplace.intents import Intent

DATA_DIR = Path(__file__).resolve().parents[1] / "tests" / "unit" / "data"
DEFAULT_DATA = DATA_DIR / "buyer_intents.jsonl"
# 150 messages written by someone who never saw the rules nor the set above; the matcher
# scored 0.807 on it before the last round of fixes and 0.900 after (their author never saw
# it either). Tuning on it from now on makes it one more tuned split.
BLIND_DATA = DATA_DIR / "buyer_intents_blind.jsonl"
BAR = 0.85


def print_report(report: IntentReport) -> None:
    print(f"overall   {report.overall}")
    for language, accuracy in report.by_language.items():
        print(f"{language:<9} {accuracy}")
    for split, accuracy in report.by_split.items():
        print(f"{split:<9} {accuracy}")
    print()
    for intent, accuracy in report.by_intent.items():
        print(f"{intent.value:<15} {accuracy}")
    print()
    width = len("expected \\ predicted") + 2
    print("expected \\ predicted".ljust(width) + " ".join(f"{i.value[:6]:>6}" for i in Intent))
    for expected in Intent:
        counts = " ".join(f"{report.confusion[(expected, got)]:>6}" for got in Intent)
        print(f"{expected.value:<{width}}{counts}")
    print()
    print(f"mistakes: {len(report.mistakes)}")
    for mistake in report.mistakes:
        message = mistake.message
        print(
            f"  [{message.split}/{message.language}] {message.intent.value} -> "
            f"{mistake.predicted.value}: {message.text}"
        )


def run(data: Path | None = None) -> int:
    report = evaluate(data or DEFAULT_DATA)
    print_report(report)
    below = [split for split, accuracy in report.by_split.items() if accuracy.value < BAR]
    if data is None:
        print("\n--- the blind set ---")
        blind = evaluate(BLIND_DATA)
        print_report(blind)
        below += [] if blind.overall.value >= BAR else ["blind"]
    passed = report.overall.value >= BAR and not below
    verdict = "met" if passed else f"NOT met (below: {', '.join(below) or 'overall'})"
    print(f"bar {BAR} overall and on every split: {verdict}")
    return 0 if passed else 1
