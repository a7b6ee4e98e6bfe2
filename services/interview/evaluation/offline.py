"""The offline evaluator: rubric scores from transparent text heuristics, no network.

It answers when no LLM is configured and stands in when the LLM fails, so it must be fast,
deterministic and hard to game: style points (examples, structure) only count in proportion to
how on-topic the answer is, so a well-formed paragraph about pizza or a prompt injection scores
low, and a bare list of the right keywords scores well below a real explanation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.interview.evaluation.keypoints import (
    AnswerTerms,
    cover,
    parse_key_point,
    plain_key_point,
)
from services.interview.evaluation.schema import (
    MAX_EVIDENCE_QUOTE_CHARS,
    STAR_WEIGHTS,
    Criterion,
    Evaluation,
    EvaluationRequest,
    Remark,
    StarBreakdown,
    StarPart,
    TaskKind,
    compute_overall,
    ideal_answer_for,
    should_ask_follow_up,
    star_part_message_id,
)
from services.interview.evaluation.text import (
    STOP_WORDS,
    Sentence,
    StemIndex,
    content_stem_set,
    cue_pattern,
    normalise,
    sentences,
    stem,
    tokens,
)

# Fluent message ids (locales/*/evaluation.ftl) the offline evaluator can emit.
STRENGTH_COVERAGE = "eval-strength-coverage"
STRENGTH_EXAMPLES = "eval-strength-examples"
STRENGTH_NUMBERS = "eval-strength-numbers"
STRENGTH_TECHNOLOGIES = "eval-strength-technologies"
STRENGTH_STRUCTURE = "eval-strength-structure"
STRENGTH_STAR = "eval-strength-star"
WEAKNESS_MISSING_POINTS = "eval-weakness-missing-points"
WEAKNESS_NO_EXAMPLES = "eval-weakness-no-examples"
WEAKNESS_TOO_SHORT = "eval-weakness-too-short"
WEAKNESS_KEYWORDS_ONLY = "eval-weakness-keywords-only"
WEAKNESS_OFF_TOPIC = "eval-weakness-off-topic"
WEAKNESS_NO_STRUCTURE = "eval-weakness-no-structure"
WEAKNESS_RAMBLING = "eval-weakness-rambling"
WEAKNESS_STAR_MISSING = "eval-weakness-star-missing"
WEAKNESS_RESULT_NOT_QUANTIFIED = "eval-weakness-result-not-quantified"
FOLLOWUP_MISSING_POINT = "eval-followup-missing-point"
FOLLOWUP_STAR = "eval-followup-star"
FOLLOWUP_EXAMPLE = "eval-followup-example"
FOLLOWUP_ELABORATE = "eval-followup-elaborate"
MISSED_POINT = "eval-missed-point"

EMITTED_MESSAGE_IDS: tuple[str, ...] = (
    STRENGTH_COVERAGE,
    STRENGTH_EXAMPLES,
    STRENGTH_NUMBERS,
    STRENGTH_TECHNOLOGIES,
    STRENGTH_STRUCTURE,
    STRENGTH_STAR,
    WEAKNESS_MISSING_POINTS,
    WEAKNESS_NO_EXAMPLES,
    WEAKNESS_TOO_SHORT,
    WEAKNESS_KEYWORDS_ONLY,
    WEAKNESS_OFF_TOPIC,
    WEAKNESS_NO_STRUCTURE,
    WEAKNESS_RAMBLING,
    WEAKNESS_STAR_MISSING,
    WEAKNESS_RESULT_NOT_QUANTIFIED,
    FOLLOWUP_MISSING_POINT,
    FOLLOWUP_STAR,
    FOLLOWUP_EXAMPLE,
    FOLLOWUP_ELABORATE,
    MISSED_POINT,
    *(star_part_message_id(part) for part in StarPart),
)

EXAMPLE_CUES = cue_pattern(
    [
        r"for example",
        r"for instance",
        r"e\.g\.",
        r"such as",
        r"let's say",
        r"imagine",
        r"in practice",
        r"in production",
        r"in my (?:last |previous |current )?(?:project|job|team|company|work|experience)",
        r"at my (?:last |previous |current )?(?:job|company|work)",
        r"on (?:my|our|a recent) project",
        r"(?:we|i) (?:used|use|have used|chose|migrated|switched|added|built)",
        r"например",
        r"к примеру",
        r"допустим",
        r"представим",
        r"на практике",
        r"в продакшене",
        r"в (?:моем|нашем|прошлом|последнем|текущем) проекте",
        r"на (?:моем|нашем|прошлом|последнем|текущем) проекте",
        r"на (?:прошлой|предыдущей|текущей) работе",
        r"в моей практике",
        r"мы (?:использовали|используем|выбрали|перешли|добавили|сделали)",
        r"я (?:использовал|использовала|выбрал|выбрала|добавил|добавила)",
    ]
)

CONNECTIVE_CUES = cue_pattern(
    [
        r"first(?:ly)?",
        r"second(?:ly)?",
        r"third(?:ly)?",
        r"then",
        r"next",
        r"finally",
        r"because",
        r"therefore",
        r"thus",
        r"hence",
        r"so that",
        r"however",
        r"also",
        r"in addition",
        r"moreover",
        r"as a result",
        r"which means",
        r"this means",
        r"that's why",
        r"on the other hand",
        r"instead",
        r"whereas",
        r"while",
        r"if",
        r"when",
        r"after that",
        r"otherwise",
        r"overall",
        r"во-первых",
        r"во-вторых",
        r"в-третьих",
        r"сначала",
        r"затем",
        r"потом",
        r"далее",
        r"наконец",
        r"потому что",
        r"так как",
        r"поэтому",
        r"следовательно",
        r"однако",
        r"также",
        r"кроме того",
        r"в итоге",
        r"в результате",
        r"то есть",
        r"с другой стороны",
        r"вместо",
        r"если",
        r"когда",
        r"после этого",
        r"иначе",
        r"значит",
        r"в целом",
    ]
)

STAR_CUES: dict[StarPart, re.Pattern[str]] = {
    StarPart.SITUATION: cue_pattern(
        [
            r"when i (?:was|worked)",
            r"i was working",
            r"(?:at|in) my (?:previous|last|former|current|first) (?:job|company|role|team|project)",
            r"(?:at|in) (?:a|one) (?:previous|former) (?:job|company|role)",
            r"we had",
            r"we were",
            r"our team",
            r"(?:the )?situation",
            r"context",
            r"last (?:year|month|quarter)",
            r"a (?:few|couple of) (?:months|years) ago",
            r"once",
            r"there was",
            r"когда я работал\w*",
            r"на (?:прошлой|предыдущей|старой|текущей|первой) работе",
            r"в (?:прошлой|предыдущей|одной) компании",
            r"у нас (?:был|была|было|были)",
            r"в нашей команде",
            r"в команде",
            r"ситуаци\w*",
            r"контекст\w*",
            r"в прошлом году",
            r"однажды",
            r"как-то раз",
            r"мы работали",
            r"я работал\w*",
        ]
    ),
    StarPart.TASK: cue_pattern(
        [
            r"my (?:task|job|role|responsibility|goal|assignment) was",
            r"my task",
            r"i was responsible",
            r"i was asked to",
            r"(?:i|we) (?:needed|had) to",
            r"the (?:goal|task|challenge|problem|objective) was",
            r"the goal",
            r"objective",
            r"challenge",
            r"deadline",
            r"моя задача",
            r"задач\w* (?:была|было|состояла)",
            r"я отвечал\w*",
            r"(?:мне|нам) (?:нужно|надо) было",
            r"нужно было",
            r"требовалось",
            r"цель\w* (?:была|было|состояла)",
            r"моя роль",
            r"дедлайн\w*",
            r"проблема (?:была|заключалась)",
            r"меня попросили",
        ]
    ),
    StarPart.ACTION: cue_pattern(
        [
            r"i (?:then |also |first |personally |quickly )?(?!needed|wanted|worked|joined|used to)"
            r"(?:\w+ed|built|wrote|led|made|set up|took|ran|met|spoke|began|did|found|gave|chose"
            r"|brought|taught|split|broke|put|held|kept|sat down)",
            r"we (?:then |also |first )?(?!needed|wanted|worked|used to)"
            r"(?:\w+ed|built|wrote|made|set up|took|ran|split|chose)",
            r"my (?:approach|solution|first step)",
            r"я (?:сам |лично |сначала |затем |потом |также |сразу )?(?!был|работал|хотел|должен)"
            r"\w+(?:лся|лась|ла|л)",
            r"мы (?:сначала |затем |потом |также |вместе )?(?!были|работали|хотели)\w+(?:лись|ли)",
        ]
    ),
    StarPart.RESULT: cue_pattern(
        [
            r"as a result",
            r"in the end",
            r"eventually",
            r"result(?:ed|s)?",
            r"outcome",
            r"reduc\w*",
            r"increas\w*",
            r"improv\w*",
            r"decreas\w*",
            r"sav(?:ed|ing)",
            r"grew",
            r"delivered",
            r"launched",
            r"learn(?:ed|t)",
            r"success\w*",
            r"(?:shipped|delivered|finished|launched) on time",
            r"в результате",
            r"в итоге",
            r"результат\w*",
            r"итог\w*",
            r"сократил\w*",
            r"снизил\w*",
            r"уменьшил\w*",
            r"увеличил\w*",
            r"улучшил\w*",
            r"ускорил\w*",
            r"сэкономил\w*",
            r"удалось",
            r"получилось",
            r"запустили",
            r"успешно",
            r"вывод\w*",
        ]
    ),
}

# Behavioural key points describe the story's shape ("explains own actions"), not its words, so
# they are checked against the STAR parts they name rather than matched word for word.
STAR_KEY_POINT_HINTS: dict[StarPart, re.Pattern[str]] = {
    StarPart.SITUATION: re.compile(
        r"situation|context|concrete|specific|ситуаци|контекст|конкретн"
    ),
    StarPart.TASK: re.compile(r"\btask|goal|responsib|\brole|задач|цел[ьи]|роль|ответствен"),
    StarPart.ACTION: re.compile(r"action|own |steps|\bdid\b|действи|шаг|сделал"),
    StarPart.RESULT: re.compile(r"result|outcome|measur|impact|результат|итог|измерим"),
}
QUANTIFY_HINT = re.compile(r"quantif|measurabl|in numbers|количествен|измерим|в цифрах")
REFLECTION_HINT = re.compile(r"learn|reflect|lesson|вывод|урок|научил|понял")
REFLECTION_CUES = cue_pattern(
    [
        r"learn(?:ed|t)",
        r"lesson",
        r"(?:i )?realized",
        r"since then",
        r"now i",
        r"next time",
        r"вывод\w*",
        r"урок\w*",
        r"(?:я )?понял\w*",
        r"научил\w*",
        r"с тех пор",
        r"теперь я",
        r"в следующий раз",
    ]
)

NUMBER_RE = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)?(?:\s*%)?")
# Names like PostgreSQL, gRPC, S3, k8s, C++, Node.js: Latin tokens, judged by shape below.
LATIN_WORD_RE = re.compile(r"(?<![\w])[A-Za-z][A-Za-z0-9]*(?:[.\-+#][A-Za-z0-9+#]+)*[+#]*")
CYRILLIC_LETTER_RE = re.compile(r"[а-яёА-ЯЁ]")
LATIN_LETTER_RE = re.compile(r"[A-Za-z]")
# A capitalised word right after these starts a sentence or a list item, so it is not a name.
SENTENCE_OPENERS = frozenset(".!?…:\n\"'«(-•*") | {""}
LIST_LINE_RE = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+", re.MULTILINE)
SENTENCE_END_RE = re.compile(r"[.!?…]")

# A key point counts as covered when this share of its (weighted) content words appears.
KEY_POINT_COVERED_SHARE = 0.4
# Answers below these content-word counts are too short to show understanding.
SHORT_ANSWER_WORDS = 25
# A real explanation is roughly a third function words; a keyword dump has almost none.
KEYWORD_DUMP_STOP_SHARE = 0.12
RAMBLING_WORDS = 380
MAX_EVIDENCE_QUOTES = 3


@dataclass(slots=True)
class KeyPointMatch:
    point: str
    share: float
    matched_stems: set[str]


@dataclass(slots=True)
class AnswerProfile:
    """Everything measured about an answer; the criteria are computed from it."""

    word_count: int
    content_word_count: int
    stop_word_share: float
    unique_share: float
    sentences: list[Sentence]
    stem_index: StemIndex
    example_cues: int
    numbers: int
    technologies: int
    connectives: int
    has_layout: bool
    keywords_only: bool


class OfflineEvaluator:
    """Heuristic evaluator; pure Python, a few milliseconds per answer."""

    async def evaluate(self, request: EvaluationRequest) -> Evaluation:
        return self.evaluate_now(request)

    def evaluate_now(self, request: EvaluationRequest, *, simplified: bool = False) -> Evaluation:
        """Synchronous core, also used by the LLM evaluator's fallback and by benchmarks."""
        answer = request.answer[:20_000]  # the bot caps answers far lower; this bounds the work
        profile = _profile(answer)
        matches = _match_key_points(request, answer, profile)
        coverage = (
            sum(min(1.0, match.share / KEY_POINT_COVERED_SHARE) for match in matches) / len(matches)
            if matches
            else 0.0
        )
        covered = [m.point for m in matches if m.share >= KEY_POINT_COVERED_SHARE]
        missing = [m.point for m in matches if m.share < KEY_POINT_COVERED_SHARE]

        topic_stems = _topic_stems(request)
        answer_content = profile.stem_index.stems
        on_topic = (
            sum(1 for item in answer_content if item in topic_stems) / len(answer_content)
            if answer_content
            else 0.0
        )
        reference_stems = content_stem_set(request.reference_answer or " ".join(request.key_points))
        reference_recall = (
            sum(1 for item in reference_stems if profile.stem_index.find(item, fuzzy=False))
            / len(reference_stems)
            if reference_stems
            else coverage
        )
        if not matches:
            # No key points to check against: the reference vocabulary is the only yardstick.
            coverage = min(1.0, reference_recall / 0.35)

        relevance = 0.75 * coverage + 0.25 * min(1.0, on_topic / 0.35)
        # A concise answer that covers its points is accurate without retelling the reference.
        concise = coverage * min(1.0, on_topic / 0.5) if matches else 0.0
        accuracy = 0.55 * coverage + 0.45 * max(min(1.0, reference_recall / 0.35), concise)
        # Style only earns points on topic: a fluent paragraph about pizza is still off-topic.
        topicality = min(1.0, 0.1 + relevance / 0.6)

        specificity = min(
            10.0,
            2.5 * min(2, profile.example_cues)
            + 1.25 * min(2, profile.numbers)
            + 1.0 * min(3, profile.technologies)
            + 2.0 * coverage
            # Covering every point is concrete in itself, however briefly it is put.
            + (2.0 if matches and not missing else 0.0)
            + (1.0 if profile.content_word_count >= 40 else 0.0),
        )
        structure = _structure_score(profile)

        question_overlap = _question_overlap(request, profile.stem_index)
        length_factor = _length_factor(profile.content_word_count)
        star: StarBreakdown | None = None
        result_quantified = False
        if request.kind is TaskKind.BEHAVIORAL:
            star_scores, result_quantified = _star_scores(answer, profile)
            star = StarBreakdown.from_scores(
                {part: score * length_factor for part, score in star_scores.items()}
            )
            covered, missing = _cover_by_story(
                matches, star, bool(REFLECTION_CUES.search(normalise(answer))), result_quantified
            )
            coverage = max(coverage, len(covered) / len(matches)) if matches else coverage
            # Behavioural key points ("describes own actions") rarely match word for word, so a
            # complete, on-question story is relevant in its own right.
            story = star.score() / 10 * min(1.0, 0.4 + question_overlap / 0.3)
            relevance = max(relevance, 0.75 * coverage + 0.25 * story, story)
            accuracy = max(accuracy, 0.8 * story)
            topicality = min(1.0, 0.1 + relevance / 0.6)
            # A concrete story is itself the example a behavioural question asks for.
            specificity = min(10.0, specificity + 2.0 * coverage + 2.5 * story)

        if matches and profile.content_word_count >= 3 and not profile.keywords_only:
            # Brevity only costs an answer that also misses points: one that covers all of its
            # key points concisely is complete (a follow-up often has a single point).
            length_factor += (1.0 - length_factor) * len(covered) / len(matches)

        job_alignment = _job_alignment(request, profile.stem_index, relevance)
        criteria = {
            Criterion.RELEVANCE: 10 * relevance,
            Criterion.EXAMPLES: specificity * topicality,
            Criterion.CLARITY: structure * topicality,
            Criterion.ACCURACY: 10 * accuracy,
            Criterion.JOB_ALIGNMENT: 10 * job_alignment,
        }
        if profile.keywords_only:
            # Naming the right terms without explaining them shows recognition, not understanding.
            criteria[Criterion.RELEVANCE] *= 0.55
            criteria[Criterion.ACCURACY] *= 0.45
            criteria[Criterion.EXAMPLES] *= 0.3
            criteria[Criterion.CLARITY] = min(criteria[Criterion.CLARITY], 1.0)
            criteria[Criterion.JOB_ALIGNMENT] *= 0.55
        if profile.content_word_count > RAMBLING_WORDS or profile.unique_share < 0.3:
            criteria[Criterion.CLARITY] = max(0.0, criteria[Criterion.CLARITY] - 2.0)
        criteria = {
            criterion: round(min(10.0, max(0.0, value * length_factor)), 1)
            for criterion, value in criteria.items()
        }
        overall = compute_overall(criteria, request.kind, star)

        off_topic = profile.content_word_count > 0 and relevance < 0.2 and question_overlap < 0.2
        strengths = _strengths(
            profile, covered, len(matches), structure, star, off_topic, request.kind
        )
        weaknesses = _weaknesses(
            profile,
            missing,
            len(matches),
            off_topic,
            star,
            result_quantified,
            structure,
            request.kind,
        )
        follow_up = (
            _follow_up(missing, star, profile) if should_ask_follow_up(overall, missing) else None
        )
        return Evaluation(
            overall=overall,
            criteria=criteria,
            strengths=strengths,
            weaknesses=weaknesses,
            covered_key_points=covered,
            missing_key_points=missing,
            evidence_quotes=_evidence_quotes(profile.sentences, matches, star),
            star=star,
            ideal_answer=ideal_answer_for(request),
            follow_up=follow_up,
            evaluator="offline",
            simplified=simplified,
        )


