"""The printable answer form and question sheet of a contest round (A4 PDF).

The answer form is laid out for a machine to read later: four solid corner
markers, a QR code carrying ``cuocthi:<contest>:<round>:<serial>``, and a fixed
bubble grid. ``form_geometry`` returns the same layout as data (millimetres from
the top-left corner of the page), so that a photo of a filled sheet can be
aligned on the markers and each bubble sampled; the layout comes from one
function, so the PDF and its geometry cannot drift apart.
"""

import hashlib
import io

import segno
from django.core.cache import cache
from django.utils import timezone

from contest.models import Contest, Round
from contest.paper.marks import paper_versions
from core.pdf import pdf_document
from questions.models import LETTERS

PAGE_W, PAGE_H = 210.0, 297.0
MARKER = 8.0  # side of a corner marker, mm
MARGIN = 8.0
QR_SIZE = 26.0
GRID_TOP = 168.0
ROW_H = 7.0
BUBBLE_R = 2.4
PREDICTION_DIGITS = 7
PHONE_DIGITS = 10
DIGIT_R = 2.0
DIGIT_DX, DIGIT_DY = 5.6, 5.0  # pitch of the digit grids
DIGITS_TOP = 107.0  # centre of the row of zeros
BOXES_TOP = 96.0  # top of the boxes where the digits are written by hand
PHONE_X, PREDICTION_X = 24.0, 112.0
# Handwritten fields: (key, label, x, y, width); the box is 4.5 mm below the label, 6.5 mm high.
FIELDS = (
    ("full_name", "Họ và tên (*)", 20.0, 52.0, 170.0),
    ("birth_year", "Năm sinh", 20.0, 64.5, 30.0),
    ("id_number", "Số CCCD (*)", 54.0, 64.5, 62.0),
    ("unit", "Đơn vị / xã, thị trấn", 120.0, 64.5, 70.0),
    ("address", "Địa chỉ", 20.0, 77.0, 170.0),
)


def _digit_grid(x0: float, columns: int) -> list[dict]:
    return [
        {
            "digit": d + 1,
            "value": v,
            "x": float(f"{x0 + d * DIGIT_DX:.2f}"),
            "y": float(f"{DIGITS_TOP + v * DIGIT_DY:.2f}"),
            "r": DIGIT_R,
        }
        for d in range(columns)
        for v in range(10)
    ]


