"""Generated photos and scans of filled answer forms, for the OMR tests and the bench.

``page_render`` rasterises the project's own form PDF with pypdfium2;
``sheet_fill`` draws a participant's marks on it (pen, pencil, light pencil,
a crossed-out wrong mark, an erased smudge, a double mark, blanks) and returns
what a correct reader must read; ``photograph`` and ``flat_scan`` turn the page
into the bytes a phone or a scanner would give. Everything is deterministic
from the seed of the ``random.Random`` passed in.
"""

import random
from dataclasses import dataclass, field

import cv2
import numpy as np
import pypdfium2

DPI = 200
PX = DPI / 25.4


def page_render(pdf: bytes, index: int = 0, dpi: int = DPI) -> np.ndarray:
    """One page of a PDF as a BGR image."""
    document = pypdfium2.PdfDocument(pdf)
    image = document[index].render(scale=dpi / 72).to_numpy()
    document.close()
    return np.ascontiguousarray(image[:, :, :3])


@dataclass
class Truth:
    answers: str
    phone: str
    prediction: int | None
    hard: list[str] = field(default_factory=list)  # kinds of hard marks on the sheet


TOOLS = {"pen": ((35, 30, 120), (20, 20, 20)), "pencil": ((95, 95, 95), (125, 125, 125))}


def _ink(rng: random.Random, tool: str) -> tuple[int, int, int]:
    low, high = TOOLS[tool]
    if tool == "pen" and rng.random() < 0.5:
        low = high  # black ballpoint, else blue
    return tuple(int(rng.uniform(min(a, b), max(a, b))) for a, b in zip(low, high, strict=True))


def _fill(img, x, y, r, colour, rng, scale=1.0, spill=False):
    """A hand fill: an ellipse of about the bubble's size, a little off centre."""
    cx = (x + rng.uniform(-0.25, 0.25)) * PX
    cy = (y + rng.uniform(-0.25, 0.25)) * PX
    rx = r * PX * scale * rng.uniform(0.85, 1.05)
    ry = r * PX * scale * rng.uniform(0.85, 1.05)
    if spill:
        cx += rng.choice((-1, 1)) * r * PX * 0.35
        rx, ry = rx * 1.35, ry * 1.25
    cv2.ellipse(
        img,
        (int(cx), int(cy)),
        (int(rx), int(ry)),
        rng.uniform(0, 180),
        0,
        360,
        colour,
        -1,
        cv2.LINE_AA,
    )


def _stroke(img, x0, y0, x1, y1, colour, width_mm=0.5):
    cv2.line(
        img,
        (int(x0 * PX), int(y0 * PX)),
        (int(x1 * PX), int(y1 * PX)),
        colour,
        max(1, int(width_mm * PX)),
        cv2.LINE_AA,
    )


def _blend(img, x, y, r, darkness):
    """A faint grey smudge (what an eraser leaves): darkens the paper by ``darkness``."""
    mask = np.zeros(img.shape[:2], np.float32)
    cv2.circle(mask, (int(x * PX), int(y * PX)), int(r * PX * 0.95), 1.0, -1, cv2.LINE_AA)
    mask = cv2.GaussianBlur(mask, (0, 0), 2)
    img[:] = (img * (1 - darkness * mask[:, :, None])).astype(np.uint8)


