"""What a Whisper model heard, as a transcript: shared by Groq's hosted Whisper
(`groq_engine.py`) and the offline one (`whisper_engine.py`), which both hand in the
verbose_json shape (`text`, `segments` with `no_speech_prob` and `avg_logprob`, `words` with
timings).

Whisper tidies fillers away unless its prompt is a line of them in the answer's language
(`FILLER_PROMPTS`). It also writes something over silence or music: a reply without speech
(empty text, a bare "[Music]", the prompt echoed back, or segments that Whisper itself marks
as no speech) is `AudioRejected(NO_SPEECH)`.

Two more habits of a model trained on subtitles are taken out of what it heard: captions of
sounds and credits that nobody said ("АПЛОДИСМЕНТЫ", "Продолжение следует...", "Thanks for
watching!"), and decoding loops, where one to four words come out again and again ("я бы,
я бы, я бы, …"): a run repeated `LOOP_REPEATS` times or more is kept once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from services.speech.audio import AudioProblem, AudioRejected
from services.speech.transcript import Transcript, Word, normalize_language

FILLER_PROMPTS: dict[str, str] = {
    "en": "Um, uh, hmm, like, you know.",
    "ru": "Ну, э-э, как бы, типа.",
}
# Whisper's own rule marks a segment silent when no_speech_prob > 0.6 and avg_logprob < -1;
# a reply counts as no speech when every segment is, or every segment is >= 0.8 sure.
NO_SPEECH_PROB = 0.6
NO_SPEECH_LOGPROB = -1.0
SURE_NO_SPEECH_PROB = 0.8
NON_SPEECH_RE = re.compile(r"\[[^\]]*\]|\([^)]*\)|[♪♫🎵🎶*]")
LETTER_RE = re.compile(r"[^\W\d_]")
LETTERS_RE = re.compile(r"[^\W\d_]+")
LANGUAGE_CODES = {"english": "en", "russian": "ru"}
# "АПЛОДИСМЕНТЫ", "СПОКОЙНАЯ МУЗЫКА": a few words in capitals, one of them a Cyrillic word of
# five letters or more; not acronyms such as "СУБД ACID".
CAPTION_WORD_RE = re.compile(r"[А-ЯЁ]{5,}")
CAPTION_MAX_WORDS = 4
CREDITS = (
    "продолжение следует",
    "субтитры сделал",
    "субтитры создавал",
    "субтитры подготовил",
    "редактор субтитров",
    "спасибо за просмотр",
    "thanks for watching",
    "thank you for watching",
)
LOOP_REPEATS = 4
LOOP_KEY_RE = re.compile(r"[\W_]+")  # a token's letters and digits
LOOP_MAX_WORDS = 4


def transcript_from_reply(
    data: dict[str, Any],
    *,
    language: str,
    duration_s: float,
    engine: str,
    prompt: str | None = None,
) -> Transcript:
    """A Transcript from verbose_json; AudioRejected(NO_SPEECH) when it heard no speech."""
    text = str(data.get("text") or "")
    segments = [segment for segment in data.get("segments") or [] if isinstance(segment, dict)]
    captions = [segment for segment in segments if is_caption(str(segment.get("text") or ""))]
    if captions:
        segments = [segment for segment in segments if segment not in captions]
        text = " ".join(str(segment.get("text") or "") for segment in segments)
    text = " ".join(text.split())
    if not _has_speech(text, segments, prompt):
        raise AudioRejected(AudioProblem.NO_SPEECH, duration_s)
    words = _words(data.get("words") or []) or _words_from_segments(segments)
    if captions:
        words = tuple(word for word in words if not _said_in(word, captions))
    words = tuple(words[index] for index in indexes_without_loops([w.text for w in words]))
    tokens = text.split()
    text = " ".join(tokens[index] for index in indexes_without_loops(tokens))
    return Transcript(
        text=text, language=language, engine=engine, duration_s=duration_s, words=words
    )


def reply_language(data: dict[str, Any]) -> str:
    """The language a reply says it heard, as a code: Groq names it ("English"), the offline
    engine gives the code ("en"); "" when the reply does not say."""
    value = str(data.get("language") or "").strip().lower()
    return LANGUAGE_CODES.get(value, normalize_language(value) if value else "")


def is_caption(text: str) -> bool:
    """A segment nobody said: a sound caption in capitals ("СПОКОЙНАЯ МУЗЫКА") or credits."""
    letters = LETTER_RE.findall(text)
    words = text.split()
    if (
        letters
        and all(letter.isupper() for letter in letters)
        and len(words) <= CAPTION_MAX_WORDS
        and any(CAPTION_WORD_RE.fullmatch(word.strip(".,!?…:;()")) for word in words)
    ):
        return True
    return " ".join(LETTERS_RE.findall(text.lower())).startswith(CREDITS)


def indexes_without_loops(tokens: Sequence[str]) -> list[int]:
    """The positions of `tokens` (words, with or without their punctuation) to keep: each run of
    1-4 of them that comes `LOOP_REPEATS` or more times in a row is kept once. Applied to the
    timed words and to the text apart, so that both lose the same loop and the text keeps its
    punctuation."""
    keys = [LOOP_KEY_RE.sub("", token.lower()) for token in tokens]
    kept: list[int] = []
    index = 0
    while index < len(tokens):
        for size in range(1, LOOP_MAX_WORDS + 1):
            run = keys[index : index + size]
            if len(run) < size or not all(run):
                continue
            repeats = 1
            while keys[index + repeats * size : index + (repeats + 1) * size] == run:
                repeats += 1
            if repeats >= LOOP_REPEATS:
                kept += range(index, index + size)
                index += repeats * size
                break
        else:
            kept.append(index)
            index += 1
    return kept


def _said_in(word: Word, segments: Sequence[dict[str, Any]]) -> bool:
    middle = (word.start + word.end) / 2
    return any(
        float(segment.get("start") or 0.0) <= middle <= float(segment.get("end") or 0.0)
        for segment in segments
    )


def echoes_prompt(text: str, prompt: str) -> bool:
    """Whether `text` starts with the prompt itself: Whisper wrote its prompt back."""
    return _letters(text).startswith(_letters(prompt))


def _has_speech(text: str, segments: Sequence[dict[str, Any]], prompt: str | None) -> bool:
    if not LETTER_RE.search(NON_SPEECH_RE.sub(" ", text)):
        return False  # empty, or only "[Music]", "♪♪"
    if prompt and _letters(text) == _letters(prompt):  # all of it, not just the start
        return False  # Whisper echoes its prompt over silence or music
    probabilities = [
        (float(segment.get("no_speech_prob") or 0.0), segment.get("avg_logprob"))
        for segment in segments
    ]
    silent = [
        probability >= SURE_NO_SPEECH_PROB
        or (
            probability > NO_SPEECH_PROB
            and logprob is not None
            and float(logprob) < NO_SPEECH_LOGPROB
        )
        for probability, logprob in probabilities
    ]
    return not (silent and all(silent))


def _letters(text: str) -> str:
    return "".join(LETTER_RE.findall(text.lower()))


def _words(items: Sequence[Any]) -> tuple[Word, ...]:
    words: list[Word] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        text = str(item.get("word") or "").strip()
        try:
            start, end = float(item["start"]), float(item["end"])
        except (KeyError, TypeError, ValueError):
            continue
        if text:
            words.append(Word(text, start, max(start, end)))
    return tuple(words)


def _words_from_segments(segments: Sequence[dict[str, Any]]) -> tuple[Word, ...]:
    """Without word timings: each segment's words spread evenly over the segment."""
    words: list[Word] = []
    for segment in segments:
        texts = str(segment.get("text") or "").split()
        try:
            start, end = float(segment["start"]), float(segment["end"])
        except (KeyError, TypeError, ValueError):
            continue
        if not texts or end < start:
            continue
        step = (end - start) / len(texts)
        words += [
            Word(text, round(start + i * step, 3), round(start + (i + 1) * step, 3))
            for i, text in enumerate(texts)
        ]
    return tuple(words)
