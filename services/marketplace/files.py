"""What a file is, known by its first bytes: the types the marketplaces take (JPEG, PNG, PDF)
and Telegram shows as photos. A declared type (a document's, a marketplace's) may be wrong."""

from __future__ import annotations

JPEG = "image/jpeg"
PNG = "image/png"
PDF = "application/pdf"
MAGIC_NUMBERS = {b"\xff\xd8\xff": JPEG, b"\x89PNG\r\n\x1a\n": PNG, b"%PDF-": PDF}
EXTENSIONS = {JPEG: ".jpg", PNG: ".png", PDF: ".pdf"}
PHOTO_TYPES = frozenset({JPEG, PNG})


def sniffed_type(content: bytes) -> str | None:
    return next((kind for magic, kind in MAGIC_NUMBERS.items() if content.startswith(magic)), None)
