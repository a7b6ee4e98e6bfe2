"""Libraries that talk at INFO are kept to their warnings: a PDF report used to add some 75
fontTools lines to the bot's log."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.logs import CHATTY_LIBRARIES, quiet_chatty_libraries


def _pdf_with_a_subset_font() -> bytes:
    import matplotlib
    from fpdf import FPDF

    font = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    pdf = FPDF()
    pdf.add_font("Body", "", str(font))
    pdf.add_page()
    pdf.set_font("Body", size=12)
    pdf.cell(text="Отчёт о собеседовании · interview report")
    return bytes(pdf.output())  # fpdf subsets the font here, through fontTools


def _font_tools_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name.startswith("fontTools")]


def test_a_pdf_report_adds_no_font_tools_lines_to_the_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    saved = {name: logging.getLogger(name).level for name in CHATTY_LIBRARIES}
    try:
        for name in CHATTY_LIBRARIES:
            logging.getLogger(name).setLevel(logging.NOTSET)
        _pdf_with_a_subset_font()
        assert len(_font_tools_records(caplog)) > 10  # what the quieting is for
        caplog.clear()

        quiet_chatty_libraries()
        assert _pdf_with_a_subset_font().startswith(b"%PDF")
        assert _font_tools_records(caplog) == []
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)
