"""The one way a PDF is started: A4, DejaVu Sans embedded (static/fonts, free licence) so
Vietnamese diacritics print on any machine, the same margins everywhere."""

from pathlib import Path

from django.conf import settings
from fpdf import FPDF

FONT_DIR = Path(settings.BASE_DIR) / "static" / "fonts"


def pdf_document():
    """A new A4 ``FPDF`` with the regular and bold DejaVu fonts added as ``DejaVu``."""
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(True, margin=15)
    pdf.set_margins(15, 15, 15)
    return pdf
