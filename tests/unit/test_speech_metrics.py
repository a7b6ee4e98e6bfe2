"""Speech metrics: filler words (both languages, spellings, ambiguous words), pace, pauses, tip."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from services.speech import (
    COMFORTABLE_WPM,
    LONG_PAUSE_S,
    DeliveryTip,
    Pace,
    SpeechMetrics,
    Transcript,
    Word,
    count_fillers,
    measure_speech,
)
from services.speech.fillers import FILLERS
from services.speech.metrics import choose_tip, pace_of

# --- fillers: English ---------------------------------------------------------------------------


def test_every_english_filler_is_counted_in_its_filler_use() -> None:
    text = (
        "Um, so, I think it's, like, a tree. Uh, you know, it's sorted. Er, I mean, it works. "
        "Ah, basically it is actually literally a tree. Hmm. Well, it's kind of sorted and sort "
        "of balanced."
    )
    assert count_fillers(text, "en") == Counter(
        {
            "um": 1,
            "so": 1,
            "like": 1,
            "uh": 1,
            "you know": 1,
            "er": 1,
            "I mean": 1,
            "ah": 1,
            "basically": 1,
            "actually": 1,
            "literally": 1,
            "hmm": 1,
            "well": 1,
            "kind of": 1,
            "sort of": 1,
        }
    )
    names = {filler.name for filler in FILLERS["en"]}
    assert names == set(count_fillers(text, "en"))  # the test covers the whole list


@pytest.mark.parametrize(
    ("spelling", "name"),
    [
        ("umm", "um"), ("ummm", "um"), ("uhm", "um"), ("uhh", "uh"), ("erm", "er"),
        ("err", "er"), ("ahh", "ah"), ("hm", "hmm"), ("hmmm", "hmm"), ("mm", "hmm"),
        ("mmm", "hmm"), ("UMM", "um"), ("Kinda", "kind of"), ("sorta", "sort of"),
    ],
)  # fmt: skip
def test_english_spelling_variants_fold_into_one_name(spelling: str, name: str) -> None:
    assert count_fillers(f"It is, {spelling}, a tree.", "en") == Counter({name: 1})


@pytest.mark.parametrize(
    "text",
    [
        "I like indexes.",
        "I would like to add an index.",
        "It looks like a tree and it feels like magic.",
        "We use things like that.",
        "Do you know how it works?",
        "You know the answer.",
        "What I mean is that it is sorted.",
        "I mean it.",
        "It is a kind of tree, and this sort of index is common.",
        "What kind of index is it?",
        "We had many reads, so we added an index.",
        "It is so much faster, so that reads are cheap.",
        "So far it works.",
        "It scales well, and it works well.",
        "Well known databases use it as well.",
        "It went well-known.",
        "Uh-huh.",
    ],
)
def test_ordinary_uses_of_ambiguous_english_words_are_not_fillers(text: str) -> None:
    assert count_fillers(text, "en") == Counter(), text


def test_so_and_well_count_at_a_sentence_start_or_set_off_and_after_a_hesitation() -> None:
    assert count_fillers("So the index is a tree.", "en") == Counter({"so": 1})
    assert count_fillers("Um, so the index is a tree.", "en") == Counter({"um": 1, "so": 1})
    assert count_fillers("The index, well, is a tree.", "en") == Counter({"well": 1})
    assert count_fillers("Well the index is a tree.", "en") == Counter({"well": 1})
    assert count_fillers("It works, so, it is fine.", "en") == Counter({"so": 1})


def test_like_counts_only_when_set_off_by_punctuation() -> None:
    assert count_fillers("It was like, huge.", "en") == Counter({"like": 1})
    assert count_fillers("Like, I think it is a tree.", "en") == Counter({"like": 1})
    assert count_fillers("Like I said, it is a tree.", "en") == Counter()
    # Mid-clause without punctuation is missed on purpose (precision over recall).
    assert count_fillers("It was like really fast.", "en") == Counter()


def test_unpunctuated_text_counts_only_unambiguous_fillers() -> None:
    text = "um so basically i think like the index you know is kind of a tree"
    assert count_fillers(text, "en") == Counter({"um": 1, "so": 1, "basically": 1, "kind of": 1})


def test_curly_apostrophes_and_case_do_not_matter() -> None:
    assert count_fillers("I’d like it. BASICALLY, It’s KIND OF fine.", "en") == Counter(
        {"basically": 1, "kind of": 1}
    )


# --- fillers: Russian ---------------------------------------------------------------------------


def test_every_russian_filler_is_counted_in_its_filler_use() -> None:
    text = (
        "Ну, короче, индекс — это как бы дерево, типа, сортированное. Это самое, э-э, "
        "собственно, так сказать, на самом деле всё просто. В общем, получается, поиск "
        "быстрый, вот. Блин, забыл."
    )
    assert count_fillers(text, "ru") == Counter(
        {
            "ну": 1,
            "короче": 1,
            "как бы": 1,
            "типа": 1,
            "это самое": 1,
            "э-э": 1,
            "собственно": 1,
            "так сказать": 1,
            "на самом деле": 1,
            "в общем": 1,
            "получается": 1,
            "вот": 1,
            "блин": 1,
        }
    )
    assert {filler.name for filler in FILLERS["ru"]} == set(count_fillers(text, "ru"))


@pytest.mark.parametrize(
    "spelling", ["э", "ээ", "эээ", "э-э", "э-э-э", "Э-э-э-э", "эм", "эмм", "мм", "ммм", "а-а"]
)
def test_russian_hesitations_fold_into_one_name(spelling: str) -> None:
    assert count_fillers(f"Индекс, {spelling}, это дерево.", "ru") == Counter({"э-э": 1})


@pytest.mark.parametrize(
    "text",
    [
        "Ответ стал короче.",
        "Короче чем раньше.",
        "Как бы я это сделал?",
        "Как бы то ни было, индекс нужен.",
        "Индекс типа B-tree хранит ключи.",
        "Нужен индекс такого типа, который сортирует.",
        "Это самое главное.",
        "В общем случае индекс ускоряет поиск.",
        "У меня не получается.",
        "Вот этот индекс быстрый.",
        "Вот так он работает.",
    ],
)
def test_ordinary_uses_of_ambiguous_russian_words_are_not_fillers(text: str) -> None:
    assert count_fillers(text, "ru") == Counter(), text


def test_russian_multiword_phrases_and_yo_are_matched() -> None:
    text = "На самом деле, так сказать, всё ясно. Ну вот, в общем, и всё."
    assert count_fillers(text, "ru") == Counter(
        {"на самом деле": 1, "так сказать": 1, "ну": 1, "вот": 1, "в общем": 1}
    )


def test_fillers_of_other_languages_are_not_counted() -> None:
    assert count_fillers("Um, like, you know.", "ru") == Counter()
    assert count_fillers("Ну, короче.", "en") == Counter()
    assert count_fillers("Um, ähm, also.", "de") == Counter()
    assert count_fillers("Um, so, like, yes.", "en-GB") == Counter({"um": 1, "so": 1, "like": 1})


# --- measure_speech -----------------------------------------------------------------------------


def words_at(
    count: int, wpm: float, *, start: float = 0.0, gaps: dict[int, float] | None = None
) -> tuple[Word, ...]:
    """`count` words at `wpm`, with extra silence before the words numbered in `gaps`."""
    step = 60.0 / wpm
    words: list[Word] = []
    at = start
    for index in range(count):
        at += (gaps or {}).get(index, 0.0)
        words.append(Word(f"w{index}", round(at, 4), round(at + step * 0.8, 4)))
        at += step
    return tuple(words)


def transcript(
    text: str, words: tuple[Word, ...], duration: float, language: str = "en"
) -> Transcript:
    return Transcript(text, language, "test", duration, words)


def test_pace_and_speaking_time_come_from_word_timings() -> None:
    words = words_at(30, 120, start=1.5)  # 30 words, one every 0.5 s, after 1.5 s of silence
    metrics = measure_speech(transcript("word " * 30, words, duration=20.0))
    # From the first word's start (1.5) to the last word's end (1.5 + 29 * 0.5 + 0.4).
    assert metrics.speech_s == pytest.approx(14.9)
    assert metrics.duration_s == 20.0
    assert metrics.words == 30
    assert metrics.wpm == pytest.approx(30 / 14.9 * 60, abs=0.05)
    assert metrics.pace is Pace.SLOW
    assert metrics.long_pauses == 0 and metrics.longest_pause_s == 0.0


def test_long_pauses_are_gaps_over_two_seconds_and_leave_speaking_time() -> None:
    words = words_at(40, 150, gaps={10: 2.5, 20: 1.9, 30: 4.0})
    metrics = measure_speech(transcript("word " * 40, words, duration=30.0))
    gap_step = 60 / 150 * 0.2  # the silence between two words at this pace
    assert metrics.long_pauses == 2  # 1.9 s + a word gap stays under 2 s
    assert metrics.longest_pause_s == pytest.approx(4.0 + gap_step, abs=0.01)
    span = words[-1].end - words[0].start
    assert metrics.speech_s == pytest.approx(span - (2.5 + gap_step) - (4.0 + gap_step), abs=0.01)
    assert metrics.wpm == pytest.approx(40 / metrics.speech_s * 60, abs=0.1)
    assert metrics.pace is Pace.COMFORTABLE


def test_without_word_timings_the_audio_silences_give_pauses() -> None:
    metrics = measure_speech(
        transcript("one two three four five six seven eight nine ten", (), duration=10.0),
        audio_pauses=[(2.0, 4.5), (6.0, 7.5)],  # the second is not a long pause
    )
    assert metrics.long_pauses == 1
    assert metrics.longest_pause_s == 2.5
    assert metrics.speech_s == 7.5
    assert metrics.words == 10
    assert metrics.wpm == 80.0


@pytest.mark.parametrize(
    ("wpm", "pace"),
    [(0, Pace.SLOW), (129.9, Pace.SLOW), (130, Pace.COMFORTABLE), (145, Pace.COMFORTABLE),
     (160, Pace.COMFORTABLE), (160.1, Pace.FAST), (230, Pace.FAST)],
)  # fmt: skip
def test_the_comfortable_band_is_130_to_160(wpm: float, pace: Pace) -> None:
    assert COMFORTABLE_WPM == (130, 160)
    assert pace_of(wpm) is pace


def test_fillers_per_minute_and_the_top_three() -> None:
    text = "Um, so, like, it is, um, a tree. Um, basically, like, it is sorted. Uh, yes."
    words = words_at(30, 150)  # 30 words at 150 wpm: 11.92 s of speech
    metrics = measure_speech(transcript(text, words, duration=12.0))
    assert metrics.fillers_total == 8
    assert metrics.top_fillers == (("um", 3), ("like", 2), ("so", 1))
    assert metrics.fillers_per_min == pytest.approx(8 / metrics.speech_s * 60, abs=0.05)


@pytest.mark.parametrize(
    ("wpm", "fillers", "gaps", "tip"),
    [
        (145, 0, {}, DeliveryTip.GOOD),
        (190, 0, {}, DeliveryTip.TOO_FAST),
        (100, 0, {}, DeliveryTip.TOO_SLOW),
        (145, 3, {}, DeliveryTip.FILLERS),  # 3 in ~24 s: 7.5/min, noticed
        (190, 6, {}, DeliveryTip.FILLERS),  # harmful fillers come before pace
        (190, 3, {}, DeliveryTip.TOO_FAST),  # noticed fillers come after pace
        (145, 1, {}, DeliveryTip.GOOD),  # 2.5/min goes unnoticed
        (145, 0, {20: 2.5, 40: 2.5}, DeliveryTip.PAUSES),
        (145, 0, {30: 6.0}, DeliveryTip.PAUSES),
        (145, 0, {30: 3.0}, DeliveryTip.GOOD),  # one short thinking pause is fine
    ],
)
def test_one_tip_in_priority_order(
    wpm: float, fillers: int, gaps: dict[int, float], tip: DeliveryTip
) -> None:
    words = words_at(60, wpm, gaps=gaps)
    text = "Um, it is. " * fillers + "word " * (60 - 3 * fillers)
    metrics = measure_speech(transcript(text, words, duration=words[-1].end + 1))
    assert metrics.fillers_total == fillers
    assert metrics.tip is tip, metrics


def test_two_thinking_pauses_in_a_long_answer_are_fine() -> None:
    words = words_at(450, 150, gaps={100: 2.5, 300: 2.5})  # three minutes, two long pauses
    metrics = measure_speech(transcript("word " * 450, words, duration=190.0))
    assert metrics.long_pauses == 2 and metrics.tip is DeliveryTip.GOOD


@pytest.mark.parametrize(
    ("wpm", "fillers_per_min", "long_pauses_per_min", "tip"),
    [
        (145, 0.0, 0.0, DeliveryTip.GOOD),
        (145, 13.0, 0.0, DeliveryTip.FILLERS),
        (175, 13.0, 0.0, DeliveryTip.FILLERS),
        (175, 6.0, 0.0, DeliveryTip.TOO_FAST),
        (120, 0.0, 2.0, DeliveryTip.TOO_SLOW),
        (145, 6.0, 2.0, DeliveryTip.FILLERS),
        (145, 5.0, 1.0, DeliveryTip.PAUSES),
        (145, 5.0, 0.9, DeliveryTip.GOOD),
    ],
)
def test_the_tip_from_rates_alone_as_for_pooled_answers(
    wpm: float, fillers_per_min: float, long_pauses_per_min: float, tip: DeliveryTip
) -> None:
    chosen = choose_tip(
        wpm=wpm, fillers_per_min=fillers_per_min, long_pauses_per_min=long_pauses_per_min
    )
    assert chosen is tip


def test_a_single_filler_or_a_few_words_give_no_tip_about_them() -> None:
    short = measure_speech(transcript("Um, yes.", words_at(2, 300), duration=1.0))
    assert short.fillers_per_min > 12 and short.pace is Pace.FAST
    assert short.tip is DeliveryTip.GOOD


def test_an_empty_transcript_measures_zero() -> None:
    metrics = measure_speech(transcript("", (), duration=3.0))
    assert (metrics.words, metrics.wpm, metrics.fillers_total) == (0, 0.0, 0)
    assert metrics.pace is Pace.SLOW and metrics.tip is DeliveryTip.GOOD


def test_overlapping_word_timings_are_not_negative_pauses() -> None:
    words = (Word("a", 0.0, 1.0), Word("b", 0.8, 1.5), Word("c", 4.0, 4.5))
    metrics = measure_speech(transcript("a b c", words, duration=5.0))
    assert metrics.long_pauses == 1 and metrics.longest_pause_s == 2.5
    assert metrics.speech_s == 2.0


def test_metrics_round_trip_through_json() -> None:
    words = words_at(50, 170, gaps={25: 3.0})
    metrics = measure_speech(transcript("Um, so, like, yes. " * 3, words, duration=25.0))
    data = json.loads(json.dumps(metrics.to_json()))
    assert data["pace"] == "fast" and data["top_fillers"][0] == ["um", 3]
    assert SpeechMetrics.from_json(data) == metrics
    assert LONG_PAUSE_S == 2.0
