"""Reading a photographed or scanned answer form (optical mark reading).

``sheet_read`` takes the bytes of one image and the form's geometry and
returns a ``Reading``: the QR's contest, round and serial, each question's
marks, the phone and the prediction from their digit grids, and the places a
person must look at. The reader is built to never report a wrong mark as
certain: a bubble is *filled* only when it is clearly darker than the empty
bubbles of the same sheet, *empty* only when clearly not, and anything between
(or a cross over a filled bubble that is not clearly a cross) sends its
question to review with the machine's best guess.

Steps: find the page and read its QR (``contest.paper.page_finding``), then sample
every bubble against the paper's own local brightness (here).
"""

from dataclasses import dataclass, field

import cv2
import numpy as np

from contest.paper.page_finding import (
    PX,
    NotAForm,
    flatten,
    image_decode,
    page_locate,
    qr_parse,
    reading_scale,
)

# Darkness above the sheet's empty bubbles (0 = paper, 1 = black).
FILLED = 0.22  # at or above: certainly filled
EMPTY = 0.12  # at or below: certainly empty
CROSS = 0.22  # the four diagonal ends of a cross, just outside the circle


@dataclass
class Reading:
    status: str = "read"  # read, review, rejected
    serial: str = ""
    round: int | None = None
    contest: str = ""
    answers: str = ""
    phone: str = ""
    prediction: int | None = None
    review: list[str] = field(default_factory=list)
    reason: str = ""
    marks: dict = field(default_factory=dict)  # place -> {option/value: [darkness, state]}
    corners: list = field(default_factory=list)  # marker centres TL TR BR BL, source pixels

    def contract(self, file: str) -> dict:
        """The object of docs/contracts.md "Reading of a photographed sheet"."""
        return {
            "file": file,
            "status": self.status,
            "serial": self.serial,
            "round": self.round,
            "answers": self.answers,
            "phone": self.phone,
            "prediction": self.prediction,
            "review": list(self.review),
            "reason": self.reason,
        }


class Sampler:
    """Darkness of bubbles on an aligned page, against the paper's local brightness."""

    def __init__(self, page: np.ndarray):
        self.dark = flatten(page, int(8 * PX))
        self.spots = {5: cv2.blur(self.dark, (5, 5)), 3: cv2.blur(self.dark, (3, 3))}

    @staticmethod
    def _disc_offsets(r: float) -> tuple[np.ndarray, np.ndarray]:
        rr = 0.62 * r * PX
        n = int(rr) + 1
        yy, xx = np.mgrid[-n : n + 1, -n : n + 1]
        inside = (xx**2 + yy**2) <= rr * rr
        return yy[inside], xx[inside]

    def samples(
        self, bubbles: list[dict], reach: float = 1.6, spot: int = 5
    ) -> list[tuple[float, float, float, float]]:
        """(disc, weakest diagonal end, paper beside, strongest straight end) per bubble.

        ``reach`` (in radii) places the ends; "paper beside" is the lighter of
        the left and right ends, where the neighbouring bubbles are furthest.

        The ends are points just outside the circle: a cross's four arms reach
        the diagonal ones and not the straight ones.
        """
        if not bubbles:
            return []
        x = np.array([b["x"] for b in bubbles])
        y = np.array([b["y"] for b in bubbles])
        r = np.array([b["r"] for b in bubbles])
        h, w = self.dark.shape

        def at(image, px, py):
            ix = np.clip(np.rint(px * PX).astype(int), 0, w - 1)
            iy = np.clip(np.rint(py * PX).astype(int), 0, h - 1)
            return image[iy, ix]

        disc = np.zeros(len(bubbles))
        for radius in set(r.tolist()):
            which = r == radius
            dy, dx = self._disc_offsets(radius)
            iy = np.clip(np.rint(y[which] * PX).astype(int)[:, None] + dy, 0, h - 1)
            ix = np.clip(np.rint(x[which] * PX).astype(int)[:, None] + dx, 0, w - 1)
            disc[which] = self.dark[iy, ix].mean(axis=1)
        spots = self.spots[spot]
        d = reach * r / np.sqrt(2)
        diagonal = np.min(
            [at(spots, x + sx * d, y + sy * d) for sx in (-1, 1) for sy in (-1, 1)], axis=0
        )
        e = reach * r
        straight = [at(spots, x + dx, y + dy) for dx, dy in ((e, 0), (-e, 0), (0, e), (0, -e))]
        return list(
            zip(
                disc.tolist(),
                diagonal.tolist(),
                np.min(straight[:2], axis=0).tolist(),
                np.max(straight, axis=0).tolist(),
                strict=True,
            )
        )