def _profile(answer: str) -> AnswerProfile:
    normalised = normalise(answer)
    all_tokens = tokens(answer)
    stop_count = sum(1 for token in all_tokens if token in STOP_WORDS)
    content = [stem(token) for token in all_tokens if token not in STOP_WORDS and len(token) >= 2]
    answer_sentences = sentences(answer)
    has_sentence_punctuation = bool(SENTENCE_END_RE.search(answer)) or len(answer_sentences) > 1
    word_count = len(all_tokens)
    stop_share = stop_count / word_count if word_count else 0.0
    keywords_only = word_count >= 2 and (
        stop_share < KEYWORD_DUMP_STOP_SHARE
        or (not has_sentence_punctuation and word_count < 12 and stop_share < 0.25)
    )
    return AnswerProfile(
        word_count=word_count,
        content_word_count=len(content),
        stop_word_share=stop_share,
        unique_share=len(set(content)) / len(content) if content else 1.0,
        sentences=answer_sentences,
        stem_index=StemIndex.build(content),
        example_cues=len(EXAMPLE_CUES.findall(normalised)),
        numbers=len(NUMBER_RE.findall(answer)),
        technologies=_count_technologies(answer),
        connectives=len(set(CONNECTIVE_CUES.findall(normalised))),
        has_layout="\n\n" in answer.strip() or len(LIST_LINE_RE.findall(answer)) >= 2,
        keywords_only=keywords_only,
    )


