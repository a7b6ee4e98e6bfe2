"""Reply templates for buyer chats: the defaults a seller starts with, and filling them in.

The defaults live in `data/reply_templates.json`: per language ("ru", "en"), per `Intent` value,
a list of templates. `default_templates(language)` returns fresh copies keyed by `Intent`.

Template syntax (`fill_template`), for the defaults and for templates sellers write:

* `{name}` is the buyer's name, `{order}` the order number, `{marketplace}` the marketplace's
  name ("Ozon", "Wildberries"; see `PLACEHOLDERS`). Case and spaces inside the braces are
  forgiven: `{ Name }` works too.
* `[...]` around text holding a placeholder is an optional segment: it is kept, without its
  brackets, when every placeholder in it has a value, and dropped whole otherwise. So
  `"Hello[ {name}]!"` gives "Hello Anna!" or "Hello!", and `"your order[ {order}]"` gives
  "your order 123" or "your order".
* A placeholder outside any segment with no value becomes empty text, and what only made sense
  with it goes too, so seller templates still read acceptably: a doubled space is closed up,
  "Hello, {name}!" gives "Hello!", "{name}, hello" gives "Hello" (a placeholder that started the
  text leaves the first letter capitalised), "Заказ №{order} готов" gives "Заказ готов". The
  result is stripped.
* Everything else stays as written: brackets without a placeholder inside (`[sic]`), unknown
  `{words}`, stray `{`, `}`, `[`, `]`. Filling never raises. There is no escaping and no
  nesting: an optional segment is the innermost `[...]` that holds a placeholder.

Values are inserted once, as plain text: a buyer named "{order}" stays "{order}".
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources

from services.marketplace.intents import Intent

DEFAULT_LANGUAGE = "en"
LANGUAGES = ("ru", "en")

PLACEHOLDERS: dict[str, str] = {
    "name": "the buyer's name, when the marketplace shows it",
    "order": "the order (posting) number the chat is about, when there is one",
    "marketplace": "the marketplace the chat is on: Ozon or Wildberries",
}
SYNTAX_HELP = (
    "Placeholders: {name} (buyer's name), {order} (order number), {marketplace} (Ozon or "
    "Wildberries). Put optional text in square brackets with its placeholder, e.g. "
    "'Hello[ {name}]!': it is left out when the value is unknown."
)

_KEYS = "name|order|marketplace"
_PLACEHOLDER = re.compile(rf"\{{\s*({_KEYS})\s*\}}", re.IGNORECASE)
_SEGMENT_OR_PLACEHOLDER = re.compile(
    rf"\[(?P<segment>[^\[\]]*)\]|\{{\s*(?P<key>{_KEYS})\s*\}}", re.IGNORECASE
)
# Marketplace codes callers may pass, and how buyers know the marketplace.
_MARKETPLACE_NAMES = {"ozon": "Ozon", "wb": "Wildberries", "wildberries": "Wildberries"}

# Clean-up around an empty value, marked "\0\0" (see `fill_template`).
_EMPTY = "\0\0+"
_NUMBER_SIGN_BEFORE_EMPTY = re.compile(rf"(?:№|#|\bNo\.?|\bN)\s?(?={_EMPTY})")
_EMPTY_AT_START = re.compile(rf"^\s*{_EMPTY}[\s,;:—–-]*")
_SEPARATOR_AROUND_EMPTY = re.compile(rf"\s*([,;:])\s*{_EMPTY}\s*[,;:]")
_SEPARATOR_BEFORE_EMPTY_END = re.compile(rf"\s*[,;:—–-]\s*{_EMPTY}(?=\s*[.!?)»\"]|\s*$)")


def _normalize_language(language: str) -> str:
    base = re.split(r"[-_]", language.strip().lower(), maxsplit=1)[0]
    return base if base in LANGUAGES else DEFAULT_LANGUAGE


@cache
def _load_defaults() -> dict[str, dict[Intent, tuple[str, ...]]]:
    source = resources.files("services.marketplace").joinpath("data", "reply_templates.json")
    raw = json.loads(source.read_text(encoding="utf-8"))
    defaults: dict[str, dict[Intent, tuple[str, ...]]] = {}
    for language in LANGUAGES:
        by_intent = raw[language]
        defaults[language] = {intent: tuple(by_intent[intent.value]) for intent in Intent}
        missing = [intent.value for intent, texts in defaults[language].items() if not texts]
        if missing:
            raise ValueError(f"reply_templates.json: no {language} templates for {missing}")
    return defaults


def default_templates(language: str) -> dict[Intent, list[str]]:
    """The default templates for `language` ("ru" for Russian, anything unknown gets "en")."""
    return {
        intent: list(texts)
        for intent, texts in _load_defaults()[_normalize_language(language)].items()
    }


def fill_template(
    template: str, *, name: str | None, order: str | None, marketplace: str | None = None
) -> str:
    """`template` with its placeholders filled; see the module docstring for the syntax.

    `marketplace` is the marketplace's name or code ("Ozon", "ozon", "wb", "Wildberries")."""
    market = (marketplace or "").replace("\0", "").strip()
    values = {
        "name": (name or "").replace("\0", "").strip(),
        "order": (order or "").replace("\0", "").strip(),
        "marketplace": _MARKETPLACE_NAMES.get(market.lower(), market),
    }

    def substitute(text: str) -> str:
        return _PLACEHOLDER.sub(lambda match: values[match.group(1).lower()], text)

    def replace(match: re.Match[str]) -> str:
        key = match.group("key")
        if key is not None:
            return "\0" + values[key.lower()] + "\0"
        inner = match.group("segment")
        keys = [found.lower() for found in _PLACEHOLDER.findall(inner)]
        if not keys:
            return match.group(0)  # not a segment: "[sic]" stays as written
        if all(values[found] for found in keys):
            return "\0" + substitute(inner) + "\0"
        return "\0\0"

    # One pass, so inserted values are never read again. Each replacement is fenced with NUL, an
    # empty one is "\0\0", so the clean-up below touches only the gaps that filling left.
    marked = _SEGMENT_OR_PLACEHOLDER.sub(replace, template.replace("\0", ""))
    marked = _NUMBER_SIGN_BEFORE_EMPTY.sub("", marked)  # "№{order}" -> ""
    started_empty = _EMPTY_AT_START.match(marked) is not None
    marked = _EMPTY_AT_START.sub("", marked)  # "{name}, hello" -> "hello"
    marked = _SEPARATOR_AROUND_EMPTY.sub(r"\1", marked)  # "a, {name}, b" -> "a, b"
    marked = _SEPARATOR_BEFORE_EMPTY_END.sub("", marked)  # "Hello, {name}!" -> "Hello!"
    marked = re.sub(rf" {_EMPTY} ", " ", marked)  # "a  b" -> "a b"
    marked = re.sub(rf" {_EMPTY}(?=[,.!?;:)»\"])", "", marked)  # "a ," -> "a,"
    filled = marked.replace("\0", "").strip()
    if started_empty and filled:
        filled = filled[0].upper() + filled[1:]
    return filled
