"""Key points: crediting an answer that covers one in other words, and saying one in plain words.

A key point is a rubric line such as "Uses pg_stat_statements or slow query logs to confirm impact
before and after". Matching it against an answer word for word misses most real answers, so:

* the rubric's own verbs ("Explains that", "Упоминает, что") are dropped: no answer says them;
* words and phrases are compared by Snowball stem, by shared prefix and within a typo
  (`StemIndex.find`), and through a small thesaurus (`synonyms.py`): "weekly calls" covers
  "regular syncs", "before and after" is one idea however it is worded;
* alternatives count once: "pg_stat_statements or slow query logs" is covered by either one;
* examples count less: "(e.g. a boolean flag)" illustrates the point, it is not the point;
* words the question already contains count half, since repeating them proves little.

The point is covered when enough of its weight is found (see offline.KEY_POINT_COVERED_SHARE).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal

from services.interview.evaluation.synonyms import SYNONYM_GROUPS
from services.interview.evaluation.text import (
    BUCKET_PREFIX,
    CYRILLIC_RE,
    STOP_WORDS,
    TOKEN_RE,
    StemIndex,
    is_content_word,
    normalise,
    prefix_compatible,
    stem,
    tokens,
    word_set,
)

QUESTION_WORD_WEIGHT = 0.5
EXAMPLE_WEIGHT = 0.4
LEADING_VERB_WEIGHT = 0.5
MAX_PHRASE_WORDS = 5
# An unbracketed example ("such as rotation") covers this many words; a bracketed one runs to ")".
EXAMPLE_SPAN_WORDS = 2
MAX_ALTERNATIVE_WORDS = 3

# Rubric verbs that describe the candidate talking, not the content: "Explains that X" is X.
_META_VERBS_EN = (
    r"explains|mentions|notes|says|states|describes|names|defines|lists|recognises|recognizes"
    r"|identifies|knows|understands|points out|discusses"
)
_META_VERBS_RU = (
    r"объясняет|упоминает|отмечает|говорит|называет|описывает|определяет|перечисляет"
    r"|распознаёт|распознает|приводит|показывает|знает|понимает|указывает|подчёркивает"
    r"|подчеркивает|обсуждает|рассказывает"
)
META_LEAD_RE = re.compile(
    rf"^\s*(?:(?:{_META_VERBS_EN})(?:\s+(?:that|the fact that))?"
    rf"|(?:{_META_VERBS_RU})(?:\s*,?\s*что(?=\s))?)[\s,:]+",
    re.IGNORECASE,
)
# For matching only: weak leading verbs that carry no content of their own.
WEAK_LEAD_RE = re.compile(r"^\s*(?:uses|использует|применяет|applies)\s+", re.IGNORECASE)
EXAMPLE_MARKER_RE = re.compile(
    r"(?<![\w])(?:e\.\s?g\.|eg\.|for example|for instance|such as|say"
    r"|например|к примеру|вроде|такие как|такой как|скажем)(?![\w])",
    re.IGNORECASE,
)
OR_WORDS = frozenset({"or", "или", "либо"})
# Articles and possessives may sit inside an alternative ("a Docker image"); other function
# words end it ("slow query logs | to confirm").
ALTERNATIVE_GLUE = frozenset({"a", "an", "the", "its", "their", "his", "her", "our", "your"})
_PART_RE = re.compile(
    r"(?P<sep>[,;:()\[\]—–!?]|\.(?=\s|$)|\s-\s)|(?P<ex>\x01)|(?P<tok>" + TOKEN_RE.pattern + r")"
)


# --- the thesaurus ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Thesaurus:
    words: dict[str, frozenset[int]]
    by_prefix: dict[str, tuple[str, ...]]
    phrases: dict[tuple[str, ...], frozenset[int]]

    @classmethod
    def build(cls, groups: Iterable[str]) -> Thesaurus:
        words: dict[str, set[int]] = {}
        phrases: dict[tuple[str, ...], set[int]] = {}
        for concept, group in enumerate(groups):
            for term in group.split("|"):
                stems = tuple(stem(token) for token in tokens(term))
                if len(stems) == 1 and stems[0] not in STOP_WORDS:
                    words.setdefault(stems[0], set()).add(concept)
                elif 1 < len(stems) <= MAX_PHRASE_WORDS:
                    phrases.setdefault(stems, set()).add(concept)
        by_prefix: dict[str, list[str]] = {}
        for item in words:
            by_prefix.setdefault(item[:BUCKET_PREFIX], []).append(item)
        return cls(
            {item: frozenset(ids) for item, ids in words.items()},
            {prefix: tuple(items) for prefix, items in by_prefix.items()},
            {item: frozenset(ids) for item, ids in phrases.items()},
        )


THESAURUS = Thesaurus.build(SYNONYM_GROUPS)


@lru_cache(maxsize=65536)
def concepts_of(word_stem: str) -> frozenset[int]:
    """The thesaurus groups a stem belongs to: exactly, or as an inflection of a listed word."""
    found = set(THESAURUS.words.get(word_stem, ()))
    if len(word_stem) >= BUCKET_PREFIX:
        for listed in THESAURUS.by_prefix.get(word_stem[:BUCKET_PREFIX], ()):
            if listed != word_stem and prefix_compatible(listed, word_stem):
                found |= THESAURUS.words[listed]
    return frozenset(found)


def _phrases_in(stems: list[str]) -> Iterable[tuple[int, int, frozenset[int]]]:
    """(start, length, concepts) of every thesaurus phrase in a stem sequence, longest first."""
    for start in range(len(stems)):
        for length in range(min(MAX_PHRASE_WORDS, len(stems) - start), 1, -1):
            concepts = THESAURUS.phrases.get(tuple(stems[start : start + length]))
            if concepts:
                yield start, length, concepts
                break


@dataclass(frozen=True, slots=True)
class AnswerTerms:
    """What an answer says, for key-point matching: its stems and the ideas they name."""

    index: StemIndex
    concepts: frozenset[int]

    @classmethod
    def build(cls, text: str, index: StemIndex) -> AnswerTerms:
        concepts: set[int] = set()
        # Phrases run across sentence ends rarely enough that one stream of stems is fine.
        stems = [stem(token) for token in tokens(text)]
        for item in set(stems) - STOP_WORDS:
            concepts |= concepts_of(item)
        for _, _, found in _phrases_in(stems):
            concepts |= found
        return cls(index, frozenset(concepts))


# --- parsing a key point ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Unit:
    """One idea of a key point: a word, or a thesaurus phrase (all of whose words must appear)."""

    stems: tuple[str, ...]
    concepts: frozenset[int]
    weight: float

    def scaled(self, factor: float) -> Unit:
        return replace(self, weight=self.weight * factor)


@dataclass(frozen=True, slots=True)
class Slot:
    """A unit, or alternatives joined by "or" of which the best-covered one counts."""

    alternatives: tuple[tuple[Unit, ...], ...]

    @property
    def weight(self) -> float:
        weights = [sum(unit.weight for unit in option) for option in self.alternatives]
        return sum(weights) / len(weights)


# Marks an article among the stop words: alternatives may run across it.
_GLUE = Unit((), frozenset(), 0.0)


@dataclass(slots=True)
class _Element:
    kind: Literal["sep", "ex", "or", "stop", "unit"]
    unit: Unit | None = None
    in_brackets: bool = False


@lru_cache(maxsize=4096)
def parse_key_point(point: str, question_stems: frozenset[str]) -> tuple[Slot, ...]:
    normalised = normalise(point)
    stripped = META_LEAD_RE.sub("", normalised, count=1)
    text = WEAK_LEAD_RE.sub("", stripped, count=1)
    # A rubric line's leading verb ("Calculates sample size") is how the rubric phrases it; an
    # answer says "compute how many users", so the verb weighs less than its object (a meta
    # lead such as "Mentions" or a weak one such as "Uses" is dropped instead).
    leading_verb = normalised == stripped == text and _starts_with_verb(point)
    elements = _elements(EXAMPLE_MARKER_RE.sub(" \x01 ", text), question_stems)
    _weigh_examples(elements)
    _weigh_brackets(elements)
    if leading_verb:
        for element in elements:
            if element.kind == "unit" and element.unit is not None:
                element.unit = element.unit.scaled(LEADING_VERB_WEIGHT)
                break
    groups = _alternatives(elements)
    grouped = {id(unit) for group in groups for option in group for unit in option}
    slots = [
        Slot(((element.unit,),))
        for element in elements
        if element.unit is not None and id(element.unit) not in grouped
    ]
    slots.extend(Slot(group) for group in groups)
    return tuple(slot for slot in slots if slot.weight > 0)


def _elements(text: str, question_stems: frozenset[str]) -> list[_Element]:
    raw: list[tuple[str, str]] = []  # (kind, token)
    for match in _PART_RE.finditer(text):
        if match.group("sep"):
            raw.append(("sep", match.group("sep")))
        elif match.group("ex"):
            raw.append(("ex", ""))
        else:
            raw.append(("tok", match.group("tok")))
    elements: list[_Element] = []
    depth = 0
    position = 0
    while position < len(raw):
        kind, value = raw[position]
        if kind == "sep":
            depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(value, 0)
            depth = max(depth, 0)
            elements.append(_Element("sep", in_brackets=depth > 0))
            position += 1
            continue
        if kind == "ex":
            elements.append(_Element("ex", in_brackets=depth > 0))
            position += 1
            continue
        # A run of tokens: find thesaurus phrases in it first.
        end = position
        while end < len(raw) and raw[end][0] == "tok":
            end += 1
        words = [value for _, value in raw[position:end]]
        stems = [stem(word) for word in words]
        phrase_at: dict[int, tuple[int, frozenset[int]]] = {}
        covered_until = -1
        for start, length, concepts in _phrases_in(stems):
            if start > covered_until:
                phrase_at[start] = (length, concepts)
                covered_until = start + length - 1
        offset = 0
        while offset < len(words):
            if offset in phrase_at:
                length, concepts = phrase_at[offset]
                content = tuple(
                    stems[i] for i in range(offset, offset + length) if is_content_word(words[i])
                )
                weight = (
                    QUESTION_WORD_WEIGHT
                    if content and all(item in question_stems for item in content)
                    else 1.0
                )
                elements.append(
                    _Element("unit", Unit(content, concepts, weight), in_brackets=depth > 0)
                )
                offset += length
                continue
            word = words[offset]
            if word in OR_WORDS:
                elements.append(_Element("or", in_brackets=depth > 0))
            elif not is_content_word(word):
                glue = _GLUE if word in ALTERNATIVE_GLUE else None
                elements.append(_Element("stop", glue, in_brackets=depth > 0))
            else:
                word_stem = stems[offset]
                weight = QUESTION_WORD_WEIGHT if word_stem in question_stems else 1.0
                if word.isdigit():
                    weight *= EXAMPLE_WEIGHT  # "(0.05)", "137": details, not the idea
                unit = Unit((word_stem,), concepts_of(word_stem), weight)
                elements.append(_Element("unit", unit, in_brackets=depth > 0))
            offset += 1
        position = end
    return elements


def _weigh_examples(elements: list[_Element]) -> None:
    """Words after "e.g."/"например" weigh less: up to ")" when bracketed, else a few words."""
    index = 0
    while index < len(elements):
        if elements[index].kind != "ex":
            index += 1
            continue
        bracketed = elements[index].in_brackets
        seen = 0
        index += 1
        while index < len(elements):
            element = elements[index]
            if element.kind == "sep" and (not bracketed or not element.in_brackets):
                break
            if element.kind == "unit" and element.unit is not None:
                element.unit = element.unit.scaled(EXAMPLE_WEIGHT)
                seen += 1
                if not bracketed and seen >= EXAMPLE_SPAN_WORDS:
                    index += 1
                    break
            index += 1


def _weigh_brackets(elements: list[_Element]) -> None:
    """A bracketed aside ("(ANALYZE)", "(137 = OOMKilled ...)") details the point, like an example."""
    for element in elements:
        unit = element.unit
        # Not already weighed as an example.
        if element.in_brackets and unit is not None and unit.weight > EXAMPLE_WEIGHT:
            element.unit = unit.scaled(EXAMPLE_WEIGHT)


def _alternatives(elements: list[_Element]) -> list[tuple[tuple[Unit, ...], ...]]:
    groups: list[list[tuple[Unit, ...]]] = []
    for position, element in enumerate(elements):
        if element.kind != "or":
            continue
        right = _span(elements, position + 1, 1, MAX_ALTERNATIVE_WORDS)
        left = _span(elements, position - 1, -1, max(1, len(right)))
        if not left or not right:
            continue
        if groups and groups[-1][-1] == left:
            groups[-1].append(right)
        else:
            groups.append([left, right])
    return [tuple(group) for group in groups]


def _span(elements: list[_Element], start: int, step: int, limit: int) -> tuple[Unit, ...]:
    units: list[Unit] = []
    index = start
    while 0 <= index < len(elements) and len(units) < limit:
        element = elements[index]
        if element.kind == "unit" and element.unit is not None:
            units.append(element.unit)
        elif not (element.kind == "stop" and element.unit is _GLUE):
            break
        index += step
    return tuple(units) if step > 0 else tuple(reversed(units))


# --- matching ----------------------------------------------------------------------------------


@dataclass(slots=True)
class PointCoverage:
    share: float
    matched_stems: set[str]


def cover(point: str, question_stems: frozenset[str], answer: AnswerTerms) -> PointCoverage:
    """The weighted share of the key point's ideas that the answer expresses."""
    slots = parse_key_point(point, question_stems)
    total = sum(slot.weight for slot in slots)
    if not total:
        return PointCoverage(0.0, set())
    matched_stems: set[str] = set()
    credit = 0.0
    for slot in slots:
        best = 0.0
        for option in slot.alternatives:
            weight = sum(unit.weight for unit in option)
            if not weight:
                continue
            found = sum(unit.weight for unit in option if _unit_found(unit, answer, matched_stems))
            best = max(best, found / weight)
        credit += best * slot.weight
    return PointCoverage(credit / total, matched_stems)