def _count_technologies(answer: str) -> int:
    """Distinct Latin names shaped like technologies: mixed case, digits, all caps, C++/Node.js.

    In a mostly Cyrillic answer any Latin word is a name (Redis, kafka); in an English one a
    capitalised word counts only mid-sentence, so sentence starts and "I" are not names.
    """
    mostly_cyrillic = len(CYRILLIC_LETTER_RE.findall(answer)) > len(LATIN_LETTER_RE.findall(answer))
    names: set[str] = set()
    for match in LATIN_WORD_RE.finditer(answer):
        word = match.group(0)
        if len(word) < 2 or word.lower() in STOP_WORDS:
            continue
        inner_upper = any(char.isupper() for char in word[1:])
        shaped = inner_upper or any(char.isdigit() for char in word) or word[-1] in "+#"
        shaped = shaped or ("." in word[1:-1])
        if not shaped and word[0].isupper():
            shaped = _previous_visible_char(answer, match.start()) not in SENTENCE_OPENERS
        if shaped or mostly_cyrillic:
            names.add(word.lower())
    return len(names)


def _previous_visible_char(text: str, position: int) -> str:
    """The last non-space character before `position`, or "" at the start of the text."""
    index = position - 1
    while index >= 0 and text[index].isspace():
        index -= 1
    return text[index] if index >= 0 else ""


