"""What the offline planner reads out of a resume and a job description, by plain rules.

Seniority comes from the vacancy first (the interview should match the job, not the
candidate's current title), then from the resume. Requirements are the vacancy's lines under a
"Requirements" / "Требования" heading, or its bullet lines that sound like requirements.
Projects are resume lines that describe work done: bullets, "project" / "проект", achievement
verbs, company lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from services.interview.tailored.schema import Seniority
from services.interview.tailored.skills import SkillHit, SkillMatcher

MAX_REQUIREMENTS = 10
MAX_PROJECTS = 5
MAX_LINE_CHARS = 200
MAX_PROJECT_CHARS = 160
MIN_LINE_CHARS = 12
TITLE_LINES = 3

BULLET_RE = re.compile(r"^\s*(?:[-–—•·▪●◦*►✓✔]|\d{1,2}[.)])\s*")
SENTENCE_END_RE = re.compile(r"[.;!?:]$")

SENIORITY_WORDS: tuple[tuple[Seniority, re.Pattern[str]], ...] = tuple(
    (level, re.compile(rf"(?<![\w-])(?:{pattern})(?![\w-])", re.IGNORECASE))
    for level, pattern in (
        (
            Seniority.SENIOR,
            r"senior|sr\.?|lead|team\s*lead|tech\s*lead|principal|staff\s+engineer|architect"
            r"|head\s+of|сеньор\w*|синьор\w*|старш\w+|ведущ\w+|тимлид\w*|техлид\w*|лид"
            r"|архитектор\w*",
        ),
        (Seniority.MIDDLE, r"middle\+?|mid-level|mid|intermediate|мидл\w*|миддл\w*"),
        (
            Seniority.JUNIOR,
            r"junior|jr\.?|intern|internship|trainee|entry[- ]level|graduate|джун\w*"
            r"|джуниор\w*|младш\w+|стаж[её]р\w*|стажировк\w+",
        ),
    )
)
EXPERIENCE_CUE_RE = re.compile(r"experienc|опыт|стаж|commercial|коммерческ", re.IGNORECASE)
YEARS_RE = re.compile(
    r"(?<!\d)(\d{1,2})(?:[.,]\d)?\s*\+?\s*(?:[-–]\s*\d{1,2}\s*)?"
    r"(?:years?|yrs?|лет|года?|год)(?![a-zа-я])",
    re.IGNORECASE,
)
YEAR_RANGE_RE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*[-–—]\s*((?:19|20)\d{2}|present|now|current|today"
    r"|настоящ\w*|н\.\s*в\.|сейчас|по\s+н\.\s*в\.)",
    re.IGNORECASE,
)

# Headings that open the vacancy's requirements, and headings that close any section.
REQUIREMENT_HEADING_RE = re.compile(
    r"^(?:requirements?|qualifications?|what\s+we\s+(?:expect|are\s+looking\s+for)"
    r"|what\s+you(?:'ll)?\s+(?:need|bring|have)|you\s+(?:have|should\s+have|will\s+need)"
    r"|must[- ]haves?|nice[- ]to[- ]haves?|skills|key\s+skills|about\s+you|who\s+you\s+are"
    r"|it'?s?\s+a\s+plus|bonus\s+points|требования|что\s+мы\s+ж(?:дём|дем)"
    r"|мы\s+ожидаем|ожидаем|ожидания|наши\s+ожидания|что\s+(?:нужно|важно)"
    r"|необходимые\s+навыки|ключевые\s+навыки|навыки|от\s+вас|будет\s+плюсом"
    r"|будет\s+преимуществом|кого\s+мы\s+ищем|мы\s+ищем)\b[^:\n]{0,30}:?\s*(.*)$",
    re.IGNORECASE,
)
OTHER_HEADING_RE = re.compile(
    r"^(?:responsibilities|duties|what\s+you(?:'ll)?\s+do|your\s+tasks|tasks|we\s+offer"
    r"|what\s+we\s+offer|benefits|perks|about\s+(?:us|the\s+company|the\s+team)|conditions"
    r"|обязанности|задачи|чем\s+(?:предстоит|нужно)\s+заниматься|что\s+делать"
    r"|мы\s+предлагаем|что\s+мы\s+предлагаем|условия|о\s+компании|о\s+нас|о\s+команде"
    r"|бонусы|преимущества\s+работы)\b[^:\n]{0,30}:?\s*$",
    re.IGNORECASE,
)
REQUIREMENT_CUE_RE = re.compile(
    r"experienc|knowledge|understand|proficien|familiar|abilit|skills?\b|expert|fluent"
    r"|hands-on|degree|опыт|знани|понимани|умени|владени|навык|уверенн",
    re.IGNORECASE,
)

PROJECT_WORD_RE = re.compile(r"project|проект", re.IGNORECASE)
ACHIEVEMENT_VERB_RE = re.compile(
    r"(?<![\w-])(?:developed|built|designed|implemented|created|launched|led|migrated"
    r"|automated|optimi[sz]ed|reduced|increased|improved|wrote|integrated|shipped"
    r"|delivered|introduced|architected|maintained|refactored|scaled"
    r"|разработал\w*|создал\w*|внедрил\w*|реализовал\w*|построил\w*|запустил\w*"
    r"|спроектировал\w*|мигрировал\w*|перев[её]л\w*|автоматизировал\w*|оптимизировал\w*"
    r"|сократил\w*|ускорил\w*|написал\w*|настроил\w*|руководил\w*|участвовал\w*"
    r"|улучшил\w*|интегрировал\w*|вывел\w*|переписал\w*|поддерживал\w*)(?![\w-])",
    re.IGNORECASE,
)
COMPANY_RE = re.compile(
    r"(?<![\w-])(?:llc|inc\.?|ltd\.?|gmbh|corp\.?|ооо|оао|зао|пао|ао|ип)(?![\w-])",
    re.IGNORECASE,
)
CONTACT_RE = re.compile(r"@|https?://|www\.|\+?\d[\d\s()-]{8,}\d|linkedin|github\.com|t\.me")
RESUME_HEADING_RE = re.compile(
    r"^(?:experience|work\s+experience|professional\s+experience|projects|education|skills"
    r"|technical\s+skills|summary|about\s+me|contacts?|languages|certificat\w*|courses"
    r"|опыт\s+работы|опыт|проекты|образование|навыки|ключевые\s+навыки|о\s+себе|контакты"
    r"|языки|курсы|сертификаты)\s*:?$",
    re.IGNORECASE,
)
SKILLS_SECTION_RE = re.compile(
    r"^(?:skills|technical\s+skills|tech\s+stack|stack|навыки|ключевые\s+навыки|стек"
    r"|технологии)\s*:",
    re.IGNORECASE,
)


@dataclass
class ExtractedProfile:
    skills: list[SkillHit] = field(default_factory=list)
    required_skills: list[SkillHit] = field(default_factory=list)  # named by the vacancy
    resume_skill_names: set[str] = field(default_factory=set)  # casefolded
    seniority: Seniority | None = None
    requirements: list[str] = field(default_factory=list)
    projects: list[str] = field(default_factory=list)
    job_title: str | None = None
    job_description: str = ""

    @property
    def skill_names(self) -> list[str]:
        return [hit.name for hit in self.skills]

    @property
    def skill_keys(self) -> list[str]:
        keys: list[str] = []
        for hit in self.skills:
            keys.extend(key for key in hit.keys if key not in keys)
        return keys

    def in_resume(self, hit: SkillHit) -> bool:
        return hit.name.casefold() in self.resume_skill_names

    def job_line_of(self, hit: SkillHit) -> str:
        """The vacancy's line where a required skill is first named."""
        text = self.job_description
        start = text.rfind("\n", 0, hit.position) + 1
        end = text.find("\n", hit.position)
        line = text[start : end if end >= 0 else len(text)]
        # In a paragraph, only the sentence that names the skill.
        offset = start
        for sentence in re.split(r"(?<=[.;!?])\s+", line):
            sentence_start = text.find(sentence, offset)
            if sentence_start <= hit.position < sentence_start + len(sentence):
                return strip_bullet(sentence)
            offset = sentence_start + len(sentence)
        return strip_bullet(line)


