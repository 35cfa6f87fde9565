"""What every PDF Lotsa makes shares: the font."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from fpdf import FPDF


def body_font(pdf: FPDF) -> tuple[str, bool]:
    """DejaVu Sans where the system has it (every character a name may hold); else the PDF's own
    Helvetica, which covers Swedish (Latin-1) and shows anything else as '?'. Returns the family and
    whether it is a Unicode font."""
    path = Path(settings.LOTSA_PDF_FONT)
    if path.is_file():
        pdf.add_font("Body", "", str(path))
        bold = path.with_name(path.name.replace(".ttf", "-Bold.ttf"))
        pdf.add_font("Body", "B", str(bold if bold.is_file() else path))
        return "Body", True
    return "Helvetica", False
