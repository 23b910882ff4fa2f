"""Results as files: csv and xlsx tables, a PDF winners list and PDF certificates.

PDFs start from ``core.pdf.pdf_document`` (DejaVu Sans embedded, so Vietnamese diacritics
print correctly on any machine).
"""

import io
from decimal import Decimal

from django.utils import timezone
from openpyxl import Workbook

from contest.criteria import criteria_text
from contest.models import Contest, Result, ResultRow
from core.pdf import pdf_document
from core.spreadsheets import csv_bytes, xlsx_append

COLUMNS = [
    "round",
    "rank",
    "prize",
    "full_name",
    "person",
    "unit",
    "channel",
    "sheet_no",
    "receipt",
    "score",
    "prediction",
    "duration_seconds",
    "submitted_at",
    "decided_by",
    "invalid_reason",
]


def _rows(result: Result):
    tz = result.contest.tz
    rows = (
        ResultRow.objects.filter(result=result)
        .select_related(None)
        .order_by(
            # ranked first in rank order, then the invalid ones
            "rank",
            "pk",
        )
        .values_list(
            "rank",
            "prize",
            "full_name",
            "person",
            "unit__name",
            "channel",
            "paper__sheet_no",
            "attempt__receipt_code",
            "score",
            "prediction",
            "duration_seconds",
            "submitted_at",
            "decided_by",
            "reason",
        )
    )
    ranked, invalid = [], []
    for r in rows.iterator(chunk_size=5000):
        line = [result.round.number, *r]
        line[9] = _num(line[9])
        line[12] = (
            timezone.localtime(line[12], tz).strftime("%Y-%m-%d %H:%M:%S") if line[12] else ""
        )
        line = ["" if v is None else v for v in line]
        (ranked if r[0] is not None else invalid).append(line)
    return ranked + invalid


def _num(value):
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def results_csv(results: list[Result]) -> bytes:
    return csv_bytes(COLUMNS, (line for result in results for line in _rows(result)))


