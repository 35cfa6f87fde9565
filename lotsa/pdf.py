"""What every PDF Lotsa makes shares: the font, the document's set-up and its lines of text."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import HttpResponse
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


class NoArchivalFont(Exception):
    """PDF/A embeds every font: without the body font's file (LOTSA_PDF_FONT), none can be made."""


class Document:
    """An A4 PDF made by Lotsa, with one page begun: ``line`` writes a paragraph, ``text`` makes any value
    printable in the body font (Latin-1 with '?' where the font has no Unicode).

    ``archival``: a PDF/A-2b document (ISO 19005-2, level B: fpdf2 embeds the font, writes the XMP
    metadata naming the part and conformance and an sRGB output intent), for the archive's package.
    It needs the body font's file: the PDF's own Helvetica is not embedded, which PDF/A forbids."""

    ARCHIVAL = "PDF/A-2B"

    def __init__(self, title: str, *, archival: bool = False):
        self.pdf = FPDF(format="A4", enforce_compliance=self.ARCHIVAL if archival else None)
        self.pdf.set_title(title)
        self.pdf.set_creator("Lotsa")
        self.family, self.unicode = body_font(self.pdf)
        if archival and not self.unicode:
            raise NoArchivalFont(settings.LOTSA_PDF_FONT)
        self.pdf.add_page()

    def text(self, value) -> str:
        value = str(value)
        return value if self.unicode else value.encode("latin-1", "replace").decode("latin-1")

    def line(self, value, size=10, style="", height=5) -> None:
        self.pdf.set_font(self.family, style, size)
        self.pdf.multi_cell(0, height, self.text(value), new_x="LMARGIN", new_y="NEXT")

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def response(pdf: bytes, filename: str, *, inline: bool = False) -> HttpResponse:
    """A PDF of personal data as a response: downloaded (or shown, ``inline``) under ``filename``, which
    names no one, and never kept by a browser's or a proxy's cache."""
    answer = HttpResponse(pdf, content_type="application/pdf")
    answer["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{filename}"'
    answer["Cache-Control"] = "no-store"
    return answer
