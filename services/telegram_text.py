"""Message text against Telegram's 4096-character limit: splitting long texts, merging short ones.

A text over the limit is split at the last paragraph break that fits, else a line break, else a
sentence end, else a space; only a single word longer than the limit is cut inside. Texts queued
for the same chat while its budget is spent are merged into one message, in order, each under a
line with its author and time, as long as the merged text fits; a text is never cut to fit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

TELEGRAM_TEXT_LIMIT = 4096

SENTENCE_END = re.compile(r"[.!?…][\"'»)\]]*\s")


def split_text(text: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """The text in parts of at most `limit` characters, cut at the most natural boundary."""
    parts: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = _cut_position(rest, limit)
        part = rest[:cut].rstrip()
        if not part:  # only whitespace before the boundary: cut the word itself
            part, cut = rest[:limit], limit
        parts.append(part)
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts


def _cut_position(text: str, limit: int) -> int:
    """Where to cut: the strongest boundary in the second half of what fits, else any space."""
    head = text[: limit + 1]  # a boundary right after the limit still leaves a part that fits
    sentence_ends = [match.end() - 1 for match in SENTENCE_END.finditer(head)]
    candidates = [
        head.rfind("\n\n"),
        head.rfind("\n"),
        max((end for end in sentence_ends if end <= limit), default=-1),
        max(head.rfind(" "), head.rfind("\t")),
    ]
    for position in candidates:
        if position >= limit // 2:
            return position
    position = max(candidates)
    return position if position > 0 else limit


@dataclass(frozen=True)
class AuthoredText:
    author: str
    sent_at: datetime
    text: str


def attribution_line(author: str, sent_at: datetime) -> str:
    return f"— {author} · {sent_at:%H:%M}"


def merge_in_order(
    texts: Sequence[AuthoredText],
    limit: int = TELEGRAM_TEXT_LIMIT,
    escape: Callable[[str], str] = lambda value: value,
) -> list[tuple[int, str]]:
    """Consecutive texts merged into messages of at most `limit` characters.

    Returns (how many of the texts, merged text) in order; a text that does not fit with others
    stays a message of its own, as it was (`escape` is applied to the attribution lines only,
    for HTML texts).
    """

    def section(item: AuthoredText) -> str:
        return f"{escape(attribution_line(item.author, item.sent_at))}\n{item.text}"

    merged: list[tuple[int, str]] = []
    run: list[AuthoredText] = []

    def close_run() -> None:
        if len(run) == 1:
            merged.append((1, run[0].text))
        elif run:
            merged.append((len(run), "\n\n".join(section(item) for item in run)))
        run.clear()

    for item in texts:
        candidate = [*run, item]
        joined_length = sum(len(section(each)) for each in candidate) + 2 * (len(candidate) - 1)
        if run and joined_length > limit:
            close_run()
        run.append(item)
    close_run()
    return merged


__all__ = [
    "TELEGRAM_TEXT_LIMIT",
    "AuthoredText",
    "attribution_line",
    "merge_in_order",
    "split_text",
]