def results_xlsx(results: list[Result]) -> bytes:
    book = Workbook(write_only=True)
    table = book.create_sheet("Kết quả")
    xlsx_append(table, COLUMNS)
    for result in results:
        for line in _rows(result):
            xlsx_append(table, line)
    about = book.create_sheet("Thông tin")
    for result in results:
        xlsx_append(about, ["round", result.round.number])
        xlsx_append(about, ["final", "yes" if result.final else "no"])
        xlsx_append(about, ["target", result.target])
        xlsx_append(about, ["tie_break", ", ".join(result.tie_break)])
        xlsx_append(about, ["lot_seed", result.contest.lot_seed])
        xlsx_append(about, ["inputs_hash", result.inputs_hash])
        xlsx_append(about, [])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def winners_pdf(contest: Contest, results: list[Result]) -> bytes:
    """The winners list to attach to the award decision."""
    pdf = pdf_document()
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 13)
    pdf.multi_cell(0, 7, contest.organizer_name.upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("DejaVu", "B", 15)
    pdf.multi_cell(0, 8, "DANH SÁCH CÁ NHÂN ĐẠT GIẢI", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 11)
    pdf.multi_cell(0, 6, contest.title, align="C", new_x="LMARGIN", new_y="NEXT")
    for result in results:
        pdf.ln(4)
        pdf.set_font("DejaVu", "", 9)
        status = "chính thức" if result.final else "tạm thời (chưa chốt)"
        made = timezone.localtime(result.created_at, contest.tz).strftime("%H:%M %d/%m/%Y")
        pdf.multi_cell(
            0,
            5,
            f"Vòng {result.round.number} · kết quả {status}, lập lúc {made} ({contest.timezone}) · "
            f"con số thực tế để so dự đoán: {result.target if result.target is not None else '—'} · "
            f"mã kiểm tra: {result.inputs_hash[:16]}",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.ln(2)
        winners = (
            ResultRow.objects.filter(result=result)
            .exclude(prize="")
            .order_by("rank")
            .values_list("rank", "full_name", "unit__name", "score", "prize")
        )
        # the bold header must fit on one line: 12 mm broke Hạng into Hạn/g
        widths = (17, 56, 57, 16, 34)
        pdf.set_font("DejaVu", "B", 10)
        with pdf.table(
            col_widths=widths,
            text_align=("CENTER", "LEFT", "LEFT", "CENTER", "LEFT"),
            line_height=6,
        ) as table:
            table.row(["Hạng", "Họ và tên", "Đơn vị", "Điểm", "Giải"])
            pdf.set_font("DejaVu", "", 10)
            for rank, name, unit, score, prize in winners:
                table.row([str(rank), name, unit or "", str(_num(score)), prize])
    pdf.ln(6)
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(
        0,
        5,
        f"Thứ hạng theo thể lệ: {criteria_text(contest.tie_break)}"
        + (
            " (bốc thăm bằng SHA-256 của chuỗi bốc thăm đã công bố)."
            if "lot" in contest.tie_break
            else "."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())


def certificates_pdf(contest: Contest, results: list[Result]) -> bytes:
    """One landscape page per winner."""
    pdf = pdf_document()
    for result in results:
        winners = (
            ResultRow.objects.filter(result=result)
            .exclude(prize="")
            .order_by("rank")
            .values_list("full_name", "unit__name", "prize")
        )
        day = timezone.localtime(result.created_at, contest.tz)
        for name, unit, prize in winners:
            pdf.add_page(orientation="L")
            pdf.set_draw_color(160, 27, 35)
            pdf.set_line_width(1.5)
            pdf.rect(10, 10, 277, 190)
            pdf.set_y(30)
            pdf.set_font("DejaVu", "B", 14)
            pdf.cell(0, 8, contest.organizer_name.upper(), align="C", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(10)
            pdf.set_font("DejaVu", "B", 30)
            pdf.set_text_color(160, 27, 35)
            pdf.cell(0, 16, "GIẤY CHỨNG NHẬN", align="C", new_x="LMARGIN", new_y="NEXT")
            pdf.set_text_color(0, 0, 0)
            pdf.ln(6)
            pdf.set_font("DejaVu", "", 14)
            pdf.cell(0, 8, "Chứng nhận", align="C", new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("DejaVu", "B", 24)
            pdf.cell(0, 14, name, align="C", new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("DejaVu", "", 13)
            if unit:
                pdf.cell(0, 8, unit, align="C", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(4)
            pdf.set_font("DejaVu", "B", 18)
            pdf.cell(0, 10, f"đã đạt {prize}", align="C", new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("DejaVu", "", 13)
            pdf.set_x(30)
            pdf.multi_cell(237, 7, contest.title, align="C", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(8)
            pdf.cell(
                0,
                8,
                f"Ngày {day.day} tháng {day.month} năm {day.year}",
                align="C",
                new_x="LMARGIN",
                new_y="NEXT",
            )
    if pdf.page_no() == 0:
        pdf.add_page()
        pdf.set_font("DejaVu", "", 12)
        pdf.cell(0, 10, "Chưa có người đạt giải.")
    return bytes(pdf.output())


# --- the stored result as JSON (rank_contest --json) ---------------------------------------


def _number(value: Decimal | None):
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


PAPER = "paper"


def result_json(result: Result) -> dict:
    """The stored result in the shape of docs/contracts.md's ``rank_contest --json``."""
    rows = ResultRow.objects.filter(result=result)
    fields = (
        "rank",
        "person",
        "full_name",
        "channel",
        "paper__sheet_no",
        "attempt__receipt_code",
        "score",
        "prediction",
        "duration_seconds",
        "submitted_at",
        "prize",
        "decided_by",
        "reason",
        "unit__name",
    )
    entries, invalid = [], []
    tz = result.contest.tz
    for r in rows.filter(rank__isnull=False).order_by("rank").values(*fields).iterator(2000):
        entry = {
            "rank": r["rank"],
            "person": r["person"],
            "full_name": r["full_name"],
            "channel": r["channel"],
        }
        if r["channel"] == PAPER:
            entry["sheet_no"] = r["paper__sheet_no"]
        else:
            entry["receipt"] = r["attempt__receipt_code"]
        entry.update(
            {
                "score": _number(r["score"]),
                "prediction": r["prediction"],
                "duration": r["duration_seconds"],
                "submitted_at": timezone.localtime(r["submitted_at"], tz).isoformat(),
                "unit": r["unit__name"],
                "prize": r["prize"] or None,
                "decided_by": r["decided_by"] or None,
            }
        )
        entries.append(entry)
    for r in rows.filter(rank__isnull=True).order_by("pk").values(*fields).iterator(2000):
        item = (
            {"sheet_no": r["paper__sheet_no"]}
            if r["channel"] == PAPER
            else {"receipt": r["attempt__receipt_code"]}
        )
        item.update({"person": r["person"], "channel": r["channel"], "reason": r["reason"]})
        invalid.append(item)
    return {
        "contest": result.contest.slug,
        "round": result.round.number,
        "final": result.final,
        "target": result.target,
        "tie_break": result.tie_break,
        "lot_seed": result.contest.lot_seed,
        "inputs_hash": result.inputs_hash,
        "entries": entries,
        "invalid": invalid,
    }
