"""The printable answer form and question sheet of a contest round (A4 PDF).

The answer form is laid out for a machine to read later: four solid corner
markers, a QR code carrying ``cuocthi:<contest>:<round>:<serial>``, and a fixed
bubble grid. ``form_geometry`` returns the same layout as data (millimetres from
the top-left corner of the page), so that a photo of a filled sheet can be
aligned on the markers and each bubble sampled; the layout comes from one
function, so the PDF and its geometry cannot drift apart.
"""

import io

from django.utils import timezone

from contest.exports import _pdf
from contest.models import Contest, Round
from contest.services.paper import paper_versions
from questions.models import LETTERS

PAGE_W, PAGE_H = 210.0, 297.0
MARKER = 8.0  # side of a corner marker, mm
MARGIN = 8.0
QR_SIZE = 26.0
GRID_TOP = 122.0
ROW_H = 7.0
BUBBLE_R = 2.4
PREDICTION_DIGITS = 7


def form_geometry(contest: Contest, round: Round) -> dict:
    """Positions of everything a reader needs, in mm from the page's top-left corner."""
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
    grid_bottom = GRID_TOP + 8.0 + per_column * ROW_H
    prediction_y = grid_bottom + 8.0
    return {
        "page": {"size": "A4", "width": PAGE_W, "height": PAGE_H, "units": "mm"},
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
        "prediction": (
            [
                {"digit": d + 1, "x": 80.0 + d * 9.0, "y": prediction_y, "w": 8.0, "h": 9.0}
                for d in range(PREDICTION_DIGITS)
            ]
            if contest.prediction_question
            else []
        ),
        "qr_payload": f"cuocthi:{contest.slug}:{round.number}:SERIAL",
    }


def _qr_png(payload: str) -> io.BytesIO:
    import segno

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
    pdf = _pdf()
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

        # Personal data: (label, x, y, width) in mm.
        pdf.set_font("DejaVu", "", 9)
        for label, x, y, width in (
            ("Họ và tên (*)", 20, 58.0, 170),
            ("Năm sinh", 20, 70.5, 40),
            ("Điện thoại (*)", 64, 70.5, 60),
            ("Số CCCD (*)", 128, 70.5, 62),
            ("Đơn vị / xã, thị trấn", 20, 83.0, 170),
            ("Địa chỉ", 20, 95.5, 170),
        ):
            pdf.set_xy(x, y)
            pdf.cell(width, 4, label)
            pdf.rect(x, y + 4.5, width, 6.5)
        y = 108.0
        pdf.set_xy(20, y)
        pdf.set_font("DejaVu", "", 7.5)
        pdf.multi_cell(
            170,
            3.5,
            "(*) Bắt buộc: họ tên, và số điện thoại hoặc số CCCD (một trong hai). Thiếu thì phiếu không hợp lệ.",
            new_x="LMARGIN",
            new_y="NEXT",
        )

        # Answer grid.
        pdf.set_font("DejaVu", "B", 10)
        pdf.set_xy(20, GRID_TOP - 6)
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

        # Prediction.
        if geometry["prediction"]:
            boxes = geometry["prediction"]
            pdf.set_font("DejaVu", "B", 9)
            pdf.set_xy(20, boxes[0]["y"] - 5)
            pdf.multi_cell(170, 4, contest.prediction_question, new_x="LMARGIN", new_y="NEXT")
            pdf.set_xy(20, boxes[0]["y"] + 2)
            pdf.set_font("DejaVu", "", 8)
            pdf.cell(58, 4, "Viết mỗi chữ số vào một ô:")
            for box in boxes:
                pdf.rect(box["x"], box["y"], box["w"], box["h"])
            bottom = boxes[0]["y"] + boxes[0]["h"] + 4
        else:
            bottom = geometry["bubbles"][-1]["y"] + 10

        # Rules summary.
        pdf.set_xy(20, bottom)
        pdf.set_font("DejaVu", "", 7.5)
        summary = " ".join((contest.rules_text or "").split())
        if len(summary) > 700:
            summary = summary[:700].rsplit(" ", 1)[0] + " …"
        if summary:
            pdf.multi_cell(170, 3.6, "Thể lệ (tóm tắt): " + summary, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def question_sheet_key(contest: Contest, round: Round, versions=None) -> str:
    """The cache key of a round's question sheet: it changes with every contest version.

    A new version of any question on the sheet, a new question list or any saved
    change to the contest or round gives a new key (old sheets expire unread).
    """
    import hashlib

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
    from django.core.cache import cache

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
    pdf = _pdf()
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