def extract_profile(
    matcher: SkillMatcher, resume_text: str, job_description: str, language: str
) -> ExtractedProfile:
    job_hits = matcher.find(job_description, language)
    resume_hits = matcher.find(resume_text, language)
    job_names = {hit.name.casefold() for hit in job_hits}
    skills = job_hits + [hit for hit in resume_hits if hit.name.casefold() not in job_names]
    return ExtractedProfile(
        skills=skills,
        required_skills=job_hits,
        resume_skill_names={hit.name.casefold() for hit in resume_hits},
        seniority=detect_seniority(resume_text, job_description),
        requirements=extract_requirements(job_description),
        projects=extract_projects(resume_text),
        job_title=job_title(job_description),
        job_description=job_description,
    )


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def strip_bullet(line: str) -> str:
    return BULLET_RE.sub("", line).strip()


def shorten(text: str, limit: int) -> str:
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–—") + "…"


# --- seniority ---------------------------------------------------------------------------------


def _seniority_by_words(text: str) -> Seniority | None:
    earliest: tuple[int, Seniority] | None = None
    for level, pattern in SENIORITY_WORDS:
        match = pattern.search(text)
        if match and (earliest is None or match.start() < earliest[0]):
            earliest = (match.start(), level)
    return earliest[1] if earliest else None


