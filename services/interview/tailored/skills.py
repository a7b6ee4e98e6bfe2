"""Finding skills in a resume or a job description without a model.

Two sources make one dictionary: the question bank's skills (key → title in English and
Russian, matched by word stems so "кэширования" finds "Кэширование") and a built-in list of
common technologies (matched by spelling, since "Go" and "C#" are not ordinary words). A
technology may point at bank skills ("Kafka" → message queues), so bank questions can be
picked for it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from services.interview.evaluation.text import normalise, stem
from services.interview.tailored.schema import BankSkills

# Words are letters/digits with an optional +/# tail (C++, C#), as the evaluator tokenises.
WORD_RE = re.compile(r"[a-zа-я0-9]+(?:[+#]+)?")
# A title is split into pieces a vacancy would actually write: "Docker and container images"
# → "Docker", "container images"; "Scripting (Bash, Python)" → "Scripting", "Bash", "Python".
TITLE_SPLIT_RE = re.compile(r"\s+(?:and|и|&)\s+|[(),;]|\s+/\s+", re.IGNORECASE)
# One-word pieces too generic to count as a skill on their own.
GENERIC_PIECES = frozenset(
    {
        "basics",
        "delivery",
        "events",
        "execution",
        "giving",
        "isolation",
        "layout",
        "market",
        "metrics",
        "others",
        "planning",
        "process",
        "receiving",
        "основы",
        "другие",
        "процесс",
    }
)
MIN_SINGLE_WORD_PIECE = 3


@dataclass(frozen=True, slots=True)
class Technology:
    name: str
    pattern: str  # a regex matched case-insensitively between word boundaries
    bank_keys: tuple[str, ...] = ()
    case_sensitive: bool = False
    russian_name: str | None = None
    # "microservices" is an ordinary noun inside a sentence, unlike "PostgreSQL".
    common_noun: bool = False

    def display(self, language: str) -> str:
        return self.russian_name if language == "ru" and self.russian_name else self.name


def _tech(
    name: str,
    pattern: str | None = None,
    *keys: str,
    case_sensitive: bool = False,
    ru: str | None = None,
    common_noun: bool = False,
) -> Technology:
    return Technology(name, pattern or re.escape(name), keys, case_sensitive, ru, common_noun)


TECHNOLOGIES: tuple[Technology, ...] = (
    # Languages
    _tech("Python", None, "scripting"),
    _tech("Go", r"Go(?:lang)?|GoLang", case_sensitive=True),
    _tech("Golang", r"golang"),
    _tech("Java", r"java(?!\s*script)"),
    _tech("Kotlin", None, "android"),
    _tech("Swift", r"swift(?!ui)", "ios"),
    _tech("Rust"),
    _tech("C++", r"c\+\+"),
    _tech("C#", r"c#"),
    _tech(".NET", r"(?:asp)?\.net|dotnet"),
    _tech("PHP"),
    _tech("Ruby", r"ruby(?:\s+on\s+rails)?|rails"),
    _tech("Scala"),
    _tech("JavaScript", r"javascript|js|ecmascript|es6", "javascript_core"),
    _tech("TypeScript", None, "typescript"),
    _tech("SQL", r"sql", "sql"),
    _tech("Bash", r"bash|shell", "scripting"),
    # Web and mobile frameworks
    _tech("React Native", r"react\s+native", "ui_development"),
    _tech("React", r"react(?:\.?js)?(?!\s+native)", "react"),
    _tech("Redux", None, "state_management"),
    _tech("Vue", r"vue(?:\.?js)?"),
    _tech("Angular"),
    _tech("Next.js", r"next\.?js"),
    _tech("Node.js", r"node\.?js", "async_io"),
    _tech("Node.js", r"Node", "async_io", case_sensitive=True),
    _tech("HTML", r"html5?"),
    _tech("CSS", r"css3?|scss|sass", "css_layout"),
    _tech("Webpack", r"webpack|vite", "build_tooling"),
    _tech("Django"),
    _tech("FastAPI", None, "api_design"),
    _tech("Flask"),
    _tech("Spring", r"spring(?:\s+boot)?"),
    _tech("asyncio", r"asyncio|aiohttp", "async_io"),
    _tech("Celery", None, "messaging"),
    _tech("SwiftUI", None, "ios", "ui_development"),
    _tech("UIKit", None, "ios", "ui_development"),
    _tech("Jetpack Compose", r"jetpack\s+compose", "android", "ui_development"),
    _tech("Flutter"),
    _tech("Android", None, "android"),
    _tech("iOS", None, "ios"),
    # Data stores and messaging
    _tech("PostgreSQL", r"postgre(?:sql|s)|постгрес\w*", "sql"),
    _tech("MySQL", None, "sql"),
    _tech("ClickHouse", None, "sql"),
    _tech("MongoDB", r"mongo(?:db)?"),
    _tech("Redis", None, "caching"),
    _tech("Elasticsearch", r"elasticsearch|elk|opensearch"),
    _tech("Cassandra"),
    _tech("Kafka", None, "messaging"),
    _tech("RabbitMQ", None, "messaging"),
    # APIs and architecture
    _tech(
        "REST",
        r"REST(?:ful)?(?:\s+API)?|[Rr]estful",
        "http_rest",
        "api_design",
        case_sensitive=True,
    ),
    _tech("gRPC", None, "api_design"),
    _tech("GraphQL", None, "api_design"),
    _tech(
        "Microservices",
        r"micro-?services?|микросервис\w*",
        "distributed_systems",
        ru="Микросервисы",
        common_noun=True,
    ),
    # Infrastructure
    _tech("Linux", None, "linux"),
    _tech("Docker", None, "docker"),
    _tech("Kubernetes", r"kubernetes|k8s", "kubernetes"),
    _tech("Helm", None, "kubernetes"),
    _tech("Terraform", None, "iac"),
    _tech("Ansible", None, "iac"),
    _tech("AWS", r"aws|amazon\s+web\s+services", "cloud"),
    _tech("GCP", r"gcp|google\s+cloud", "cloud"),
    _tech("Azure", None, "cloud"),
    _tech("Yandex Cloud", r"yandex\s+cloud|яндекс\s+облак\w*", "cloud"),
    _tech("CI/CD", r"ci\s*/\s*cd", "ci_cd"),
    _tech("Jenkins", None, "ci_cd"),
    _tech("GitLab CI", r"gitlab(?:\s+ci)?", "ci_cd"),
    _tech("GitHub Actions", r"github\s+actions", "ci_cd"),
    _tech("Git"),
    _tech("Nginx"),
    _tech("Prometheus", None, "monitoring", "observability"),
    _tech("Grafana", None, "monitoring", "observability"),
    _tech("OpenTelemetry", None, "observability"),
    # Testing
    _tech("pytest", None, "test_frameworks"),
    _tech("Selenium", None, "ui_automation"),
    _tech("Playwright", None, "ui_automation"),
    _tech("Cypress", None, "ui_automation"),
    _tech("Jest", None, "testing"),
    _tech("Postman", None, "api_testing"),
    _tech("JMeter", r"jmeter|locust|k6", "performance_testing"),
    # Data and ML
    _tech("Pandas", None, "data_preparation"),
    _tech("NumPy"),
    _tech("scikit-learn", r"scikit-learn|sklearn", "classical_ml"),
    _tech("PyTorch", None, "neural_networks"),
    _tech("TensorFlow", None, "neural_networks"),
    _tech("Airflow", None, "data_pipelines"),
    _tech("Spark", r"spark|pyspark", "data_pipelines"),
    _tech("MLflow", None, "reproducibility"),
    _tech("LLM", r"llms?", "nlp"),
    # Product
    _tech("Figma"),
    _tech("Amplitude", r"amplitude|mixpanel", "analytics"),
    _tech("Tableau", r"tableau|power\s+bi|metabase|superset", "analytics"),
)


@dataclass(frozen=True, slots=True)
class SkillHit:
    name: str  # display name in the plan's language
    keys: tuple[str, ...]  # bank skill keys
    position: int  # first character offset in the text
    end: int
    technology: bool = False  # a technology's name rather than a bank skill's title

    def inline_name(self) -> str:
        """The name inside a sentence: "indexing and query tuning", but "PostgreSQL", "SQL"."""
        first_word = self.name.split(" ", 1)[0]
        if self.technology or len(first_word) < 2 or not first_word[1:].islower():
            return self.name
        return self.name[0].lower() + self.name[1:]


@dataclass(slots=True)
class _Phrase:
    stems: tuple[str, ...]
    key: str


@dataclass
class SkillMatcher:
    """The skill dictionary; `find` lists the skills a text mentions in reading order."""

    bank_skills: BankSkills
    _phrases_by_first_stem: dict[str, list[_Phrase]] = field(default_factory=dict)
    _technologies: list[tuple[Technology, re.Pattern[str]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for key, titles in self.bank_skills.items():
            for title in titles.values():
                for piece in _title_pieces(title):
                    stems = tuple(stem(word) for word in WORD_RE.findall(normalise(piece)))
                    if stems:
                        phrases = self._phrases_by_first_stem.setdefault(stems[0], [])
                        phrases.append(_Phrase(stems, key))
        for technology in TECHNOLOGIES:
            flags = 0 if technology.case_sensitive else re.IGNORECASE
            pattern = re.compile(rf"(?<![\w+#.])(?:{technology.pattern})(?![\w+#]|\.\w)", flags)
            self._technologies.append((technology, pattern))

    def title(self, key: str, language: str) -> str:
        titles = self.bank_skills.get(key, {})
        return titles.get(language) or titles.get("en") or next(iter(titles.values()), key)

    def find(self, text: str, language: str) -> list[SkillHit]:
        found: list[SkillHit] = []
        for technology, pattern in self._technologies:
            match = pattern.search(text)
            if match:
                keys = tuple(key for key in technology.bank_keys if key in self.bank_skills)
                found.append(
                    SkillHit(
                        technology.display(language),
                        keys,
                        match.start(),
                        match.end(),
                        technology=not technology.common_noun,
                    )
                )
        for key, (start, end) in self._bank_matches(text).items():
            # A bank skill found inside a technology's name ("Kubernetes", "Swift" in "iOS
            # (Swift)") is that technology: the key goes on it instead of a second entry.
            overlapping = next(
                (i for i, hit in enumerate(found) if start < hit.end and hit.position < end),
                None,
            )
            if overlapping is None:
                found.append(SkillHit(self.title(key, language), (key,), start, end))
            elif key not in found[overlapping].keys:
                hit = found[overlapping]
                found[overlapping] = SkillHit(
                    hit.name, (*hit.keys, key), hit.position, hit.end, hit.technology
                )
        found.sort(key=lambda hit: hit.position)
        return _dedupe(found)

    def _bank_matches(self, text: str) -> dict[str, tuple[int, int]]:
        """Bank skill key → the span of its first mention, matched by word stems."""
        words = [
            (stem(match.group(0)), match.start(), match.end())
            for match in WORD_RE.finditer(normalise(text))
        ]
        first_seen: dict[str, tuple[int, int]] = {}
        for index, (word_stem, _, _) in enumerate(words):
            for phrase in self._phrases_by_first_stem.get(word_stem, ()):
                size = len(phrase.stems)
                if phrase.key in first_seen:
                    continue
                if tuple(word[0] for word in words[index : index + size]) != phrase.stems:
                    continue
                first_seen[phrase.key] = (words[index][1], words[index + size - 1][2])
        return first_seen


def _title_pieces(title: str) -> list[str]:
    pieces = [title]
    for part in TITLE_SPLIT_RE.split(title):
        part = part.strip()
        words = WORD_RE.findall(normalise(part))
        if not words or part == title:
            continue
        if len(words) == 1 and (
            len(words[0]) < MIN_SINGLE_WORD_PIECE or words[0] in GENERIC_PIECES
        ):
            continue
        pieces.append(part)
    return pieces


def _dedupe(hits: Iterable[SkillHit]) -> list[SkillHit]:
    """One hit per display name (two patterns may name one technology), keys merged."""
    named: dict[str, SkillHit] = {}
    for hit in hits:
        folded = hit.name.casefold()
        previous = named.get(folded)
        if previous is None:
            named[folded] = hit
            continue
        keys = previous.keys + tuple(key for key in hit.keys if key not in previous.keys)
        named[folded] = SkillHit(
            previous.name, keys, previous.position, previous.end, previous.technology
        )
    return list(named.values())
