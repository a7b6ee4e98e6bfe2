"""Split a reply that is too long for one marketplace message into parts, at sentence boundaries.

Ozon and Wildberries take at most ~1000 characters per chat message (the caller passes the limit).
`split_reply` packs as many whole sentences as fit into each part, in order:

* a sentence ends after `.`, `!`, `?`, `…` or a run of them (`?!`, `...`), optionally followed by
  closing quotes or brackets, and then whitespace; a line break always ends a sentence;
* a dot after a common abbreviation ("e.g.", "т.е.", "Mr.", "No. 5", initials like "A.") does
  not end a sentence;
* abbreviations that often close a sentence ("etc.", "и т.д.", "т.п.", "и др.", "100 руб.",
  "5 шт.", "2024 г.") end one when the next character after the spaces is an uppercase letter
  (Cyrillic or Latin) or a digit: "… и т.д. Деньги вернутся" splits after "т.д.", "т.д. и т.п."
  does not. "г." counts only after a number (a year), so "г. Москва" stays one sentence. A
  single capital letter is an initial ("J. Smith"), except a size after a size word ("size M.
  Thanks", "размер L. Спасибо"), which ends the sentence the same way;
* a single sentence longer than the limit is split between words, and a single word longer than
  the limit is cut hard.

Every part is stripped and non-empty; text inside a part keeps its original spacing and line
breaks, so the parts joined with spaces hold every word of the input in order. Pure Python.
"""

from __future__ import annotations

import re

# Sentence end: terminal punctuation, optional closing quotes/brackets, then whitespace.
_SENTENCE_END = re.compile(r"[.!?…]+[\"'»”’)\]]*(?=\s)")
_WHITESPACE = re.compile(r"\s+")
_NON_SPACE = re.compile(r"\S+")
_WORD_BEFORE_DOT = re.compile(r"(\w+(?:\.\w+)*)\.$")

# Lowercased, without the final dot. Multi-dot abbreviations are matched on the whole token
# ("т.е" for "т.е.", "e.g" for "e.g.").
_ABBREVIATIONS = frozenset(
    {
        # English
        "e.g",
        "i.e",
        "etc",
        "vs",
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "jr",
        "sr",
        "approx",
        "incl",
        "dept",
        "fig",
        "a.m",
        "p.m",
        # Russian
        "т.е",
        "т.д",
        "т.п",
        "т.к",
        "т.н",
        "и.о",
        "г",
        "гг",
        "ул",
        "д",
        "кв",
        "стр",
        "руб",
        "коп",
        "тыс",
        "млн",
        "млрд",
        "шт",
        "см",
        "мм",
        "им",
        "напр",
        "пр",
        "др",
        "тел",
        "проф",
    }
)
# Abbreviations that often end a sentence: a boundary when what follows starts with an uppercase
# letter or a digit.
_SENTENCE_FINAL_ABBREVIATIONS = frozenset(
    {"etc", "т.д", "т.п", "др", "руб", "коп", "шт", "тыс", "млн", "млрд", "см", "мм", "г", "гг"}
)
# Only after a number: "2024 г." is a year, "г. Москва" a city.
_AFTER_NUMBER_ONLY = frozenset({"г", "гг"})
_NUMBER_BEFORE = re.compile(r"\d\s*$")
# Words after which a single capital letter is a clothing size, not an initial: "size M.".
_SIZE_WORDS = re.compile(
    r"sizes?|размер\w*|in|an?|of|or|and|than|ordered|got|wear|бра\w*|взя\w*|заказ\w*|нош\w*",
    re.IGNORECASE,
)
_PREVIOUS_WORD = re.compile(r"(\w+)\s+$")
# Abbreviations that only bind to a following number ("No. 5", "№. 7", "п. 3", "ст. 18").
_NUMBER_ABBREVIATIONS = frozenset({"no", "nos", "nr", "p", "pp", "п", "пп", "ст", "art"})