def form_geometry(contest: Contest, round: Round, *, first_serial: int = 1) -> dict:
    """Positions of everything a reader needs, in mm from the page's top-left corner.

    The keys of docs/contracts.md "Answer form geometry" (page, first_serial, markers,
    qr, bubbles, grids) plus what the reader and the review screen use: the
    handwritten ``fields`` and digit ``boxes`` (rectangles), and the QR payload.
    """
    versions = paper_versions(round)
    columns = 2 if len(versions) > 15 else 1
    per_column = -(-len(versions) // columns)  # ceiling: the columns are balanced
    width = max(len(v.options) for v in versions)
    bubbles = []
    for index, version in enumerate(versions):
        column, row = divmod(index, per_column)
        x0 = 32.0 + column * 92.0
        y = GRID_TOP + 8.0 + row * ROW_H
        for k in range(len(version.options)):
            bubbles.append(
                {
                    "question": index + 1,
                    "option": LETTERS[k],
                    "x": float(f"{x0 + k * 9.0:.2f}"),
                    "y": float(f"{y:.2f}"),
                    "r": BUBBLE_R,
                }
            )
    grids = {"phone": _digit_grid(PHONE_X, PHONE_DIGITS)}
    boxes = {"phone": _boxes(PHONE_X, PHONE_DIGITS)}
    if contest.prediction_question:
        grids["prediction"] = _digit_grid(PREDICTION_X, PREDICTION_DIGITS)
        boxes["prediction"] = _boxes(PREDICTION_X, PREDICTION_DIGITS)
    return {
        "page": {"size": "A4", "width": PAGE_W, "height": PAGE_H, "units": "mm"},
        "first_serial": first_serial,
        "markers": [
            {"x": MARGIN, "y": MARGIN, "size": MARKER},
            {"x": PAGE_W - MARGIN - MARKER, "y": MARGIN, "size": MARKER},
            {"x": MARGIN, "y": PAGE_H - MARGIN - MARKER, "size": MARKER},
            {"x": PAGE_W - MARGIN - MARKER, "y": PAGE_H - MARGIN - MARKER, "size": MARKER},
        ],
        "qr": {"x": PAGE_W - MARGIN - QR_SIZE - 2, "y": 20.0, "size": QR_SIZE},
        "questions": len(versions),
        "options_max": width,
        "columns": columns,
        "bubbles": bubbles,
        "grids": grids,
        "boxes": boxes,
        "fields": {
            key: {"x": x, "y": y + 4.5, "w": w, "h": 6.5} for key, _label, x, y, w in FIELDS
        },
        "qr_payload": f"cuocthi:{contest.slug}:{round.number}:SERIAL",
    }


def _boxes(x0: float, columns: int) -> list[dict]:
    return [
        {"digit": d + 1, "x": x0 + d * DIGIT_DX - 2.5, "y": BOXES_TOP, "w": 5.0, "h": 6.5}
        for d in range(columns)
    ]


def _qr_png(payload: str) -> io.BytesIO:
    out = io.BytesIO()
    segno.make(payload, error="m").save(out, kind="png", scale=8, border=2)
    out.seek(0)
    return out


def answer_form_pdf(
    contest: Contest, round: Round, *, first_serial: int = 1, copies: int = 1
) -> bytes:
    """The answer form, one page per serial number."""
    geometry = form_geometry(contest, round)
    versions = paper_versions(round)
    pdf = pdf_document()
    pdf.set_auto_page_break(False)
    pdf.set_title(f"Phiếu trả lời - {contest.title}")
    pdf.set_subject(f"cuocthi form geometry v1; contest {contest.slug}; round {round.number}")
    tz = contest.tz
    for serial in range(first_serial, first_serial + copies):
        pdf.add_page()
        for m in geometry["markers"]:
            pdf.set_fill_color(0, 0, 0)
            pdf.rect(m["x"], m["y"], m["size"], m["size"], style="F")
        qr = geometry["qr"]
        payload = geometry["qr_payload"].replace("SERIAL", f"{serial:06d}")
        pdf.image(_qr_png(payload), x=qr["x"], y=qr["y"], w=qr["size"], h=qr["size"])
        pdf.set_font("DejaVu", "", 7)
        pdf.set_xy(qr["x"] - 4, qr["y"] + qr["size"] + 0.5)
        pdf.cell(qr["size"] + 8, 3, f"Mẫu số {serial:06d}", align="C")

        pdf.set_xy(20, 19)
        pdf.set_font("DejaVu", "B", 10)
        pdf.multi_cell(130, 5, contest.organizer_name.upper(), new_x="LMARGIN", new_y="NEXT")
        pdf.set_x(20)
        pdf.set_font("DejaVu", "B", 15)
        pdf.multi_cell(130, 7, "PHIẾU TRẢ LỜI", new_x="LMARGIN", new_y="NEXT")
        pdf.set_x(20)
        pdf.set_font("DejaVu", "", 10)
        title = contest.title + (f" · {round}" if contest.rounds.count() > 1 else "")
        pdf.multi_cell(130, 5, title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_x(20)
        pdf.set_font("DejaVu", "", 8)
        closes = timezone.localtime(round.closes_at, tz)
        deadline = contest.paper_postmark_deadline or closes.date()
        pdf.multi_cell(
            130,
            4,
            f"Gửi về Ban Tổ chức; hạn dấu bưu điện: {deadline:%d/%m/%Y}. "
            "Số phiếu do Ban Tổ chức ghi khi nhận: ____________",
            new_x="LMARGIN",
            new_y="NEXT",
        )

        # Personal data, then the phone and the prediction written and marked digit by digit.
        pdf.set_font("DejaVu", "", 9)
        for _key, label, x, y, width in FIELDS:
            pdf.set_xy(x, y)
            pdf.cell(width, 4, label)
            pdf.rect(x, y + 4.5, width, 6.5)
        _digit_block(
            pdf,
            geometry["grids"]["phone"],
            geometry["boxes"]["phone"],
            "Điện thoại (*): viết từng chữ số vào ô, rồi tô ô cùng số bên dưới",
        )
        if "prediction" in geometry["grids"]:
            _digit_block(
                pdf,
                geometry["grids"]["prediction"],
                geometry["boxes"]["prediction"],
                "Dự đoán: " + contest.prediction_question,
                note="Viết số dự đoán sát bên phải; ô để trống bên trái là số 0.",
            )
        pdf.set_xy(20, DIGITS_TOP + 9 * DIGIT_DY + 3.5)
        pdf.set_font("DejaVu", "", 7.5)
        pdf.cell(
            170,
            3.5,
            "(*) Bắt buộc: họ tên, và số điện thoại hoặc số CCCD (một trong hai). Thiếu thì phiếu không hợp lệ.",
        )

        # Answer grid.
        pdf.set_font("DejaVu", "B", 9)
        pdf.set_xy(20, GRID_TOP - 7)
        pdf.multi_cell(
            170,
            4.5,
            "Tô kín một ô cho mỗi câu (câu có nhiều đáp án đúng: tô đủ các ô). Tô nhầm: gạch chéo ô.",
        )
        pdf.set_font("DejaVu", "", 8)
        by_question: dict[int, list[dict]] = {}
        for b in geometry["bubbles"]:
            by_question.setdefault(b["question"], []).append(b)
        for number, bubbles in by_question.items():
            first = bubbles[0]
            multiple = versions[number - 1].kind == "multiple"
            pdf.set_xy(first["x"] - 16, first["y"] - 2)
            pdf.set_font("DejaVu", "B" if multiple else "", 9)
            pdf.cell(10, 4, f"Câu {number}" + ("*" if multiple else ""), align="R")
            pdf.set_font("DejaVu", "", 6.5)
            for b in bubbles:
                pdf.set_draw_color(0, 0, 0)
                pdf.set_line_width(0.3)
                pdf.circle(b["x"], b["y"], b["r"])
                pdf.set_xy(b["x"] - 2, b["y"] - 1.6)
                pdf.cell(4, 3.2, b["option"], align="C")
        if any(v.kind == "multiple" for v in versions):
            pdf.set_font("DejaVu", "", 7.5)
            pdf.set_xy(20, geometry["bubbles"][-1]["y"] + 4)
            pdf.cell(170, 4, "Câu có dấu * có thể có nhiều đáp án đúng.")

        bottom = geometry["bubbles"][-1]["y"] + 8
        if any(v.kind == "multiple" for v in versions):
            bottom += 4
        # Rules summary.
        pdf.set_xy(20, bottom)
        pdf.set_font("DejaVu", "", 7.5)
        summary = " ".join((contest.rules_text or "").split())
        if len(summary) > 700:
            summary = summary[:700].rsplit(" ", 1)[0] + " …"
        lines = int((PAGE_H - MARGIN - MARKER - 2 - bottom) // 3.6)
        if summary and lines > 0:
            summary = summary[: lines * 110]
            pdf.multi_cell(170, 3.6, "Thể lệ (tóm tắt): " + summary, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _digit_block(pdf, grid: list[dict], boxes: list[dict], title: str, note: str = "") -> None:
    """A title, one box per digit for the handwriting, and under each box a column of 0-9."""
    left = boxes[0]["x"]
    pdf.set_font("DejaVu", "B", 8)
    pdf.set_xy(left, BOXES_TOP - 8.5)
    pdf.multi_cell(min(84.0, PAGE_W - 20 - left), 3.6, title, max_line_height=3.6, new_x="LMARGIN")
    for box in boxes:
        pdf.rect(box["x"], box["y"], box["w"], box["h"])
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.25)
    pdf.set_font("DejaVu", "", 6)
    for b in grid:
        pdf.circle(b["x"], b["y"], b["r"])
        pdf.set_xy(b["x"] - 2, b["y"] - 1.5)
        pdf.cell(4, 3, str(b["value"]), align="C")
    if note:
        pdf.set_font("DejaVu", "", 6.5)
        pdf.set_xy(grid[-1]["x"] + 4, grid[0]["y"] - 1.5)
        pdf.multi_cell(190 - grid[-1]["x"] - 4, 3, note)


def question_sheet_key(contest: Contest, round: Round, versions=None) -> str:
    """The cache key of a round's question sheet: it changes with every contest version.

    A new version of any question on the sheet, a new question list or any saved
    change to the contest or round gives a new key (old sheets expire unread).
    """
    versions = paper_versions(round) if versions is None else versions
    parts = [
        contest.pk,
        contest.updated_at.isoformat(),
        round.pk,
        *(v.pk for v in versions),
    ]
    return "qsheet:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def question_sheet_cached(contest: Contest, round: Round) -> bytes:
    """The question sheet, generated once per contest version and then served from the cache.

    The public download is anonymous and costs about 0.2 s to draw; the cache
    (Redis, or each process's memory) keeps it for a day.
    """
    versions = paper_versions(round)
    key = question_sheet_key(contest, round, versions)
    data = cache.get(key)
    if data is None:
        data = question_sheet_pdf(contest, round, versions=versions)
        cache.set(key, data, timeout=24 * 3600)
    return data


def question_sheet_pdf(contest: Contest, round: Round, versions=None) -> bytes:
    """The questions as printed for paper participants, in sheet order."""
    versions = paper_versions(round) if versions is None else versions
    pdf = pdf_document()
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 13)
    pdf.multi_cell(0, 7, contest.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(
        0,
        5,
        "Đọc câu hỏi rồi tô đáp án trên PHIẾU TRẢ LỜI. Câu có dấu * có thể có nhiều đáp án đúng.",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)
    for number, version in enumerate(versions, start=1):
        star = "*" if version.kind == "multiple" else ""
        pdf.set_font("DejaVu", "B", 10)
        pdf.multi_cell(0, 5.5, f"Câu {number}{star}. {version.text}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 10)
        for k, option in enumerate(version.options):
            pdf.set_x(22)
            pdf.multi_cell(0, 5.2, f"{LETTERS[k]}. {option}", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    return bytes(pdf.output())
