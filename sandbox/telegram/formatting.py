"""Turning formatted text (parse_mode HTML / MarkdownV2 / Markdown) into plain text + entities.

Telegram rejects malformed markup with "Bad Request: can't parse entities: ...", and a bot
that works against the sandbox must not fail against Telegram, so the parsers are strict
about the things Telegram is strict about (unknown/unbalanced tags, unescaped characters).
"""

from __future__ import annotations

import html
import re
from typing import Any

from sandbox.telegram.spec import ApiError, bad_request

# HTML tag -> entity type (None: the tag needs attributes to decide).
_HTML_TAGS: dict[str, str | None] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": None,
    "a": None,
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_TAG_PATTERN = re.compile(
    r"<(/?)([a-zA-Z][\w-]*)((?:\s+[\w-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?)*)\s*(/?)>"
)
_ATTRIBUTE_PATTERN = re.compile(r"([\w-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+)))?")


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse_error(detail: str) -> ApiError:
    return bad_request(f"can't parse entities: {detail}")


def parse_text(text: str, parse_mode: str | None) -> tuple[str, list[dict[str, Any]]]:
    """Returns the text as the user sees it and its entities."""
    if not parse_mode:
        return text, []
    mode = parse_mode.lower()
    if mode == "html":
        return parse_html(text)
    if mode == "markdownv2":
        return parse_markdown_v2(text)
    if mode == "markdown":
        return parse_markdown_legacy(text), []
    raise bad_request(f"unsupported parse_mode {parse_mode}")


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    plain: list[str] = []
    plain_length = 0  # in UTF-16 code units, as Telegram counts entity offsets
    entities: list[dict[str, Any]] = []
    open_tags: list[tuple[str, int, dict[str, Any]]] = []
    position = 0

    def add_text(chunk: str) -> None:
        nonlocal plain_length
        decoded = _decode_html_text(chunk)
        plain.append(decoded)
        plain_length += utf16_length(decoded)

    while position < len(source):
        bracket = source.find("<", position)
        if bracket == -1:
            add_text(source[position:])
            break
        add_text(source[position:bracket])
        position = bracket
        match = _TAG_PATTERN.match(source, bracket)
        byte_offset = len(source[:bracket].encode("utf-8"))
        if match is None:
            raise parse_error(f'Unsupported start tag "" at byte offset {byte_offset}')
        closing, tag, attributes, _self_closing = match.groups()
        tag = tag.lower()
        if tag not in _HTML_TAGS:
            kind = "end" if closing else "start"
            raise parse_error(f'Unsupported {kind} tag "{tag}" at byte offset {byte_offset}')
        if closing:
            if not open_tags or open_tags[-1][0] != tag:
                raise parse_error(
                    f'Unmatched end tag at byte offset {byte_offset}, expected "</'
                    f'{open_tags[-1][0] if open_tags else ""}>", found "</{tag}>"'
                )
            _, start, entity = open_tags.pop()
            if entity and plain_length > start:
                entity["offset"] = start
                entity["length"] = plain_length - start
                entities.append(entity)
        else:
            open_tags.append((tag, plain_length, _html_entity(tag, attributes, byte_offset)))
        position = match.end()
    if open_tags:
        raise parse_error(f'Can\'t find end tag corresponding to start tag "{open_tags[-1][0]}"')
    entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
    return "".join(plain), entities


def _decode_html_text(chunk: str) -> str:
    # Telegram tolerates a bare ">" and unknown "&..." sequences; only "<" must be escaped.
    return html.unescape(chunk)


def _html_entity(tag: str, attributes: str, byte_offset: int) -> dict[str, Any]:
    attrs = {
        match[1].lower(): next((group for group in match.groups()[1:] if group is not None), "")
        for match in _ATTRIBUTE_PATTERN.finditer(attributes or "")
    }
    kind = _HTML_TAGS[tag]
    if tag == "a":
        href = attrs.get("href")
        if not href:
            # Telegram drops a link without href but keeps the text.
            return {}
        return {"type": "text_link", "url": html.unescape(href)}
    if tag == "span":
        if attrs.get("class") != "tg-spoiler":
            raise parse_error(
                f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset}'
            )
        return {"type": "spoiler"}
    if tag == "blockquote" and "expandable" in attrs:
        return {"type": "expandable_blockquote"}
    if tag == "pre" and attrs.get("language"):
        return {"type": "pre", "language": attrs["language"]}
    if tag == "tg-emoji":
        return {"type": "custom_emoji", "custom_emoji_id": attrs.get("emoji-id", "")}
    assert kind is not None
    return {"type": kind}