def _unit_found(unit: Unit, answer: AnswerTerms, matched_stems: set[str]) -> bool:
    if unit.concepts & answer.concepts:
        for item in unit.stems:
            found = answer.index.find(item, fuzzy=False)
            if found is not None:
                matched_stems.add(found)
        return True
    if not unit.stems:
        return False
    found_all = [answer.index.find(item) for item in unit.stems]
    if any(found is None for found in found_all):
        return False
    matched_stems.update(found for found in found_all if found is not None)
    return True


# --- plain words -------------------------------------------------------------------------------

PointForm = Literal["topic", "action"]


@dataclass(frozen=True, slots=True)
class PlainPoint:
    """A key point as the user should read it.

    `topic` is a noun phrase or a statement ("every index slows down writes"), shown after "You
    didn't cover:"; `action` keeps the rubric's third-person verb ("adds a suitable index"), shown
    after "A strong answer also ...", since turning it into a gerund needs real morphology.
    """

    text: str
    form: PointForm


# Leading verbs whose object is the content ("Adds a suitable index"): the action form.
_EN_NOUN_FOLLOWERS = word_set(
    """
    are were do don't can cannot can't must should will would may might need have take share
    run keep let make allow help slow speed cost become get live stay work only also never
    always often usually rarely and or of in on with for per from to is
    """
)
_RU_VERB_RE = re.compile(r"^(?:не\s+)?[а-яё-]+(?:ет|ёт|ит|ется|ётся|ится)$")
_RU_NOT_VERBS = word_set(
    "бюджет объект пакет секрет совет ответ предмет билет кредит лимит аудит транзит бит сет"
)
_RU_LEAD_ADVERB_RE = re.compile(r"^(?:[а-яё]+(?:но|ко|ее|ло)|сначала|сразу|всегда|заранее|не)$")
_EN_LEAD_ADVERB_RE = re.compile(r"^(?:[a-z]+ly|first|then|always|never|also|only)$")