def _is_abbreviation(text: str, punctuation_start: int, punctuation: str, after: int) -> bool:
    """Whether the dot at `punctuation_start` belongs to an abbreviation, not a sentence end."""
    if punctuation != ".":
        return False
    match = _WORD_BEFORE_DOT.search(text[max(0, punctuation_start - 40) : punctuation_start + 1])
    if match is None:
        return False
    word = match.group(1).lower()
    following = text[after:].lstrip()
    starts_sentence = bool(following) and (following[0].isupper() or following[0].isdigit())
    word_start = punctuation_start - len(match.group(1))
    before = text[max(0, word_start - 40) : word_start]
    if word in _SENTENCE_FINAL_ABBREVIATIONS:
        if not starts_sentence:
            return True
        return word in _AFTER_NUMBER_ONLY and _NUMBER_BEFORE.search(before) is None
    if word in _ABBREVIATIONS:
        return True
    # A single capital letter: an initial ("J. Smith", "А. С. Пушкин"), or a size ("size M.").
    if len(word) == 1 and match.group(1).isupper():
        previous = _PREVIOUS_WORD.search(before)
        is_size = previous is not None and _SIZE_WORDS.fullmatch(previous.group(1)) is not None
        return not (is_size and starts_sentence)
    if word in _NUMBER_ABBREVIATIONS:
        rest = text[after:].lstrip(" \t")
        return bool(rest) and rest[0].isdigit()
    return False


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in `text`, end excluding the whitespace that follows."""
    cuts: set[int] = set()
    for match in _SENTENCE_END.finditer(text):
        punctuation = match.group(0).rstrip("\"'»”’)]")
        if not _is_abbreviation(text, match.start(), punctuation, match.end()):
            cuts.add(match.end())
    for index, char in enumerate(text):
        if char in "\n\r\u2028\u2029":
            cuts.add(index)
    spans: list[tuple[int, int]] = []
    start = 0
    for cut in [*sorted(cuts), len(text)]:
        if cut <= start:
            continue
        piece = text[start:cut]
        if piece.strip():
            left = start + (len(piece) - len(piece.lstrip()))
            right = start + len(piece.rstrip())
            spans.append((left, right))
        start = cut
    return spans


def _split_long_sentence(sentence: str, limit: int) -> list[str]:
    """Pack words into parts of at most `limit` characters; hard-cut words longer than that."""
    parts: list[str] = []
    words = [(m.start(), m.end()) for m in _NON_SPACE.finditer(sentence)]
    current_start: int | None = None
    current_end = 0
    for word_start, word_end in words:
        if word_end - word_start > limit:
            if current_start is not None:
                parts.append(sentence[current_start:current_end])
                current_start = None
            word = sentence[word_start:word_end]
            chunks = [word[i : i + limit] for i in range(0, len(word), limit)]
            parts.extend(chunks[:-1])
            # The tail of a cut word may share a part with the following words.
            current_start, current_end = word_end - len(chunks[-1]), word_end
            continue
        if current_start is None:
            current_start, current_end = word_start, word_end
        elif word_end - current_start <= limit:
            current_end = word_end
        else:
            parts.append(sentence[current_start:current_end])
            current_start, current_end = word_start, word_end
    if current_start is not None:
        parts.append(sentence[current_start:current_end])
    return parts


def split_reply(text: str, limit: int) -> list[str]:
    """Split `text` into stripped, non-empty parts of at most `limit` characters each.

    Text within the limit comes back whole (stripped); blank text gives []. See the module
    docstring for where the cuts fall.
    """
    if limit < 1:
        raise ValueError(f"limit must be positive, got {limit}")
    stripped = text.strip()
    if not stripped:
        return []
    if len(stripped) <= limit:
        return [stripped]

    parts: list[str] = []
    part_start: int | None = None
    part_end = 0
    for start, end in _sentence_spans(stripped):
        if part_start is not None and end - part_start <= limit:
            part_end = end
            continue
        if part_start is not None:
            parts.append(stripped[part_start:part_end])
            part_start = None
        if end - start <= limit:
            part_start, part_end = start, end
        else:
            parts.extend(_split_long_sentence(stripped[start:end], limit))
    if part_start is not None:
        parts.append(stripped[part_start:part_end])
    return [part.strip() for part in parts if part.strip()]