def _topic_stems(request: EvaluationRequest) -> frozenset[str]:
    parts = [request.question, request.reference_answer or "", *request.key_points]
    parts.extend(request.skills)
    return content_stem_set("\n".join(parts))


def _match_key_points(
    request: EvaluationRequest, answer: str, profile: AnswerProfile
) -> list[KeyPointMatch]:
    """How much of each key point the answer covers, in its own words (see keypoints.py)."""
    if not request.key_points:
        return []
    question = content_stem_set(request.question)
    terms = AnswerTerms.build(answer, profile.stem_index)
    found: list[KeyPointMatch] = []
    for point in request.key_points:
        if not parse_key_point(point, question):
            continue
        coverage = cover(point, question, terms)
        share = coverage.share
        if QUANTIFY_HINT.search(point.lower()) and not profile.numbers:
            # "Quantifies the outcome" is not covered by talking about the outcome.
            share = min(share, KEY_POINT_COVERED_SHARE / 2)
        found.append(KeyPointMatch(point, share, coverage.matched_stems))
    return found


def _cover_by_story(
    matches: list[KeyPointMatch],
    star: StarBreakdown,
    reflects: bool,
    result_quantified: bool,
) -> tuple[list[str], list[str]]:
    """Behavioural key points are covered by the STAR parts (or the reflection) they describe.

    Only points about the story's shape qualify: one that spells out specifics after a colon
    ("Uses concrete practices: shared checklists ...") must be covered in words, and one that
    asks for numbers ("Quantifies the result") needs a result with a number in it.
    """
    present = {part for part in StarPart if part.value not in star.missing}
    covered: list[str] = []
    missing: list[str] = []
    for match in matches:
        hint_text = match.point.lower()
        named_parts = {
            part for part, hint in STAR_KEY_POINT_HINTS.items() if hint.search(hint_text)
        }
        wants_reflection = bool(REFLECTION_HINT.search(hint_text))
        by_story = (bool(named_parts) and named_parts <= present) or (wants_reflection and reflects)
        if wants_reflection and not reflects:
            by_story = False
        if QUANTIFY_HINT.search(hint_text):
            by_story = StarPart.RESULT in present and result_quantified
        elif ":" in hint_text:
            by_story = False
        if match.share >= KEY_POINT_COVERED_SHARE or by_story:
            covered.append(match.point)
        else:
            missing.append(match.point)
    return covered, missing