_MARKDOWN_V2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_MARKDOWN_V2_MARKERS = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough"}


def parse_markdown_v2(source: str) -> tuple[str, list[dict[str, Any]]]:
    """A pragmatic MarkdownV2 parser: formatting, code, links, escapes and reserved chars."""
    plain: list[str] = []
    plain_length = 0
    entities: list[dict[str, Any]] = []
    open_markers: dict[str, int] = {}
    index = 0

    def emit(chunk: str) -> None:
        nonlocal plain_length
        plain.append(chunk)
        plain_length += utf16_length(chunk)

    def byte_offset() -> int:
        return len(source[:index].encode("utf-8"))

    while index < len(source):
        char = source[index]
        if char == "\\":
            if index + 1 < len(source):
                emit(source[index + 1])
                index += 2
                continue
            raise parse_error(
                f"Character '\\' is reserved and must be escaped at byte offset {byte_offset()}"
            )
        if source.startswith("```", index):
            end = source.find("```", index + 3)
            if end == -1:
                raise parse_error(f"Can't find end of Pre entity at byte offset {byte_offset()}")
            body = source[index + 3 : end]
            language, _, code = body.partition("\n") if "\n" in body else ("", "", body)
            start = plain_length
            emit(code.replace("\\`", "`").replace("\\\\", "\\"))
            entity: dict[str, Any] = {
                "type": "pre",
                "offset": start,
                "length": plain_length - start,
            }
            if language:
                entity["language"] = language
            entities.append(entity)
            index = end + 3
            continue
        if char == "`":
            end = source.find("`", index + 1)
            if end == -1:
                raise parse_error(f"Can't find end of Code entity at byte offset {byte_offset()}")
            start = plain_length
            emit(source[index + 1 : end].replace("\\`", "`").replace("\\\\", "\\"))
            entities.append({"type": "code", "offset": start, "length": plain_length - start})
            index = end + 1
            continue
        if char == "[":
            link = re.compile(r"\[((?:\\.|[^\]\\])*)\]\(((?:\\.|[^)\\])*)\)").match(source, index)
            if link is None:
                raise parse_error(
                    f"Character '[' is reserved and must be escaped with the preceding '\\'"
                    f" at byte offset {byte_offset()}"
                )
            inner_text, inner_entities = parse_markdown_v2(link[1])
            start = plain_length
            emit(inner_text)
            for inner in inner_entities:
                entities.append({**inner, "offset": inner["offset"] + start})
            url = re.sub(r"\\(.)", r"\1", link[2])
            entities.append(
                {"type": "text_link", "offset": start, "length": plain_length - start, "url": url}
            )
            index = link.end()
            continue
        marker = (
            "__"
            if source.startswith("__", index)
            else "||"
            if source.startswith("||", index)
            else char
        )
        if marker in _MARKDOWN_V2_MARKERS or marker == "||":
            if marker in open_markers:
                start = open_markers.pop(marker)
                if plain_length > start:
                    kind = "spoiler" if marker == "||" else _MARKDOWN_V2_MARKERS[marker]
                    entities.append({"type": kind, "offset": start, "length": plain_length - start})
            else:
                open_markers[marker] = plain_length
            index += len(marker)
            continue
        if char in _MARKDOWN_V2_RESERVED and not (
            char == ">" and (index == 0 or source[index - 1] == "\n")
        ):
            raise parse_error(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        if char == ">":
            index += 1
            continue
        emit(char)
        index += 1
    if open_markers:
        raise parse_error("Can't find end of the entity starting at byte offset 0")
    entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
    return "".join(plain), entities


def parse_markdown_legacy(source: str) -> str:
    """Legacy Markdown: strips *bold*, _italic_, `code` and [text](url) markers."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", source)
    return re.sub(r"(?<!\\)[*_`]", "", text).replace("\\", "")
