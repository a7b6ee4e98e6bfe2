"""Bilingual (English/Russian) text normalisation for the offline evaluator.

Snowball stemmers (the `snowballstemmer` package: pure Python, its rules ship with it) plus
prefix and fuzzy comparison of stems stand in for full morphology: "индексы", "индексов" and
"индексами" all reduce to "индекс", and "indexing" to "index"; a typo or a rarer inflection is
caught by the prefix and fuzzy comparison. Each token is stemmed by its own script, so
mixed-language answers need no language detection.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer  # type: ignore[import-untyped]
from rapidfuzz import fuzz, process

# Identifiers such as pg_stat_statements or created_at stay one token.
TOKEN_RE = re.compile(r"[a-zа-я0-9]+(?:_[a-zа-я0-9]+)*(?:[+#]+)?")
CYRILLIC_RE = re.compile(r"[а-я]")
# Sentences end at . ! ? … or a line break; the span keeps the original text so quotes stay
# verbatim.
SENTENCE_RE = re.compile(r"[^.!?…\n]+(?:[.!?…]+|$|(?=\n))", re.MULTILINE)


def word_set(words: str) -> frozenset[str]:
    """Whitespace-separated words: long word lists stay readable as paragraphs."""
    return frozenset(words.split())


ENGLISH_STOP_WORDS = word_set(
    """
    a about above after again against all also am an and any anything are aren as at be
    because been before being below between both but by can cannot could did do does doing
    don down during each everything few for from further gave get give got had has have
    having he her here hers herself him himself his how i if in into is isn it its itself
    just let like made make me more most my myself no nor not now of off ok okay on once one
    ones only or other our ours ourselves out over own really same she should so some
    something such than that the their theirs them themselves then there these they thing
    things this those through to too under until up use used using very was wasn we well
    were what when where which while who whom why will with would yes you your yours
    yourself yourselves
    """
)

RUSSIAN_STOP_WORDS = word_set(
    """
    а без более больше будет будто бы был была были было быть в вам вас вдруг ведь во вообще
    вот впрочем все всегда всего всех всю всё вы где да даже два для до другой его ее ей ему
    если есть еще ещё её ж же за зачем здесь и из или им иногда их к как как-то какая какой
    когда конечно которая которое которые который которым которых кто куда ли лучше между
    меня мне много может можно мой моя мы на над надо наконец нас не него нее ней нельзя нет
    неё ни нибудь никогда ним них ничего но ну нужно о об один он она они опять от очень
    перед по под после потом потому почти при про просто раз разве с сам свою себе себя
    сейчас со совсем так также такой там тебя тем теперь типа то тогда того тоже только том
    тот три тут ты у уж уже хорошо хоть чего чем через что чтоб чтобы чуть эта эти этим этих
    это этого этой этом этот эту я
    """
)

STOP_WORDS = ENGLISH_STOP_WORDS | RUSSIAN_STOP_WORDS

MIN_STEM = 3
# Stems at least this long may match by shared prefix; Russian roots are often three letters
# ("кэш" / "кэширование", "баз" / "базовый"), English three-letter prefixes are too ambiguous.
MIN_PREFIX_MATCH = 4
MIN_RUSSIAN_PREFIX_MATCH = 3
BUCKET_PREFIX = 3
FUZZY_MIN_LENGTH = 5
FUZZY_CUTOFF = 84.0


def normalise(text: str) -> str:
    return text.lower().replace("ё", "е")


_RUSSIAN_STEMMER = snowballstemmer.stemmer("russian")
_ENGLISH_STEMMER = snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    if word.isdigit() or "_" in word or len(word) < MIN_STEM:
        return word
    if CYRILLIC_RE.search(word):
        return str(_RUSSIAN_STEMMER.stemWord(word))
    return str(_ENGLISH_STEMMER.stemWord(word))


def tokens(text: str) -> list[str]:
    return TOKEN_RE.findall(normalise(text))


def is_content_word(token: str) -> bool:
    if token in STOP_WORDS:
        return False
    return len(token) >= 2 or token.isdigit()


def content_stems(text: str) -> list[str]:
    return [stem(token) for token in tokens(text) if is_content_word(token)]


@lru_cache(maxsize=4096)
def content_stem_set(text: str) -> frozenset[str]:
    """Cached: key points, references and questions repeat across many evaluations."""
    return frozenset(content_stems(text))


def prefix_compatible(left: str, right: str) -> bool:
    shorter, longer = (left, right) if len(left) <= len(right) else (right, left)
    minimum = MIN_RUSSIAN_PREFIX_MATCH if CYRILLIC_RE.match(shorter) else MIN_PREFIX_MATCH
    if len(shorter) < minimum:
        return False
    if longer.startswith(shorter):
        return True
    # Russian verb and participle forms diverge after a long common root
    # ("использу-ет" / "использов-ать").
    common = 0
    for a, b in zip(shorter, longer, strict=False):
        if a != b:
            break
        common += 1
    return common >= 6 and common >= len(shorter) - 2


@dataclass(slots=True)
class StemIndex:
    """An answer's stems, bucketed by their first letters so prefix matching stays cheap."""

    stems: frozenset[str]
    by_prefix: dict[str, list[str]]
    stem_list: list[str]

    @classmethod
    def build(cls, stems: Iterable[str]) -> StemIndex:
        unique = frozenset(stems)
        by_prefix: dict[str, list[str]] = {}
        for item in unique:
            if len(item) >= BUCKET_PREFIX:
                by_prefix.setdefault(item[:BUCKET_PREFIX], []).append(item)
        return cls(unique, by_prefix, sorted(unique))

    def find(self, target: str, fuzzy: bool = True) -> str | None:
        """The answer stem matching `target`: exactly, by shared prefix, or within a typo."""
        if target in self.stems:
            return target
        if len(target) < BUCKET_PREFIX:
            return None
        for candidate in self.by_prefix.get(target[:BUCKET_PREFIX], ()):
            if prefix_compatible(target, candidate):
                return candidate
        if fuzzy and len(target) >= FUZZY_MIN_LENGTH and self.stem_list:
            found = process.extractOne(
                target, self.stem_list, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF
            )
            if found is not None:
                return str(found[0])
        return None


@dataclass(slots=True, frozen=True)
class Sentence:
    text: str
    start: int
    stems: frozenset[str]


def sentences(text: str) -> list[Sentence]:
    found: list[Sentence] = []
    for match in SENTENCE_RE.finditer(text):
        raw = match.group(0)
        stripped = raw.strip()
        if not stripped or not TOKEN_RE.search(normalise(stripped)):
            continue
        start = match.start() + (len(raw) - len(raw.lstrip()))
        found.append(Sentence(stripped, start, frozenset(content_stems(stripped))))
    return found


def cue_pattern(fragments: Iterable[str]) -> re.Pattern[str]:
    """One alternation over whole-word regex fragments (matched against normalised text).

    Fragments are regexes so a cue can cover a word family: `reduc\\w*`, `сократил\\w*`.
    Longest first, so longer cues win.
    """
    ordered = sorted(set(fragments), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(ordered) + r")(?![\w-])")