def sheet_fill(
    page: np.ndarray,
    geometry: dict,
    multiple: list[bool],
    rng: random.Random,
    *,
    hard: tuple[str, ...] = (),
    tool: str = "pen",
    phone: str | None = None,
    prediction: int | None = None,
) -> tuple[np.ndarray, Truth]:
    """The page with a participant's marks, and what they mean.

    ``hard`` names the hard marks to place on distinct questions: ``light``
    (a light pencil fill), ``crossed`` (a wrong mark crossed out, the right one
    filled), ``smudge`` (an erased mark), ``double`` (two marks on a
    single-answer question), ``blank``, ``spill`` (a fill over the circle).
    """
    img = page.copy()
    by_question: dict[int, list[dict]] = {}
    for b in geometry["bubbles"]:
        by_question.setdefault(b["question"], []).append(b)
    numbers = sorted(by_question)
    singles = [n for n in numbers if not multiple[n - 1]]
    special: dict[int, str] = {}
    pool = list(singles)
    rng.shuffle(pool)
    for kind in hard:
        if pool:
            special[pool.pop()] = kind
    colour = _ink(rng, tool)
    marks = []
    for n in numbers:
        bubbles = by_question[n]
        kind = special.get(n, "")
        if multiple[n - 1]:
            chosen = sorted(rng.sample(range(len(bubbles)), rng.choice((1, 2, 2, 3))))
        else:
            chosen = [rng.randrange(len(bubbles))]
        if kind == "blank":
            chosen = []
        if kind == "double":
            chosen = sorted(rng.sample(range(len(bubbles)), 2))
        for k in chosen:
            b = bubbles[k]
            if kind == "light":
                _fill(img, b["x"], b["y"], b["r"], (int(rng.uniform(150, 170)),) * 3, rng)
            else:
                _fill(img, b["x"], b["y"], b["r"], colour, rng, spill=kind == "spill")
        others = [k for k in range(len(bubbles)) if k not in chosen]
        if kind == "crossed" and others:
            b = bubbles[rng.choice(others)]
            _fill(img, b["x"], b["y"], b["r"], colour, rng)
            d = b["r"] * 1.75 / np.sqrt(2) * 1.2
            _stroke(img, b["x"] - d, b["y"] - d, b["x"] + d, b["y"] + d, colour)
            _stroke(img, b["x"] - d, b["y"] + d, b["x"] + d, b["y"] - d, colour)
        if kind == "smudge" and others:
            b = bubbles[rng.choice(others)]
            _blend(img, b["x"], b["y"], b["r"], rng.uniform(0.04, 0.09))
        letters = "".join(bubbles[k]["option"] for k in chosen)
        if len(chosen) > 1 and not multiple[n - 1]:
            letters = "*"
        marks.append(letters or "-")
    answers = " ".join(marks) if any(len(m) > 1 for m in marks) else "".join(marks)
    if phone is None:
        phone = "09" + "".join(str(rng.randrange(10)) for _ in range(8))
    _digits_fill(img, geometry["grids"]["phone"], phone, colour, rng)
    if "prediction" in geometry["grids"]:
        if prediction is None:
            prediction = rng.randrange(1, 99999)
        columns = max(b["digit"] for b in geometry["grids"]["prediction"])
        _digits_fill(
            img, geometry["grids"]["prediction"], str(prediction).rjust(columns), colour, rng
        )
    return img, Truth(answers, phone, prediction, [special[n] for n in sorted(special)])


def _digits_fill(img, grid, text: str, colour, rng):
    for b in grid:
        ch = text[b["digit"] - 1] if b["digit"] - 1 < len(text) else " "
        if ch.isdigit() and int(ch) == b["value"]:
            _fill(img, b["x"], b["y"], b["r"], colour, rng)