def _years_stated(text: str) -> int | None:
    """The largest "N years (of experience)" on a line that talks about experience."""
    found = [
        int(match.group(1))
        for line in text.splitlines()
        if EXPERIENCE_CUE_RE.search(line)
        for match in YEARS_RE.finditer(line)
        if 0 < int(match.group(1)) <= 40
    ]
    return max(found) if found else None


def _years_from_dates(text: str) -> int | None:
    """Years covered by "2019 – 2023" / "2021 — настоящее время" ranges, overlaps merged."""
    this_year = date.today().year
    spans: list[tuple[int, int]] = []
    for match in YEAR_RANGE_RE.finditer(text):
        start = int(match.group(1))
        end_text = match.group(2)
        end = int(end_text) if end_text.isdigit() else this_year
        if 1970 <= start <= end <= this_year:
            spans.append((start, end))
    if not spans:
        return None
    spans.sort()
    total = 0
    current_start, current_end = spans[0]
    for start, end in spans[1:]:
        if start <= current_end:
            current_end = max(current_end, end)
        else:
            total += current_end - current_start
            current_start, current_end = start, end
    total += current_end - current_start
    return total


def seniority_for_years(years: int) -> Seniority:
    if years < 2:
        return Seniority.JUNIOR
    if years < 5:
        return Seniority.MIDDLE
    return Seniority.SENIOR


def detect_seniority(resume_text: str, job_description: str) -> Seniority | None:
    job_title_lines = "\n".join(_lines(job_description)[:TITLE_LINES])
    resume_title_lines = "\n".join(_lines(resume_text)[:TITLE_LINES])
    by_job_title = _seniority_by_words(job_title_lines)
    if by_job_title:
        return by_job_title
    job_years = _years_stated(job_description)
    if job_years is not None:
        return seniority_for_years(job_years)
    by_job_words = _seniority_by_words(job_description)
    if by_job_words:
        return by_job_words
    by_resume_title = _seniority_by_words(resume_title_lines)
    if by_resume_title:
        return by_resume_title
    resume_years = _years_stated(resume_text)
    if resume_years is None:
        resume_years = _years_from_dates(resume_text)
    if resume_years is not None:
        return seniority_for_years(resume_years)
    return _seniority_by_words(resume_text)


