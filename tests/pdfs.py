"""Real PDF files for tests: text resumes (fpdf2 + DejaVu, so Cyrillic works), password-locked
copies (pypdf), image-only "scans", and a PNG to pass off as a PDF."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib
from fpdf import FPDF
from matplotlib.figure import Figure
from pypdf import PdfReader, PdfWriter

FONT = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"


def text_pdf(text: str, pages: int = 1) -> bytes:
    """A PDF with a real text layer; with `pages` > 1 each page ends with "Page marker N"."""
    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=11)
    for number in range(pages):
        pdf.add_page()
        page_text = text if pages == 1 else f"{text}\nPage marker {number + 1}"
        pdf.multi_cell(0, 6, page_text)
    return bytes(pdf.output())


def png_bytes() -> bytes:
    figure = Figure(figsize=(3, 2), dpi=50)
    figure.add_subplot().plot([1, 3, 2])
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def scanned_pdf() -> bytes:
    """A page with only a picture on it, as a scanner produces."""
    pdf = FPDF()
    pdf.add_page()
    pdf.image(io.BytesIO(png_bytes()), x=10, y=10, w=180)
    return bytes(pdf.output())


def encrypted(data: bytes, user_password: str, owner_password: str | None = None) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password, owner_password=owner_password)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def corrupt_pdf() -> bytes:
    """Starts like a PDF, then is noise: no parser can open it."""
    return b"%PDF-1.7\n" + bytes(range(256)) * 20