def plain_key_point(point: str) -> PlainPoint:
    """The key point without rubric-speak: "Mentions that X" → X; "Adds Y" keeps its verb."""
    text = " ".join(point.split()).rstrip(" .;")
    if not text:
        return PlainPoint("", "topic")
    stripped = META_LEAD_RE.sub("", text, count=1)
    if stripped != text and stripped and not _has_coordinated_verb(stripped):
        return PlainPoint(_lower_first(stripped), "topic")
    if _starts_with_verb(text):
        return PlainPoint(_lower_first(text), "action")
    return PlainPoint(_lower_first(text), "topic")


def _words(text: str) -> list[str]:
    return [word.strip(",;:()«»\"'") for word in text.split()]


def _is_russian_verb(word: str) -> bool:
    word = normalise(word)
    return bool(_RU_VERB_RE.match(word)) and word not in _RU_NOT_VERBS


def _is_english_verb(word: str, following: str | None) -> bool:
    word = word.lower()
    if not word.isalpha() or not word.endswith("s") or word.endswith(("ss", "us", "is")):
        return False
    return following is None or following.lower() not in _EN_NOUN_FOLLOWERS


def _starts_with_verb(text: str) -> bool:
    words = _words(text)
    if not words:
        return False
    first, second = words[0], (words[1] if len(words) > 1 else None)
    third = words[2] if len(words) > 2 else None
    if CYRILLIC_RE.search(normalise(first)):
        if _is_russian_verb(first):
            return True
        return (
            second is not None
            and bool(_RU_LEAD_ADVERB_RE.match(normalise(first)))
            and _is_russian_verb(second)
        )
    if first[:1].isupper() and _is_english_verb(first, second):
        return True
    return (
        second is not None
        and bool(_EN_LEAD_ADVERB_RE.match(first.lower()))
        and _is_english_verb(second, third)
    )


COORDINATED_META_VERB_RE = re.compile(
    rf"(?:,|\band|\bи|\bа)\s+(?:{_META_VERBS_EN}|{_META_VERBS_RU})\b"
)


def _has_coordinated_verb(text: str) -> bool:
    """ "a concrete conflict and explains own actions": the meta verb cannot simply be dropped."""
    return bool(COORDINATED_META_VERB_RE.search(normalise(text)))


def _lower_first(text: str) -> str:
    """Lower-cases an ordinary first word; names and acronyms (EXPLAIN, ReLU, B-tree) keep case."""
    first = text.split(maxsplit=1)[0]
    letters = [char for char in first if char.isalpha()]
    if len(letters) < 2 or any(char.isupper() for char in letters[1:]):
        return text
    if not first[0].isupper() or "-" in first or "_" in first or any(c.isdigit() for c in first):
        return text
    return first[0].lower() + text[1:]