def _question_overlap(request: EvaluationRequest, index: StemIndex) -> float:
    question = content_stem_set(request.question)
    if not question:
        return 0.0
    return sum(1 for item in question if index.find(item, fuzzy=False)) / len(question)


def _job_alignment(request: EvaluationRequest, index: StemIndex, relevance: float) -> float:
    """How well the answer speaks to the vacancy: relevance plus the job context it touches.

    Without a job context the task's own skills are the role, and answering the task on topic
    is aligned with them whether or not the skill is named; naming one earns a small bonus.
    """
    skill_stems = content_stem_set(" ".join(request.skills))
    if not request.job_context:
        named = any(index.find(item, fuzzy=False) for item in skill_stems)
        return min(1.0, relevance + (0.1 if named else 0.0))
    job_stems = content_stem_set(request.job_context) | skill_stems
    hits = sum(1 for item in job_stems if index.find(item, fuzzy=False))
    touched = min(1.0, hits / max(1.0, min(4.0, 0.3 * len(job_stems))))
    return 0.6 * relevance + 0.4 * touched * min(1.0, relevance / 0.3)


def _length_factor(content_words: int) -> float:
    if content_words == 0:
        return 0.0
    if content_words < 3:
        return 0.12
    if content_words < 8:
        return 0.4
    if content_words < 15:
        return 0.7
    if content_words < SHORT_ANSWER_WORDS:
        return 0.88
    return 1.0