def _background(h: int, w: int, rng: random.Random) -> np.ndarray:
    base = np.array([rng.uniform(40, 160) for _ in range(3)], np.float32)
    grain = cv2.resize(
        np.random.default_rng(rng.randrange(2**32))
        .normal(0, 18, (h // 16 + 1, w // 64 + 1, 3))
        .astype(np.float32),
        (w, h),
        interpolation=cv2.INTER_CUBIC,
    )
    return np.clip(base + grain, 0, 255)


def photograph(
    page: np.ndarray,
    rng: random.Random,
    *,
    turn: int | None = None,
    long_side: int | None = None,
    quality: int | None = None,
    shadow: bool | None = None,
    perspective: float = 0.07,
) -> bytes:
    """A phone photo of the page on a table: JPEG bytes.

    Perspective up to ``perspective`` of the page size per corner, a turn of
    0/90/180/270 degrees plus a few degrees, a brightness gradient, maybe a
    shadow band, blur, sensor noise, JPEG quality 55-90, long side 1,600-4,000 px.
    """
    h, w = page.shape[:2]
    long_side = long_side or rng.randrange(1600, 4001)
    turn = rng.choice((0, 0, 0, 90, 180, 270)) if turn is None else turn
    quality = quality or rng.randrange(55, 91)
    # The frame: portrait 3:4 (the page's long side along the frame's long side, before turning).
    fw, fh = int(long_side * 0.75), long_side
    fill = rng.uniform(0.78, 0.9)
    scale = min(fw / w, fh / h) * fill
    pw, ph = w * scale, h * scale
    ox, oy = (
        (fw - pw) / 2 + rng.uniform(-0.04, 0.04) * fw,
        (fh - ph) / 2 + rng.uniform(-0.03, 0.03) * fh,
    )
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[ox, oy], [ox + pw, oy], [ox + pw, oy + ph], [ox, oy + ph]])
    dst += (
        np.float32(
            [
                [rng.uniform(-1, 1) * perspective * pw, rng.uniform(-1, 1) * perspective * ph]
                for _ in range(4)
            ]
        )
        / 2
    )
    angle = np.deg2rad(rng.uniform(-4, 4))
    centre = dst.mean(axis=0)
    rot = np.float32([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    dst = (dst - centre) @ rot.T + centre
    matrix = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
    sheet = cv2.warpPerspective(
        page, matrix, (fw, fh), flags=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    )
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), matrix, (fw, fh))
    mask = cv2.GaussianBlur(mask, (3, 3), 0).astype(np.float32)[:, :, None] / 255
    out = sheet.astype(np.float32) * mask + _background(fh, fw, rng) * (1 - mask)
    # Light: a gradient across the frame, and maybe the phone's shadow as a soft band
    # (computed at an eighth of the size: light varies slowly).
    sh, sw = fh // 8 + 1, fw // 8 + 1
    yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
    yy, xx = yy * 8, xx * 8
    gx, gy = rng.uniform(-1, 1), rng.uniform(-1, 1)
    ramp = (xx / fw - 0.5) * gx + (yy / fh - 0.5) * gy
    light = rng.uniform(0.75, 1.0) * (1 + rng.uniform(0.2, 0.4) * ramp)
    if shadow if shadow is not None else rng.random() < 0.5:
        a = rng.uniform(0, np.pi)
        dist = (xx - fw / 2) * np.cos(a) + (yy - fh / 2) * np.sin(a) - rng.uniform(-0.3, 0.3) * fh
        band = rng.uniform(0.08, 0.2) * fh
        edge = rng.uniform(0.01, 0.04) * fh
        inside = 1 / (1 + np.exp(-(band / 2 - np.abs(dist)) / edge))
        light = light * (1 - rng.uniform(0.3, 0.5) * inside)
    light = cv2.resize(light.astype(np.float32), (fw, fh), interpolation=cv2.INTER_LINEAR)
    out *= light[:, :, None]
    sigma = rng.uniform(0.3, 1.3) * long_side / 2500
    out = cv2.GaussianBlur(out, (0, 0), sigma)
    noise = np.empty(out.shape, np.float32)
    cv2.setRNGSeed(rng.randrange(2**31))
    cv2.randn(noise, 0, rng.uniform(2, 7))
    out += noise
    out = np.clip(out, 0, 255).astype(np.uint8)
    if turn:
        out = cv2.rotate(
            out,
            {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}[
                turn
            ],
        )
    return cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, quality])[1].tobytes()


def flat_scan(page: np.ndarray, rng: random.Random, *, dpi: int = 150) -> bytes:
    """A flatbed scan: straight (within half a degree), even light, PNG or good JPEG."""
    scale = dpi / DPI
    img = cv2.resize(page, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    h, w = img.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), rng.uniform(-0.5, 0.5), 1.0)
    img = cv2.warpAffine(img, matrix, (w, h), borderValue=(255, 255, 255))
    if rng.random() < 0.5:
        return cv2.imencode(".png", img)[1].tobytes()
    return cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()
