"""Every translation exists in every language, parses, and every literal key the code asks for
is there: a missing key would show the user a raw message id."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fluent.syntax import FluentParser, ast

from services.languages import SUPPORTED_LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "locales"
# i18n.get("key"…), core.get("key"…), translate("key"…), _t(i18n, settings, "key"…)
KEY_CALL = re.compile(
    r"""(?:i18n\.get|core\.get|translate|_t\(\s*i18n,\s*settings,)\(?\s*["']([a-z][a-z0-9-]+)["']"""
)


def message_ids(language: str) -> dict[str, Path]:
    ids: dict[str, Path] = {}
    for path in sorted((LOCALES / language).glob("*.ftl")):
        resource = FluentParser().parse(path.read_text(encoding="utf-8"))
        junk = [entry for entry in resource.body if isinstance(entry, ast.Junk)]
        assert not junk, f"{path}: syntax error near {junk[0].content[:80]!r}"
        for entry in resource.body:
            if isinstance(entry, ast.Message | ast.Term):
                assert entry.id.name not in ids, f"{entry.id.name} defined twice ({path})"
                ids[entry.id.name] = path
    return ids


def test_every_language_has_the_same_messages() -> None:
    english = set(message_ids("en"))
    for language in SUPPORTED_LANGUAGES:
        other = set(message_ids(language))
        assert other == english, (
            f"{language}: missing {sorted(english - other)}, extra {sorted(other - english)}"
        )


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_literal_key_the_code_uses_exists(language: str) -> None:
    known = message_ids(language)
    used: dict[str, Path] = {}
    for folder in ("handlers", "services", "middlewares", "bot"):
        for path in (ROOT / folder).rglob("*.py"):
            for key in KEY_CALL.findall(path.read_text(encoding="utf-8")):
                used.setdefault(key, path)
    assert len(used) > 100  # the scan itself works
    missing = {key: str(path.relative_to(ROOT)) for key, path in used.items() if key not in known}
    assert not missing, f"{language}: keys used in code but not translated: {missing}"


def _enum_keys() -> list[str]:
    """Keys the code builds from enum values (f-strings the scan above cannot read)."""
    from services.marketplace import FailureReason
    from services.payments.catalog import PriceProblem
    from services.payments.orders import Method, PreCheckoutProblem
    from services.payments.refunds import RefundProblem
    from services.speech import AudioProblem, DeliveryTip, HearingStep, Pace

    keys = [f"voice-problem-{p.value.replace('_', '-')}" for p in AudioProblem]
    keys += [f"voice-status-{step.value}" for step in HearingStep]
    keys += [f"voice-pace-{pace.value}" for pace in Pace]
    keys += [f"voice-tip-{tip.value}" for tip in DeliveryTip]
    keys += [f"checkout-refused-{problem}" for problem in PreCheckoutProblem]
    keys += [f"refund-refused-{problem}" for problem in RefundProblem]
    keys += [f"price-rejected-{problem}" for problem in PriceProblem]
    keys += [f"refund-user-approved-{how}" for how in ("stars", "yookassa", "manual")]
    keys += [f"refund-admin-approved-{how}" for how in ("stars", "yookassa", "manual")]
    keys += [f"buy-method-{method.value.replace('_', '-')}" for method in Method]
    keys += [f"marketplace-failure-{reason.value}" for reason in FailureReason]
    return keys


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_key_built_from_an_enum_exists(language: str) -> None:
    known = message_ids(language)
    missing = [key for key in _enum_keys() if key not in known]
    assert not missing, f"{language}: {missing}"


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
async def test_ids_are_shown_as_their_digits_and_counts_are_grouped(language: str) -> None:
    from middlewares.i18n import create_translation_core

    core = create_translation_core("en")
    await core.startup()
    caption = core.get(
        "card-report-caption", language, interview=12345, id=1000000002, date="2026-12-05"
    )
    assert "#12345" in caption and "<code>1000000002</code>" in caption
    # Every id the locales show goes through ID(): none is left as a plain grouped number.
    for path in (LOCALES / language).glob("*.ftl"):
        text = path.read_text(encoding="utf-8")
        plain = re.findall(r"\{ \$(?:id|by|user|payment|order|interview|request) \}", text)
        assert plain == [], f"{path}: {plain} without ID()"