def classify(
    samples: list[tuple[float, float, float, float]], crosses: bool = True
) -> list[tuple[float, str]]:
    """States of bubbles from ``Sampler.samples``, against the sheet's median bubble.

    The weakest straight end is the paper just beside the bubble: what it has
    above the sheet's usual (a shadow's edge, a smear) is taken off first.

    ``filled``, ``empty``, ``crossed`` (a cancelled mark) or ``unsure``; the
    darkness returned is relative to the sheet's empty bubbles.
    """
    if not samples:
        return []
    darkness = np.array([s[0] for s in samples])
    base = float(np.median(darkness))
    outside = float(np.median([s[1] for s in samples]))
    # The strongest straight end of a clean bubble is not paper: on a dense form it touches
    # the printed circle of the row above or below. Ink there is measured above that.
    around = float(np.median([s[3] for s in samples]))
    states = []
    for value, diagonal, beside, straight in samples:
        local = max(0.0, beside - outside)
        rel = value - base - local
        diag = diagonal - outside - local if crosses else 0.0
        straight = max(0.0, straight - local - around)
        if rel <= EMPTY and diag < CROSS / 2:
            state = "empty"
        elif diag >= CROSS and straight < CROSS / 2:
            state = "crossed"
        elif diag >= CROSS / 2:
            state = "unsure"  # ink beyond the circle: a cross, or a mark spilling over
            if rel >= FILLED + 0.15 and straight >= CROSS:
                state = "filled"  # spilled all round: a heavy fill, not a cross
        elif rel >= FILLED:
            state = "filled"
        else:
            state = "unsure"
        states.append((round(rel, 3), state))
    return states


def _question_marks(states, options, multiple: bool) -> tuple[str, bool]:
    """(marks text for one question, certain?) from its bubbles' states."""
    chosen = [o for o, (_rel, s) in zip(options, states, strict=True) if s == "filled"]
    unsure = [(o, rel) for o, (rel, s) in zip(options, states, strict=True) if s == "unsure"]
    guess = chosen + [o for o, rel in unsure if rel >= (FILLED + EMPTY) / 2]
    guess.sort()
    if not guess:
        text = ""
    elif multiple:
        text = "".join(guess)
    else:
        text = guess[0] if len(guess) == 1 else "*"
    return text, not unsure


def _digits(states_by_column: list[list[tuple[float, str]]]) -> tuple[list[int | None], bool]:
    """One digit (or None for a blank column) per column, and whether all are certain."""
    digits, certain = [], True
    for states in states_by_column:
        filled = [v for v, (_rel, s) in enumerate(states) if s == "filled"]
        unsure = [v for v, (_rel, s) in enumerate(states) if s in ("unsure", "crossed")]
        if unsure or len(filled) > 1:
            certain = False
        candidates = filled or [v for v in unsure if states[v][0] >= (FILLED + EMPTY) / 2]
        if candidates:
            digits.append(max(candidates, key=lambda v: states[v][0]))
        else:
            digits.append(None)
    return digits, certain


def _grid_states(sampler: Sampler, grid: list[dict]) -> list[list[tuple[float, str]]]:
    # Digit bubbles sit close together: the ends are nearer, and a cross is not told apart
    # (a crossed digit leaves its column with two marks or an unsure one: review).
    states = classify(sampler.samples(grid, reach=1.4, spot=3), crosses=False)
    columns: dict[int, list] = {}
    for b, state in zip(grid, states, strict=True):
        columns.setdefault(b["digit"], []).append(state)
    return [columns[d] for d in sorted(columns)]


