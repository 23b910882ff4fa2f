"""Sheet scans: validated by their content (Pillow for images, pypdf for PDF) and stored
in the ``private`` storage under a random name with the extension of the verified type."""

import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from pypdf import PdfReader

from questions.images import image_normalize

SCAN_MAX_BYTES = 10 * 1024 * 1024
SCAN_MAX_PDF_PAGES = 20
# The only types a stored scan can have, by the extension it was stored under.
SCAN_TYPES = {".jpg": "image/jpeg", ".pdf": "application/pdf"}
INLINE_TYPES = {"image/jpeg"}


@dataclass
class VerifiedScan:
    """A scan whose content was checked: ``content`` is named ``scan.jpg`` or ``scan.pdf``."""

    content: ContentFile
    content_type: str


def scan_verify(upload) -> VerifiedScan:
    """Check a scan by its content, or raise ``ValidationError`` in Vietnamese.

    A PDF must parse (pypdf) and have 1–20 pages; anything else must be an image Pillow
    verifies, and is re-encoded as JPEG (which also drops metadata and anything appended).
    The name the file arrived under plays no part.
    """
    if isinstance(upload, VerifiedScan):
        return upload
    upload.seek(0)
    data = upload.read(SCAN_MAX_BYTES + 1)
    if len(data) > SCAN_MAX_BYTES:
        raise ValidationError(_("Tệp quá lớn: tối đa 10 MB."), code="scan_too_big")
    if data.lstrip()[:5] == b"%PDF-":
        _pdf_check(data)
        return VerifiedScan(ContentFile(data, name="scan.pdf"), "application/pdf")

    try:
        normalized = image_normalize(ContentFile(data))
    except ValidationError as error:
        raise ValidationError(
            _("Tệp không phải ảnh hay PDF đọc được: %(e)s") % {"e": error.messages[0]},
            code="scan_unreadable",
        ) from error
    return VerifiedScan(ContentFile(normalized.full.read(), name="scan.jpg"), "image/jpeg")


def _pdf_check(data: bytes) -> None:
    refused = ValidationError(
        _("Tệp có đầu là PDF nhưng không phải PDF đọc được. Hãy quét hoặc chụp lại phiếu."),
        code="scan_bad_pdf",
    )
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = len(reader.pages)
        for page in reader.pages[:SCAN_MAX_PDF_PAGES]:
            page.mediabox  # noqa: B018 — every page must be a real page object
    except Exception as error:  # pypdf raises many kinds on a broken file
        raise refused from error
    if pages < 1:
        raise refused
    if pages > SCAN_MAX_PDF_PAGES:
        raise ValidationError(
            _("Tệp PDF có %(n)s trang; một phiếu tối đa %(max)s trang.")
            % {"n": pages, "max": SCAN_MAX_PDF_PAGES},
            code="scan_pages",
        )


def scan_store(*, receipt, scan) -> None:
    """The one way a scan is stored: verified, then saved under a random private name.

    ``receipt.save()`` is the caller's (``paper_receive``).
    """
    verified = scan_verify(scan)
    receipt.scan.save(verified.content.name, verified.content, save=False)


def scan_content_type(name: str) -> tuple[str, bool, str]:
    """(content type, shown inline?, extension) of a stored scan, from the name it was stored
    under; a name this module did not give (an old upload) is a download of unknown type."""
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in SCAN_TYPES:
        return "application/octet-stream", False, "bin"
    content_type = SCAN_TYPES[suffix]
    return content_type, content_type in INLINE_TYPES, suffix[1:]