# --- the vacancy ---------------------------------------------------------------------------------


def job_title(job_description: str) -> str | None:
    for line in _lines(job_description)[:TITLE_LINES]:
        candidate = strip_bullet(line)
        if 3 <= len(candidate) <= 80 and not REQUIREMENT_HEADING_RE.match(candidate):
            return candidate.rstrip(":")
    return None


def _split_inline(text: str) -> list[str]:
    """ "Python, SQL; Docker" after a heading on one line: items split on semicolons only."""
    return [part.strip() for part in text.split(";") if part.strip()]


def extract_requirements(job_description: str) -> list[str]:
    lines = _lines(job_description)
    in_section = False
    found_section = False
    sectioned: list[str] = []
    for line in lines:
        bare = strip_bullet(line)
        heading = REQUIREMENT_HEADING_RE.match(bare)
        if heading and (len(bare) <= 60 or heading.group(1)):
            in_section = found_section = True
            sectioned.extend(_split_inline(heading.group(1)))
            continue
        if OTHER_HEADING_RE.match(bare):
            in_section = False
            continue
        if in_section:
            sectioned.append(bare)
    if found_section:
        candidates = sectioned
    else:
        candidates = [
            strip_bullet(line)
            for line in lines[1:]
            if REQUIREMENT_CUE_RE.search(line) or (BULLET_RE.match(line) and len(line) < 150)
        ]
    return _clean_lines(candidates, MAX_REQUIREMENTS, MAX_LINE_CHARS)


def _clean_lines(lines: list[str], limit: int, max_chars: int) -> list[str]:
    cleaned: list[str] = []
    seen: set[str] = set()
    for line in lines:
        text = shorten(line.rstrip(";,. "), max_chars)
        folded = text.casefold()
        if len(text) < MIN_LINE_CHARS or folded in seen:
            continue
        seen.add(folded)
        cleaned.append(text)
        if len(cleaned) == limit:
            break
    return cleaned


# --- the resume ----------------------------------------------------------------------------------


def _joined_resume_lines(resume_text: str) -> list[tuple[str, bool]]:
    """(line, was a bullet); a PDF breaks long bullets, so lowercase continuations rejoin."""
    joined: list[tuple[str, bool]] = []
    for line in _lines(resume_text):
        is_bullet = bool(BULLET_RE.match(line))
        bare = strip_bullet(line)
        if (
            joined
            and not is_bullet
            and bare[:1].islower()
            and not SENTENCE_END_RE.search(joined[-1][0])
        ):
            previous, was_bullet = joined[-1]
            joined[-1] = (f"{previous} {bare}", was_bullet)
        else:
            joined.append((bare, is_bullet))
    return joined


def _project_score(line: str, is_bullet: bool) -> int:
    if len(line) < MIN_LINE_CHARS or CONTACT_RE.search(line) or RESUME_HEADING_RE.match(line):
        return 0
    if SKILLS_SECTION_RE.match(line):
        return 0
    score = 0
    if PROJECT_WORD_RE.search(line):
        score += 3
    if ACHIEVEMENT_VERB_RE.search(line[:80]):
        score += 3
    if score == 0:
        if COMPANY_RE.search(line) or YEAR_RANGE_RE.search(line):
            return 1
        return 0
    if is_bullet:
        score += 1
    if re.search(r"\d", line):
        score += 1  # numbers usually mean a result worth asking about
    return score


def extract_projects(resume_text: str) -> list[str]:
    scored = [
        (score, index, line)
        for index, (line, is_bullet) in enumerate(_joined_resume_lines(resume_text))
        if (score := _project_score(line, is_bullet)) > 1
    ]
    # The best few, in the resume's order: recent work usually comes first.
    best = sorted(scored, key=lambda item: (-item[0], item[1]))[:MAX_PROJECTS]
    lines = [line for _, _, line in sorted(best, key=lambda item: item[1])]
    return _clean_lines(lines, MAX_PROJECTS, MAX_PROJECT_CHARS)
