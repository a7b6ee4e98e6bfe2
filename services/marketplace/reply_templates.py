"""Reply templates for buyer chats: the defaults a seller starts with, and filling them in.

The defaults live in `data/reply_templates.json`: per language ("ru", "en"), per `Intent` value,
a list of templates. `default_templates(language)` returns fresh copies keyed by `Intent`.

Template syntax (`fill_template`), for the defaults and for templates sellers write:

* `{name}` is the buyer's name, `{order}` the order number (see `PLACEHOLDERS`). Case and
  spaces inside the braces are forgiven: `{ Name }` works too.
* `[...]` around text holding a placeholder is an optional segment: it is kept, without its
  brackets, when every placeholder in it has a value, and dropped whole otherwise. So
  `"Hello[ {name}]!"` gives "Hello Anna!" or "Hello!", and `"your order[ {order}]"` gives
  "your order 123" or "your order".
* A placeholder outside any segment with no value becomes empty text (and a space left doubled
  by it is closed up), so seller templates still read acceptably.
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
}
SYNTAX_HELP = (
    "Placeholders: {name} (buyer's name), {order} (order number). "
    "Put optional text in square brackets with its placeholder, e.g. 'Hello[ {name}]!': "
    "it is left out when the value is unknown."
)

_PLACEHOLDER = re.compile(r"\{\s*(name|order)\s*\}", re.IGNORECASE)
_SEGMENT_OR_PLACEHOLDER = re.compile(
    r"\[(?P<segment>[^\[\]]*)\]|\{\s*(?P<key>name|order)\s*\}", re.IGNORECASE
)


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


def fill_template(template: str, *, name: str | None, order: str | None) -> str:
    """`template` with its placeholders filled; see the module docstring for the syntax."""
    values = {
        "name": (name or "").replace("\0", "").strip(),
        "order": (order or "").replace("\0", "").strip(),
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

    # One pass, so inserted values are never read again. Each replacement is fenced with NUL so
    # the spacing fix below touches only the gaps that filling left.
    marked = _SEGMENT_OR_PLACEHOLDER.sub(replace, template.replace("\0", ""))
    marked = re.sub(r" \0\0+ ", " ", marked)  # "a  b" -> "a b"
    marked = re.sub(r" \0\0+(?=[,.!?;:)»\"])", "", marked)  # "a ," -> "a,"
    return marked.replace("\0", "")
