"""Filler words, in one place: what counts, in which spellings, and in which positions.

The lists follow the reference: English um, uh, er, ah, hmm, like, you know, I mean, basically,
actually, literally, so, well, kind of, sort of; Russian ну, короче, как бы, типа, это самое,
э-э, собственно, так сказать, на самом деле, в общем, получается, вот, блин.

Hesitation sounds are counted in any spelling (umm, uhh, erm, hm, mm; э, ээ, э-э-э, эм, мм,
а-а) under one name. Words that are fillers only in some uses are counted only where a
transcript shows that use, by punctuation around them (Whisper punctuates, hosted or offline)
and by the word before or after:

- "like": only before a punctuation mark ("it was, like, huge", "Like, I think"), never after
  a subject or a verb ("I like", "would like", "looks like"); "things like that" is not one.
- "so", "well": at the start of a sentence (a hesitation before them counts as one: "Um, so")
  or set off by commas ("..., well, ..."), not "so that", "so much", "well known";
  mid-sentence "..., so we added" is a conjunction.
- "you know", "I mean": only before a punctuation mark (and "I mean" also at a clause start),
  not "do you know how", "what I mean is", "I mean it".
- "kind of", "sort of": not after an article or a determiner ("a kind of index").
- "короче", "получается": at the start of a clause, not "стал короче", "не получается".
- "типа": at the start of a clause or before a punctuation mark, not "индекс типа B-tree",
  "такого типа"; "в общем": likewise, not "в общем случае".
- "вот", "это самое": only before a punctuation mark ("Вот.", "вот, например"), not "вот этот",
  "это самое главное"; "как бы": not "как бы я это сделал", "как бы то ни было".

Precision over recall: a filler used mid-clause without punctuation ("it was like really
fast") is missed rather than counting every "like".
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from services.speech.transcript import normalize_language


class Where(StrEnum):
    SENTENCE_START = "sentence-start"  # the first word, or after . ! ? …
    CLAUSE_START = "clause-start"  # the first word, or after any punctuation mark
    BEFORE_PUNCTUATION = "before-punctuation"  # followed by a punctuation mark or the end
    SET_OFF = "set-off"  # both a clause start and before a punctuation mark: ", well, "


@dataclass(frozen=True)
class Filler:
    name: str  # how it is reported
    forms: tuple[str, ...]  # spellings, lower case; phrases with single spaces
    # Empty: a filler wherever it occurs; otherwise only in one of these positions.
    where: frozenset[Where] = frozenset()
    not_after: frozenset[str] = frozenset()  # the previous word makes it a plain word
    not_before: frozenset[str] = frozenset()  # the next word makes it a plain word
    not_after_endings: tuple[str, ...] = ()  # likewise, by the previous word's ending


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


EN_PRONOUNS = _words("i you we they he she it people i'd you'd we'd they'd")
EN_FILLERS: tuple[Filler, ...] = (
    Filler("um", ("um",)),
    Filler("uh", ("uh",)),
    Filler("er", ("er",)),
    Filler("ah", ("ah",)),
    Filler("hmm", ("hmm",)),
    Filler(
        "like",
        ("like",),
        where=frozenset({Where.BEFORE_PUNCTUATION}),
        not_after=EN_PRONOUNS
        | _words(
            "would do does did don't doesn't didn't to not really also will 'll might could "
            "should look looks looked feel feels felt seem seems seemed sound sounds sounded "
            "something anything nothing more much just what"
        ),
    ),
    Filler(
        "you know",
        ("you know",),
        where=frozenset({Where.BEFORE_PUNCTUATION}),
        not_after=_words("do did don't didn't if as would will whether"),
    ),
    Filler(
        "I mean",
        ("i mean",),
        where=frozenset({Where.BEFORE_PUNCTUATION, Where.CLAUSE_START}),
        not_after=_words("what what's"),
        not_before=_words("it that what to is was by"),
    ),
    Filler("basically", ("basically",)),
    Filler("actually", ("actually",)),
    Filler("literally", ("literally",)),
    Filler(
        "so",
        ("so",),
        where=frozenset({Where.SENTENCE_START, Where.SET_OFF}),
        not_before=_words("that much many far long called on forth to as"),
    ),
    Filler(
        "well",
        ("well",),
        where=frozenset({Where.SENTENCE_START, Where.SET_OFF}),
        not_before=_words(
            "known done suited defined designed written tested established aware as "
            "structured documented"
        ),
    ),
    Filler(
        "kind of",
        ("kind of", "kinda"),
        not_after=_words(
            "a an the this that what which any some every each one same different other "
            "another these those no first new right wrong that's what's"
        ),
    ),
    Filler(
        "sort of",
        ("sort of", "sorta"),
        not_after=_words(
            "a an the this that what which any some every each one same different other "
            "another these those no first new right wrong that's what's"
        ),
    ),
)

RU_FILLERS: tuple[Filler, ...] = (
    Filler("ну", ("ну",)),
    Filler("короче", ("короче",), where=frozenset({Where.CLAUSE_START}), not_before=_words("чем")),
    Filler(
        "как бы",
        ("как бы",),
        not_before=_words("я ты вы мы он она оно они то не ни нам вам мне тебе ему ей им"),
    ),
    Filler(
        "типа",
        ("типа",),
        where=frozenset({Where.CLAUSE_START, Where.BEFORE_PUNCTUATION}),
        not_before=_words("данных"),
        not_after_endings=("ого", "его"),
    ),
    Filler("это самое", ("это самое",), where=frozenset({Where.BEFORE_PUNCTUATION})),
    Filler("э-э", ("э-э",)),
    Filler("собственно", ("собственно",)),
    Filler("так сказать", ("так сказать",)),
    Filler("на самом деле", ("на самом деле",)),
    Filler(
        "в общем",
        ("в общем",),
        where=frozenset({Where.CLAUSE_START, Where.BEFORE_PUNCTUATION}),
        not_before=_words("случае виде смысле плане доступе объеме масштабе"),
    ),
    Filler(
        "получается",
        ("получается",),
        where=frozenset({Where.CLAUSE_START}),
        not_before=_words("быстрее медленнее лучше хуже так не"),
    ),
    Filler("вот", ("вот",), where=frozenset({Where.BEFORE_PUNCTUATION})),
    Filler("блин", ("блин",)),
)

FILLERS: dict[str, tuple[Filler, ...]] = {"en": EN_FILLERS, "ru": RU_FILLERS}

# Spellings of hesitation sounds, folded into one form before matching.
HESITATIONS: dict[str, tuple[tuple[re.Pattern[str], str], ...]] = {
    "en": (
        (re.compile(r"u+h*m+"), "um"),  # um, umm, uhm
        (re.compile(r"u+h+"), "uh"),  # uh, uhh
        (re.compile(r"e+r+m*"), "er"),  # er, err, erm
        (re.compile(r"a+h+"), "ah"),  # ah, ahh
        (re.compile(r"h+m+|m{2,}"), "hmm"),  # hm, hmm, mm, mmm
    ),
    "ru": (
        (re.compile(r"э+(?:-э+)*|э+м+|м{2,}|а+(?:-а+)+"), "э-э"),  # э, ээ, э-э-э, эм, мм, а-а
    ),
}

HESITATION_FORMS = frozenset(form for patterns in HESITATIONS.values() for _, form in patterns)

TOKEN_RE = re.compile(
    r"(?P<word>\w+(?:['-]\w+)*)|(?P<stop>[.!?…]+)|(?P<pause>[,;:()\"«»“”„—–]|(?<!\w)-(?!\w))"
)


@dataclass(frozen=True)
class Token:
    kind: str  # "word", "stop" (ends a sentence) or "pause" (any other punctuation)
    text: str


# Phrases by their first word, longest first.
PhraseIndex = dict[str, list[tuple[tuple[str, ...], Filler]]]


def tokenize(text: str, language: str) -> list[Token]:
    """Words (lower case, ё as е, hesitations folded) and punctuation marks, in order."""
    folded = text.lower().replace("’", "'").replace("ё", "е")
    hesitations = HESITATIONS.get(normalize_language(language), ())
    tokens: list[Token] = []
    for match in TOKEN_RE.finditer(folded):
        kind = match.lastgroup or "pause"
        value = match.group()
        if kind == "word":
            for pattern, form in hesitations:
                if pattern.fullmatch(value):
                    value = form
                    break
        tokens.append(Token(kind, value))
    return tokens


def _index(fillers: Iterable[Filler]) -> PhraseIndex:
    index: PhraseIndex = {}
    for filler in fillers:
        for form in filler.forms:
            words = tuple(form.split())
            index.setdefault(words[0], []).append((words, filler))
    for candidates in index.values():
        candidates.sort(key=lambda candidate: -len(candidate[0]))  # longest phrase first
    return index


INDEXES: dict[str, PhraseIndex] = {
    language: _index(fillers) for language, fillers in FILLERS.items()
}


def _counts_here(
    filler: Filler, before: Token | None, after: Token | None, *, after_hesitation: bool
) -> bool:
    if (
        before is not None
        and before.kind == "word"
        and (before.text in filler.not_after or before.text.endswith(filler.not_after_endings))
    ):
        return False
    if after is not None and after.kind == "word" and after.text in filler.not_before:
        return False
    if not filler.where:
        return True
    sentence_start = before is None or before.kind == "stop" or after_hesitation
    clause_start = before is None or before.kind != "word"
    before_punctuation = after is None or after.kind != "word"
    positions = {
        Where.SENTENCE_START: sentence_start,
        Where.CLAUSE_START: clause_start,
        Where.BEFORE_PUNCTUATION: before_punctuation,
        Where.SET_OFF: clause_start and before_punctuation,
    }
    return any(positions[where] for where in filler.where)


def _follows_hesitation(tokens: list[Token], position: int) -> bool:
    """Whether the previous word, punctuation aside, is a hesitation sound ("Um, so ...")."""
    for token in reversed(tokens[:position]):
        if token.kind == "word":
            return token.text in HESITATION_FORMS
        if token.kind == "stop":
            return False
    return False


def find_fillers(text: str, language: str) -> list[str]:
    """The fillers in `text`, by name, in the order they occur (none for other languages)."""
    index = INDEXES.get(normalize_language(language))
    if index is None:
        return []
    tokens = tokenize(text, language)
    found: list[str] = []
    position = 0
    while position < len(tokens):
        token = tokens[position]
        matched = 0
        if token.kind == "word":
            for words, filler in index.get(token.text, ()):
                end = position + len(words)
                span = tokens[position:end]
                if len(span) != len(words) or any(
                    part.kind != "word" or part.text != word
                    for part, word in zip(span, words, strict=True)
                ):
                    continue
                before = tokens[position - 1] if position else None
                after = tokens[end] if end < len(tokens) else None
                if _counts_here(
                    filler, before, after, after_hesitation=_follows_hesitation(tokens, position)
                ):
                    found.append(filler.name)
                    matched = len(words)
                    break
        position += matched or 1
    return found


def count_fillers(text: str, language: str) -> Counter[str]:
    """How many times each filler occurs in `text` (see the module docstring for the rules)."""
    return Counter(find_fillers(text, language))