def _structure_score(profile: AnswerProfile) -> float:
    count = len(profile.sentences)
    if profile.content_word_count == 0 or count == 0:
        return 0.0
    average_length = profile.word_count / count
    score = 2.0
    score += 2.0 if count >= 3 else (1.0 if count == 2 else 0.0)
    if 6 <= average_length <= 30:
        score += 2.5
    elif 3 <= average_length <= 45:
        score += 1.0
    score += min(3.0, 0.75 * profile.connectives)
    score += 1.0 if profile.has_layout else 0.0
    return min(10.0, score)


def _star_scores(answer: str, profile: AnswerProfile) -> tuple[dict[StarPart, float], bool]:
    normalised = normalise(answer)
    counts = {part: len(pattern.findall(normalised)) for part, pattern in STAR_CUES.items()}
    scores = {
        StarPart.SITUATION: _cue_score(counts[StarPart.SITUATION], first=6.5),
        StarPart.TASK: _cue_score(counts[StarPart.TASK], first=6.5),
        StarPart.ACTION: _cue_score(counts[StarPart.ACTION], first=5.0, step=1.5),
        StarPart.RESULT: _cue_score(counts[StarPart.RESULT], first=6.0),
    }
    result_pattern = STAR_CUES[StarPart.RESULT]
    quantified = any(
        result_pattern.search(normalise(sentence.text)) and NUMBER_RE.search(sentence.text)
        for sentence in profile.sentences
    )
    if quantified:
        scores[StarPart.RESULT] = min(10.0, scores[StarPart.RESULT] + 3.0)
    return scores, quantified


