"""Batches of photographed answer forms entering the paper pipeline.

``scan_inputs`` turns paths or uploads (jpg, png, pdf pages, folders, zips) into
images; ``scan_batch`` reads them and, unless it is a dry run, gives every
readable sheet its arrival record (through ``paper_receive``, which keeps the
photo as the sheet's scan) and a ``SheetScan`` with the machine's reading.

A person then confirms each sheet on the review screen (``scan_confirm``):
they type the handwritten name and address and settle the places the machine
was unsure of. The machine's reading counts as one keying: with double keying
on, the machine's keying (its certain marks, and the person's answers for the
places in doubt and for the handwriting) and the person's keying go through
``paper_key``, so a person who changes a mark the machine was sure of sends
the sheet to the reconciliation queue; without double keying the person's
confirmation makes the entry.
"""

import io
import math
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import cv2
import pypdfium2
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from contest.models import Contest, SheetScan
from contest.paper.keying import KeyingOutcome, paper_key, paper_receive
from contest.paper.marks import PaperSetupError, mark_groups, paper_versions
from contest.paper.printing import form_geometry
from contest.paper.reading import Reading, sheet_read

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
MAX_IMAGE_BYTES = 30 * 1024 * 1024
# A PDF page is rendered at RENDER_DPI; its size is whatever the file claims (a 333-byte
# PDF can claim 200 × 200 inches: 1.6 GB of pixels), so pages are capped in size and number.
RENDER_DPI = 150
MAX_PAGE_PIXELS = 40_000_000  # an A3 page at 150 dpi is 4.4 megapixels
MAX_PDF_PAGES = 500
MACHINE_USERNAME = "may-doc-phieu"
# The fields a person types from the handwriting (the machine only shows where they are).
HANDWRITTEN = ("full_name", "id_number", "birth_year", "unit", "address")


@dataclass
class ScanResult:
    file: str
    reading: Reading
    sheet_no: str = ""


