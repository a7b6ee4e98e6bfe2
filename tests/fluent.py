"""A strict Fluent translator built from `locales/<language>/*.ftl`, for tests and benchmarks.

It fails loudly on an unknown message id or a formatting error, so a test that renders text
also proves every key it uses exists in that language.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

from fluent.runtime import FluentBundle, FluentResource

LOCALES = Path(__file__).resolve().parents[1] / "locales"

TranslateArg = str | int | float
Translator = Callable[[str, dict[str, TranslateArg]], str]


@cache
def bundle(language: str) -> FluentBundle:
    """All `.ftl` files of one language in one bundle, as aiogram-i18n's Fluent core loads them."""
    loaded = FluentBundle([language], use_isolating=False)
    files = sorted((LOCALES / language).glob("*.ftl"))
    if not files:
        raise FileNotFoundError(f"no .ftl files in {LOCALES / language}")
    for path in files:
        loaded.add_resource(FluentResource(path.read_text(encoding="utf-8")))
    return loaded


def translator(language: str) -> Translator:
    messages = bundle(language)

    def translate(key: str, args: dict[str, TranslateArg]) -> str:
        if not messages.has_message(key):
            raise KeyError(f"{language}: no message {key!r}")
        message = messages.get_message(key)
        if message.value is None:
            raise KeyError(f"{language}: message {key!r} has no value")
        text, errors = messages.format_pattern(message.value, args)
        if errors:
            raise ValueError(f"{language}: {key}: {errors}")
        return str(text)

    return translate


def message_ids(language: str, file_name: str) -> set[str]:
    """The message ids defined in one locale file (for checking that en and ru match)."""
    resource = FluentResource((LOCALES / language / file_name).read_text(encoding="utf-8"))
    return {entry.id.name for entry in resource.body if type(entry).__name__ == "Message"}
