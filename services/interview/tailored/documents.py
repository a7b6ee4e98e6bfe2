"""The user's inputs for a tailored interview: a resume PDF and a job description text.

Both are checked before any model sees them, and every refusal carries a reason that maps to
a translated message (`tailored-error-*` in locales/*/tailored.ftl) telling the user what to
send instead.
"""

from __future__ import annotations

import io
import logging
import re
from enum import StrEnum
from typing import Any

from pypdf import PasswordType, PdfReader

logger = logging.getLogger(__name__)

MAX_RESUME_BYTES = 10 * 1024 * 1024
# Only this many pages are read: a resume is one to three pages, and a hostile PDF with
# thousands of pages must not keep the bot busy.
MAX_RESUME_PAGES = 20
MAX_RESUME_CHARS = 20_000
# Fewer letters than this means the PDF is a scan or a picture: nothing to tailor from.
MIN_RESUME_LETTERS = 40
PDF_MAGIC = b"%PDF-"
PDF_MAGIC_WINDOW = 1024

MAX_JOB_DESCRIPTION_CHARS = 10_000
MIN_JOB_DESCRIPTION_LETTERS = 30

LETTER_RE = re.compile(r"[^\W\d_]")
URL_RE = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
HORIZONTAL_SPACE_RE = re.compile(r"[^\S\n]+")
# Control characters other than tab and line breaks, which PDFs sometimes carry in text.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff]")


class ResumeProblem(StrEnum):
    TOO_LARGE = "too_large"
    NOT_PDF = "not_pdf"
    ENCRYPTED = "encrypted"
    NO_TEXT = "no_text"
    UNREADABLE = "unreadable"

    @property
    def message_id(self) -> str:
        return "tailored-error-" + self.value.replace("_", "-")


class JobDescriptionProblem(StrEnum):
    EMPTY = "empty"
    LINK_ONLY = "link_only"
    TOO_LONG = "too_long"

    @property
    def message_id(self) -> str:
        return "tailored-error-job-" + self.value.replace("_", "-")


class ResumeError(Exception):
    """The resume cannot be used; `message_id` and `message_args` say why, translated."""

    def __init__(self, reason: ResumeProblem, *, max_bytes: int = MAX_RESUME_BYTES) -> None:
        super().__init__(reason.value)
        self.reason = reason
        self.max_bytes = max_bytes

    @property
    def message_id(self) -> str:
        return self.reason.message_id

    @property
    def message_args(self) -> dict[str, Any]:
        return {"limit_mb": max(1, round(self.max_bytes / (1024 * 1024)))}


class JobDescriptionError(Exception):
    """The job description cannot be used; `message_id` and `message_args` say why."""

    def __init__(
        self, reason: JobDescriptionProblem, *, max_chars: int = MAX_JOB_DESCRIPTION_CHARS
    ) -> None:
        super().__init__(reason.value)
        self.reason = reason
        self.max_chars = max_chars

    @property
    def message_id(self) -> str:
        return self.reason.message_id

    @property
    def message_args(self) -> dict[str, Any]:
        return {"limit": self.max_chars}


def normalize_text(text: str) -> str:
    """Single spaces inside lines, no blank-line runs, no control characters; lines are kept.

    Line structure matters: requirements and projects are found line by line.
    """
    text = CONTROL_RE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [HORIZONTAL_SPACE_RE.sub(" ", line).strip() for line in text.split("\n")]
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    return "\n".join(kept).strip()


def count_letters(text: str) -> int:
    return len(LETTER_RE.findall(text))


def _cap(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars]
    # End on a whole line when one ends reasonably close to the limit.
    newline = cut.rfind("\n")
    return cut[:newline] if newline > max_chars * 0.8 else cut


def extract_resume_text(data: bytes, *, max_bytes: int = MAX_RESUME_BYTES) -> str:
    """The resume's text, whitespace-normalised and capped at `MAX_RESUME_CHARS`.

    Raises `ResumeError` when the file is too large, is not a PDF (judged by its content, not
    its name), is password-protected, has no text layer (a scan) or cannot be parsed.
    Synchronous and CPU-bound: call it through `asyncio.to_thread` from a handler.
    """
    if len(data) > max_bytes:
        raise ResumeError(ResumeProblem.TOO_LARGE, max_bytes=max_bytes)
    if PDF_MAGIC not in data[:PDF_MAGIC_WINDOW]:
        raise ResumeError(ResumeProblem.NOT_PDF, max_bytes=max_bytes)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not _opens_without_password(reader):
            raise ResumeError(ResumeProblem.ENCRYPTED, max_bytes=max_bytes)
        text = _read_pages(reader)
    except ResumeError:
        raise
    except Exception as error:
        # pypdf raises many types (PdfReadError, PdfStreamError, ValueError, KeyError...) on
        # broken files; to the user they all mean the same thing.
        logger.info("Resume PDF is unreadable: %s: %s", type(error).__name__, error)
        raise ResumeError(ResumeProblem.UNREADABLE, max_bytes=max_bytes) from error
    return resume_from_text(text, max_bytes=max_bytes)


def resume_from_text(text: str | None, *, max_bytes: int = MAX_RESUME_BYTES) -> str:
    """A resume's text (read from a PDF or pasted as a message), normalised and capped.

    Raises `ResumeError` (`NO_TEXT`) when it has too few letters to be a resume.
    """
    text = _cap(normalize_text(text or ""), MAX_RESUME_CHARS)
    if count_letters(text) < MIN_RESUME_LETTERS:
        raise ResumeError(ResumeProblem.NO_TEXT, max_bytes=max_bytes)
    return text


def _opens_without_password(reader: PdfReader) -> bool:
    """PDFs "protected" with an empty user password (only an owner password) open for anyone."""
    try:
        return reader.decrypt("") != PasswordType.NOT_DECRYPTED
    except Exception:
        # e.g. AES without the optional crypto dependency: to the user it is a locked file.
        return False


def _read_pages(reader: PdfReader) -> str:
    parts: list[str] = []
    length = 0
    for number, page in enumerate(reader.pages):
        if number >= MAX_RESUME_PAGES or length > MAX_RESUME_CHARS:
            break
        page_text = page.extract_text() or ""
        parts.append(page_text)
        length += len(page_text)
    return "\n".join(parts)


def validate_job_description(
    text: str | None, *, max_chars: int = MAX_JOB_DESCRIPTION_CHARS
) -> str:
    """The job description, whitespace-normalised; raises `JobDescriptionError` when unusable.

    A bare link is refused with its own reason: the bot does not open links, the user should
    paste the vacancy's text.
    """
    normalized = normalize_text(text or "")
    if len(normalized) > max_chars:
        raise JobDescriptionError(JobDescriptionProblem.TOO_LONG, max_chars=max_chars)
    without_links = URL_RE.sub(" ", normalized)
    if count_letters(without_links) < MIN_JOB_DESCRIPTION_LETTERS:
        reason = (
            JobDescriptionProblem.LINK_ONLY
            if URL_RE.search(normalized)
            else JobDescriptionProblem.EMPTY
        )
        raise JobDescriptionError(reason, max_chars=max_chars)
    return normalized