def scan_inputs(paths: Iterable[str]) -> list[tuple[str, bytes]]:
    """(name, image bytes) for every image in the paths, in the order given.

    A folder or a zip means every jpg/png/pdf in it (sorted by name); a PDF
    gives one PNG per page. A file that is none of these gives empty bytes, so
    that it is reported (rejected) rather than silently skipped.
    """
    items: list[tuple[str, bytes]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                if child.suffix.lower() in (*IMAGE_SUFFIXES, ".pdf", ".zip"):
                    items += input_expand(str(child.relative_to(path)), child.read_bytes())
        elif path.is_file():
            items += input_expand(path.name, path.read_bytes())
        else:
            items.append((raw, b""))
    return items


def input_expand(name: str, data: bytes) -> list[tuple[str, bytes]]:
    lower = name.lower()
    if lower.endswith(".zip") or data[:4] == b"PK\x03\x04":
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile:
            return [(name, b"")]
        out = []
        for info in sorted(archive.infolist(), key=lambda i: i.filename):
            inner = info.filename.lower()
            if info.is_dir() or not inner.endswith((*IMAGE_SUFFIXES, ".pdf")):
                continue
            if info.file_size > MAX_IMAGE_BYTES:
                out.append((f"{name}/{info.filename}", b""))
                continue
            out += input_expand(f"{name}/{info.filename}", archive.read(info))
        return out
    if lower.endswith(".pdf") or data[:5] == b"%PDF-":
        return _pdf_pages(name, data)
    return [(name, data)]


class Unreadable(bytes):
    """Empty bytes standing for an item refused before reading, with the reason why."""

    reason: str

    def __new__(cls, reason: str):
        item = super().__new__(cls, b"")
        item.reason = reason
        return item


def _pdf_pages(name: str, data: bytes) -> list[tuple[str, bytes]]:
    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError:
        return [(name, b"")]
    scale = RENDER_DPI / 72
    pages: list[tuple[str, bytes]] = []
    try:
        count = len(document)
        for index in range(min(count, MAX_PDF_PAGES)):
            page_name = f"{Path(name).stem}-trang-{index + 1}.png"
            page = document[index]
            width, height = (side * scale for side in page.get_size())
            if not (math.isfinite(width * height) and 0 < width * height <= MAX_PAGE_PIXELS):
                pages.append((page_name, Unreadable(_PAGE_TOO_LARGE)))
                continue
            image = page.render(scale=scale, grayscale=True).to_numpy()
            pages.append((page_name, cv2.imencode(".png", image)[1].tobytes()))
        if count > MAX_PDF_PAGES:
            pages.append(
                (
                    f"{Path(name).stem}-trang-{MAX_PDF_PAGES + 1}…{count}",
                    Unreadable(
                        f"Tệp PDF có {count} trang; chỉ đọc {MAX_PDF_PAGES} trang đầu. "
                        "Hãy chia thành nhiều tệp nhỏ hơn."
                    ),
                )
            )
    finally:
        document.close()
    return pages


_PAGE_TOO_LARGE = (
    "Trang PDF này quá lớn (lớn hơn nhiều so với khổ A4/A3): hãy quét lại phiếu ở khổ A4."
)


def contest_forms(contest: Contest) -> Callable[[int], tuple[dict, list[bool]] | None]:
    """``forms(round_number)`` for ``sheet_read``: (geometry, multiple flags), cached."""
    rounds = {r.number: r for r in contest.rounds.all()}
    cache: dict[int, tuple[dict, list[bool]] | None] = {}

    def forms(number: int):
        if number not in cache:
            round_ = rounds.get(number)
            if round_ is None:
                cache[number] = None
            else:
                versions = paper_versions(round_)
                cache[number] = (
                    form_geometry(contest, round_),
                    [v.kind == "multiple" for v in versions],
                )
        return cache[number]

    return forms


def scan_batch(
    *,
    contest: Contest,
    items: list[tuple[str, bytes]],
    dry_run: bool = False,
    user=None,
    postmark_date: date | None = None,
    now: datetime | None = None,
    round_only: int | None = None,
    job=None,
    progress: Callable[[int], None] | None = None,
) -> list[ScanResult]:
    """Read each image; unless ``dry_run``, enter each readable sheet in the pipeline.

    A form whose serial was already scanned for this contest is rejected (a
    second photo of the same sheet), as is one that appears twice in the batch.
    Raises ``PaperSetupError`` when the contest has no fixed paper form.
    """
    now = now or timezone.now()
    postmark_date = postmark_date or timezone.localtime(now, contest.tz).date()
    forms = contest_forms(contest)
    forms(round_only or 1)  # a contest without a fixed form is refused before any image
    seen = set(
        SheetScan.objects.filter(contest=contest)
        .exclude(serial="")
        .values_list("serial", flat=True)
    )
    results = []
    for done, (name, data) in enumerate(items, start=1):
        if not data:
            reading = Reading(
                status="rejected",
                reason=getattr(data, "reason", "")
                or "Không đọc được tệp này (không phải ảnh JPG, PNG hay PDF).",
            )
        else:
            reading = sheet_read(data, contest=contest.slug, forms=forms, round_only=round_only)
        if reading.serial and reading.serial in seen:
            reading = Reading(
                status="rejected",
                serial=reading.serial,
                round=reading.round,
                reason=f"Phiếu mẫu số {reading.serial} đã được chụp trước đó; ảnh này bị bỏ qua.",
            )
        result = ScanResult(file=name, reading=reading)
        if reading.status != "rejected":
            seen.add(reading.serial)
            if not dry_run:
                result.sheet_no = _enter(
                    contest, name, data, reading, user, postmark_date, now, job
                )
        results.append(result)
        if progress:
            progress(done)
    return results


def _enter(contest, name, data, reading: Reading, user, postmark_date, now, job) -> str:
    stored = name.replace("/", "-")[-80:]
    if not stored.lower().endswith(IMAGE_SUFFIXES):
        stored += ".png"
    with transaction.atomic():
        receipt = paper_receive(
            contest=contest,
            postmark_date=postmark_date,
            received_at=now,
            scan=ContentFile(data, name=stored),
            user=user,
        )
        kept = reading.contract(name)
        kept.update(marks=reading.marks, corners=reading.corners)
        SheetScan.objects.create(
            contest=contest,
            receipt=receipt,
            serial=reading.serial,
            round_number=reading.round or 1,
            file_name=name[:255],
            status=reading.status,
            reading=kept,
            job=job,
        )
    return receipt.sheet_no


def machine_user():
    """The account the machine's keyings are recorded under (it cannot sign in)."""
    user, created = User.objects.get_or_create(
        username=MACHINE_USERNAME, defaults={"first_name": "Máy đọc phiếu", "is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def scan_confirm(*, scan: SheetScan, raw: dict, clerk) -> KeyingOutcome:
    """A person's confirmation of a scanned sheet: ``paper_key`` once or twice (see module).

    ``raw`` holds what the person typed and chose: the handwritten fields,
    ``answers``, ``phone``, ``prediction``. Raises ``KeyingRefused`` with
    per-field messages and writes nothing then.
    """
    receipt = scan.receipt
    tz = scan.contest.tz
    base = {
        "sheet_no": receipt.sheet_no,
        "round": str(scan.round_number),
        "postmark_date": receipt.postmark_date.isoformat(),
        "received_at": timezone.localtime(receipt.received_at, tz).strftime("%Y-%m-%d %H:%M:%S"),
    }
    person = {
        **base,
        **{k: str(raw.get(k, "") or "") for k in (*HANDWRITTEN, "answers", "phone", "prediction")},
    }
    with transaction.atomic():
        if scan.contest.double_keying:
            machine = {**person, **_machine_fields(scan.reading, person)}
            paper_key(contest=scan.contest, raw=machine, clerk=machine_user())
        outcome = paper_key(contest=scan.contest, raw=person, clerk=clerk)
        scan.status = SheetScan.Status.CONFIRMED
        scan.confirmed_by = clerk
        scan.confirmed_at = timezone.now()
        scan.save(update_fields=["status", "confirmed_by", "confirmed_at"])
    return outcome


def _machine_fields(reading: dict, person: dict) -> dict:
    """What the machine was sure of; places it sent to review take the person's answer."""
    review = set(reading.get("review", []))
    out = {}
    if "phone" not in review:
        out["phone"] = reading.get("phone", "")
    if "prediction" not in review and reading.get("prediction") is not None:
        out["prediction"] = str(reading["prediction"])
    machine = mark_groups(reading.get("answers", ""))
    given = mark_groups(person.get("answers", ""))
    if len(machine) == len(given):
        out["answers"] = _join(
            [given[i] if f"q{i + 1}" in review else m for i, m in enumerate(machine)]
        )
    return out


def _join(marks: list[str]) -> str:
    return " ".join(marks) if any(len(m) > 1 for m in marks) else "".join(marks)


__all__ = ["PaperSetupError", "scan_batch", "scan_confirm", "scan_inputs", "machine_user"]
