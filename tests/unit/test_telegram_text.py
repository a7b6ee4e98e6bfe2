"""Splitting texts over Telegram's limit and merging queued texts (coalescing)."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape

from services.telegram_text import (
    AuthoredText,
    attribution_line,
    merge_in_order,
    merged_text,
    split_text,
)


def merged(texts, limit=4096, escape=str):
    return [
        (len(group), merged_text(group, escape)) for group in merge_in_order(texts, limit, escape)
    ]


AT = datetime(2026, 12, 4, 14, 2, tzinfo=UTC)


def test_a_short_text_is_one_part() -> None:
    assert split_text("hello", 10) == ["hello"]
    assert split_text("   ", 10) == []


def test_split_prefers_a_paragraph_break() -> None:
    text = "first paragraph line.\n\nsecond paragraph"
    assert split_text(text, 30) == ["first paragraph line.", "second paragraph"]


def test_split_at_a_sentence_end_when_there_is_no_break() -> None:
    text = "One sentence here. Another sentence follows it"
    assert split_text(text, 30) == ["One sentence here.", "Another sentence follows it"]


def test_split_never_cuts_a_word_when_a_space_fits() -> None:
    words = ["alpha", "beta", "gamma", "delta", "epsilon"] * 200
    text = " ".join(words)
    parts = split_text(text, 4096 // 8)
    assert all(len(part) <= 512 for part in parts)
    assert " ".join(parts).split() == words  # nothing lost, no word cut


def test_a_word_longer_than_the_limit_is_cut() -> None:
    assert split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]


def test_split_keeps_every_character_of_a_long_message() -> None:
    text = "\n\n".join(f"Paragraph {n}. " + "word " * 300 for n in range(20))
    parts = split_text(text)
    assert len(parts) > 1 and all(len(part) <= 4096 for part in parts)
    assert "".join(parts).replace(" ", "").replace("\n", "") == text.replace(" ", "").replace(
        "\n", ""
    )


def test_merge_in_order_with_attribution_lines() -> None:
    texts = [AuthoredText("Anna", AT, "first"), AuthoredText("Boris", AT, "second")]
    assert merged(texts) == [
        (2, f"{attribution_line('Anna', AT)}\nfirst\n\n{attribution_line('Boris', AT)}\nsecond")
    ]
    assert attribution_line("Anna", AT) == "— Anna · 14:02"


def test_a_lone_text_stays_as_it_was() -> None:
    assert merged([AuthoredText("Anna", AT, "only")]) == [(1, "only")]


def test_merging_stops_at_the_limit_and_keeps_order() -> None:
    texts = [AuthoredText("A", AT, f"{n}" * 30) for n in range(6)]
    result = merged(texts, limit=100)
    assert [count for count, _ in result] == [2, 2, 2]
    assert all(len(text) <= 100 for _, text in result)
    joined = "".join(text for _, text in result)
    assert [joined.index(f"{n}" * 30) for n in range(6)] == sorted(
        joined.index(f"{n}" * 30) for n in range(6)
    )


def test_a_text_that_fits_only_alone_is_not_cut() -> None:
    texts = [AuthoredText("A", AT, "a" * 95), AuthoredText("B", AT, "b" * 10)]
    assert merged(texts, limit=100) == [(1, "a" * 95), (1, "b" * 10)]


def test_attribution_is_escaped_for_html() -> None:
    texts = [AuthoredText("<Anna>", AT, "x"), AuthoredText("B&B", AT, "y")]
    [(count, text)] = merged(texts, escape=escape)
    assert count == 2 and "&lt;Anna&gt;" in text and "B&amp;B" in text