def marks_read(page: np.ndarray, geometry: dict, multiple: list[bool]) -> Reading:
    """Answers, phone and prediction from an aligned page; ``review`` lists places in doubt."""
    sampler = Sampler(page)
    reading = Reading()
    bubbles = geometry["bubbles"]
    states = classify(sampler.samples(bubbles))
    by_question: dict[int, list] = {}
    for b, state in zip(bubbles, states, strict=True):
        by_question.setdefault(b["question"], []).append((b["option"], state))
    marks = []
    for number in sorted(by_question):
        options = [o for o, _s in by_question[number]]
        text, certain = _question_marks(
            [s for _o, s in by_question[number]], options, multiple[number - 1]
        )
        marks.append(text)
        reading.marks[f"q{number}"] = {o: list(s) for o, s in by_question[number]}
        if not certain:
            reading.review.append(f"q{number}")
    shown = [m or "-" for m in marks]
    reading.answers = " ".join(shown) if any(len(m) > 1 for m in shown) else "".join(shown)

    columns = _grid_states(sampler, geometry["grids"]["phone"])
    reading.marks["phone"] = [[list(s) for s in column] for column in columns]
    digits, certain = _digits(columns)
    if all(d is None for d in digits):
        # Nothing marked: the digits may be written in the boxes only; a person looks.
        reading.phone = ""
        reading.review.append("phone")
    else:
        reading.phone = "".join("?" if d is None else str(d) for d in digits)
        if not certain or None in digits or not reading.phone.startswith("0"):
            reading.review.append("phone")
    if "prediction" in geometry["grids"]:
        columns = _grid_states(sampler, geometry["grids"]["prediction"])
        reading.marks["prediction"] = [[list(s) for s in column] for column in columns]
        digits, certain = _digits(columns)
        written = [i for i, d in enumerate(digits) if d is not None]
        if written:
            body = digits[written[0] :]
            reading.prediction = int("".join(str(d or 0) for d in body))
            certain = certain and None not in body  # a gap inside the number
        if not certain or not written:
            reading.review.append("prediction")  # unsure, or written in the boxes only
    return reading


def sheet_read(data: bytes, *, contest: str, forms, round_only: int | None = None) -> Reading:
    """Read one image of an answer form of ``contest``.

    ``forms(round_number)`` returns ``(geometry, multiple)`` for a round of the
    contest (``multiple`` says, per question, whether several marks are allowed)
    or ``None`` when the contest has no such round. A form of another contest or
    round, or an image that is not a form, comes back ``rejected`` with the reason.
    """
    try:
        gray = image_decode(data)
        full = max(gray.shape)
        anyform = forms(round_only or 1) or forms(1)
        if anyform is None:
            raise NotAForm("Cuộc thi này không có phiếu giấy để đọc.")
        corners, page, text = page_locate(gray, anyform[0]["qr"])
    except NotAForm as error:
        return Reading(status="rejected", reason=str(error))
    parsed = qr_parse(text)
    if text is not None and parsed is None:
        return Reading(status="rejected", reason="Mã QR trên ảnh không phải mã của phiếu trả lời.")
    if parsed is not None:
        slug, round_number, serial = parsed
        if slug != contest:
            return Reading(
                status="rejected",
                reason=f"Phiếu này của cuộc thi khác ({slug}), không phải {contest}: để riêng ra.",
            )
        if round_only is not None and round_number != round_only:
            return Reading(
                status="rejected",
                reason=f"Phiếu này của vòng {round_number}, không phải vòng {round_only}.",
            )
        form = forms(round_number)
        if form is None:
            return Reading(status="rejected", reason=f"Cuộc thi không có vòng {round_number}.")
    else:
        round_number, serial, form = (round_only or 1), "", anyform
    reading = marks_read(page, form[0], form[1])
    reading.contest, reading.round, reading.serial = contest, round_number, serial
    if parsed is None:
        reading.review.insert(0, "serial")
    reading.status = "review" if reading.review else "read"
    reading.corners = (corners * (reading_scale(data, full))).round(1).tolist()
    return reading