def _cue_score(count: int, first: float, step: float = 1.75) -> float:
    return 0.0 if count == 0 else min(10.0, first + step * (count - 1))


def _strengths(
    profile: AnswerProfile,
    covered: list[str],
    total_points: int,
    structure: float,
    star: StarBreakdown | None,
    off_topic: bool,
    kind: TaskKind,
) -> list[Remark]:
    if off_topic or profile.content_word_count < 3:
        return []
    strengths: list[Remark] = []
    if total_points and len(covered) * 2 >= total_points:
        strengths.append(Remark.message(STRENGTH_COVERAGE, count=len(covered), total=total_points))
    if profile.keywords_only:
        return strengths
    if profile.example_cues:
        strengths.append(Remark.message(STRENGTH_EXAMPLES))
    if profile.numbers:
        strengths.append(Remark.message(STRENGTH_NUMBERS))
    if profile.technologies >= 2:
        strengths.append(Remark.message(STRENGTH_TECHNOLOGIES))
    if structure >= 7:
        strengths.append(Remark.message(STRENGTH_STRUCTURE))
    if kind is TaskKind.BEHAVIORAL and star is not None and not star.missing:
        strengths.append(Remark.message(STRENGTH_STAR))
    return strengths


def _weaknesses(
    profile: AnswerProfile,
    missing: list[str],
    total_points: int,
    off_topic: bool,
    star: StarBreakdown | None,
    result_quantified: bool,
    structure: float,
    kind: TaskKind,
) -> list[Remark]:
    weaknesses: list[Remark] = []
    if off_topic:
        weaknesses.append(Remark.message(WEAKNESS_OFF_TOPIC))
    # Short is only a fault when something is missing: a concise, complete answer is fine.
    if profile.content_word_count < SHORT_ANSWER_WORDS and (missing or not total_points):
        weaknesses.append(Remark.message(WEAKNESS_TOO_SHORT))
    if profile.keywords_only:
        weaknesses.append(Remark.message(WEAKNESS_KEYWORDS_ONLY))
    if missing:
        weaknesses.append(Remark.message(WEAKNESS_MISSING_POINTS, count=len(missing)))
    if off_topic:
        return weaknesses
    if kind is TaskKind.BEHAVIORAL and star is not None:
        if star.missing:
            weaknesses.append(
                Remark.message(
                    WEAKNESS_STAR_MISSING,
                    translated_args={"parts": [star_part_message_id(p) for p in star.missing]},
                    count=len(star.missing),
                )
            )
        if StarPart.RESULT.value not in star.missing and not result_quantified:
            weaknesses.append(Remark.message(WEAKNESS_RESULT_NOT_QUANTIFIED))
    if not (profile.example_cues or profile.numbers or profile.technologies):
        weaknesses.append(Remark.message(WEAKNESS_NO_EXAMPLES))
    if (
        structure < 4
        and not profile.keywords_only
        and profile.content_word_count >= SHORT_ANSWER_WORDS
    ):
        weaknesses.append(Remark.message(WEAKNESS_NO_STRUCTURE))
    if profile.content_word_count > RAMBLING_WORDS or profile.unique_share < 0.3:
        weaknesses.append(Remark.message(WEAKNESS_RAMBLING))
    return weaknesses


