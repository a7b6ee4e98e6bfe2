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
TELEGRAM_CAPTION_LIMIT = 1024  # a photo's caption
TELEGRAM_PHOTO_LIMIT_BYTES = 10 * 1024 * 1024  # a photo the bot uploads
TELEGRAM_DOWNLOAD_LIMIT_BYTES = 20 * 1024 * 1024  # a file the bot may download (getFile)

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


def attribution_heading(item: AuthoredText, escape: Callable[[str], str] = str) -> str:
    """What goes above an attributed text: its attribution line and a line break."""
    return f"{escape(attribution_line(item.author, item.sent_at))}\n"


def merged_text(
    texts: Sequence[AuthoredText],
    escape: Callable[[str], str] = str,
    *,
    always_attributed: bool = False,
) -> str:
    """One text as it was (under its attribution line if `always_attributed`); several, each
    under its attribution line (`escape` applies to the lines only, for HTML texts)."""
    if len(texts) == 1 and not always_attributed:
        return texts[0].text
    return "\n\n".join(attribution_heading(item, escape) + item.text for item in texts)


def merge_in_order(
    texts: Sequence[AuthoredText],
    limit: int = TELEGRAM_TEXT_LIMIT,
    escape: Callable[[str], str] = str,
) -> list[list[AuthoredText]]:
    """Consecutive texts grouped into messages whose `merged_text` fits in `limit` characters;
    a text that does not fit with others is a group of its own."""
    groups: list[list[AuthoredText]] = []
    for item in texts:
        if groups and len(merged_text([*groups[-1], item], escape)) <= limit:
            groups[-1].append(item)
        else:
            groups.append([item])
    return groups


__all__ = [
    "TELEGRAM_TEXT_LIMIT",
    "AuthoredText",
    "attribution_heading",
    "attribution_line",
    "merge_in_order",
    "merged_text",
    "split_text",
]