def _follow_up(missing: list[str], star: StarBreakdown | None, profile: AnswerProfile) -> Remark:
    """One question at the biggest gap: a missing STAR part, then a key point, then examples."""
    if star is not None and star.missing:
        # The heaviest missing part is the biggest gap (action first).
        part = max(star.missing, key=lambda name: STAR_WEIGHTS[StarPart(name)])
        # A plain part name: each locale selects a question written for that part.
        return Remark.message(FOLLOWUP_STAR, part=part)
    if missing:
        # Key points are listed most important first.
        return missing_point_follow_up(missing[0])
    if not (profile.example_cues or profile.numbers):
        return Remark.message(FOLLOWUP_EXAMPLE)
    return Remark.message(FOLLOWUP_ELABORATE)


def missing_point_follow_up(point: str) -> Remark:
    """The follow-up question about a missed key point, in plain words rather than rubric-speak."""
    plain = plain_key_point(point)
    return Remark.message(FOLLOWUP_MISSING_POINT, point=plain.text, form=plain.form)


def missed_point_remark(point: str) -> Remark:
    """A missed key point as one line of a list ("What you missed"), in plain words."""
    plain = plain_key_point(point)
    text = plain.text[:1].upper() + plain.text[1:] if plain.form == "topic" else plain.text
    return Remark.message(MISSED_POINT, point=text, form=plain.form)


def _evidence_quotes(
    answer_sentences: list[Sentence], matches: list[KeyPointMatch], star: StarBreakdown | None
) -> list[str]:
    """The answer's sentences that carry the most key-point words, verbatim, in answer order.

    For a behavioural answer, sentences describing the candidate's actions and results count
    too: they are what the story is judged on.
    """
    matched = set().union(*(match.matched_stems for match in matches)) if matches else set()
    story_cues = (
        (STAR_CUES[StarPart.ACTION], STAR_CUES[StarPart.RESULT]) if star is not None else ()
    )
    scored = [
        (
            len(sentence.stems & matched)
            + sum(2 for cue in story_cues if cue.search(normalise(sentence.text))),
            position,
            sentence,
        )
        for position, sentence in enumerate(answer_sentences)
    ]
    if not any(score for score, _, _ in scored):
        return []
    # Prefer sentences that tie two or more key-point words together; settle for one if none do.
    threshold = 2 if any(score >= 2 for score, _, _ in scored) else 1
    best = sorted(
        (item for item in scored if item[0] >= threshold), key=lambda item: (-item[0], item[1])
    )
    quotes: list[str] = []
    seen: set[str] = set()
    for _, _, sentence in sorted(_distinct(best)[:MAX_EVIDENCE_QUOTES], key=lambda item: item[1]):
        quote = _verbatim_prefix(sentence.text)
        if quote not in seen:
            seen.add(quote)
            quotes.append(quote)
    return quotes


def _distinct(
    ranked: list[tuple[int, int, Sentence]],
) -> list[tuple[int, int, Sentence]]:
    """Drops repeated sentences, so an answer pasted twice does not quote itself twice."""
    seen: set[str] = set()
    unique: list[tuple[int, int, Sentence]] = []
    for item in ranked:
        if item[2].text not in seen:
            seen.add(item[2].text)
            unique.append(item)
    return unique


def _verbatim_prefix(text: str) -> str:
    """At most MAX_EVIDENCE_QUOTE_CHARS, cut at a word boundary, still a substring of the answer."""
    if len(text) <= MAX_EVIDENCE_QUOTE_CHARS:
        return text
    cut = text[:MAX_EVIDENCE_QUOTE_CHARS]
    boundary = cut.rfind(" ")
    return cut[:boundary].rstrip() if boundary > MAX_EVIDENCE_QUOTE_CHARS // 2 else cut
