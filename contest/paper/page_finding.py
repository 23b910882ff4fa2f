"""Finding the answer form in a photo: decode, find the four corner markers, map the page onto
the canonical grid, read the QR (docs/contracts.md, "Reading of a photographed sheet").

Decoding is downscaled on load; the four solid corner markers are found among the dark blobs
of an illumination-flattened image; the page is mapped onto a canonical grid (``PX`` pixels
per mm) with a homography in each of the four orientations the markers allow, and the QR is
read there. The marks are read by ``contest.paper.reading``.
"""

import itertools
from io import BytesIO

import cv2
import numpy as np
import zxingcpp
from PIL import Image

PX = 5.0  # pixels per millimetre of the canonical page
WORK_LONG_SIDE = 2000  # a photo is reduced to this long side before searching
MARKER_CENTRES = ((12.0, 12.0), (198.0, 12.0), (198.0, 285.0), (12.0, 285.0))  # TL TR BR BL


class NotAForm(Exception):
    """The image shows no answer form that can be read; the message is for a clerk."""


def image_decode(data: bytes) -> np.ndarray:
    """Grey image, its long side at most ``WORK_LONG_SIDE`` (big JPEGs are decoded reduced)."""
    buffer = np.frombuffer(data, np.uint8)
    size = _image_size(data)
    if size and size[0] * size[1] > 60_000_000:
        raise NotAForm("Ảnh quá lớn (trên 60 megapixel): chụp lại với độ phân giải thường.")
    flag = cv2.IMREAD_GRAYSCALE
    if size and data[:2] == b"\xff\xd8":
        if max(size) >= 4 * 1400:
            flag = cv2.IMREAD_REDUCED_GRAYSCALE_4
        elif max(size) >= 2 * 1400:
            flag = cv2.IMREAD_REDUCED_GRAYSCALE_2
    gray = cv2.imdecode(buffer, flag)
    if gray is None or min(gray.shape) < 200:
        raise NotAForm("Không mở được ảnh này (không phải ảnh JPG/PNG, hoặc ảnh quá nhỏ).")
    long_side = max(gray.shape)
    if long_side > WORK_LONG_SIDE:
        scale = WORK_LONG_SIDE / long_side
        gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return gray


def flatten(gray: np.ndarray, kernel: int) -> np.ndarray:
    """Ink darkness 0..1 against the local paper brightness (removes shadows and gradients).

    The paper's brightness is the brightest value within ``kernel`` pixels
    (ink is never the brightest), smoothed; computed at a quarter of the size.
    """
    small = cv2.resize(gray, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    k = max(3, kernel // 4) | 1
    paper = cv2.dilate(small, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    paper = cv2.blur(cv2.blur(paper, (k, k)), (k, k))
    paper = cv2.resize(paper, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)
    ratio = gray.astype(np.float32) / np.maximum(paper.astype(np.float32), 1.0)
    return np.clip(1.0 - ratio, 0.0, 1.0)


def find_markers(gray: np.ndarray) -> np.ndarray:
    """Centres of the four corner markers in the image, ordered TL TR BR BL up to rotation.

    Raises ``NotAForm`` when four solid squares making a page-shaped quadrilateral are not there.
    """
    shrink = min(1.0, 1000 / max(gray.shape))
    small = cv2.resize(gray, None, fx=shrink, fy=shrink, interpolation=cv2.INTER_AREA)
    long_side = max(small.shape)
    dark = flatten(small, long_side // 14)
    ink = (dark > 0.45).astype(np.uint8)
    contours, _ = cv2.findContours(ink, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    low, high = (0.005 * long_side) ** 2, (0.05 * long_side) ** 2
    found = []
    for contour in contours:
        area = cv2.contourArea(contour)
        if not low <= area <= high:
            continue
        (cx, cy), (w, h), _angle = cv2.minAreaRect(contour)
        if min(w, h) == 0 or not 0.6 <= w / h <= 1.67 or area / (w * h) < 0.86:
            continue
        x, y, bw, bh = cv2.boundingRect(contour)
        mask = np.zeros((bh, bw), np.uint8)
        cv2.drawContours(mask, [contour - [x, y]], -1, 1, -1)
        inside = ink[y : y + bh, x : x + bw][mask > 0]
        if inside.size and inside.mean() > 0.9:
            found.append((area, cx, cy))
    found.sort(reverse=True)
    found = found[:14]
    best, best_area = None, 0.0
    for combo in itertools.combinations(found, 4):
        areas = [c[0] for c in combo]
        if max(areas) > 3.0 * min(areas):
            continue
        points = np.array([(c[1], c[2]) for c in combo], np.float32)
        hull = cv2.convexHull(points)
        if len(hull) != 4:
            continue
        quad = hull.reshape(4, 2)
        sides = [np.linalg.norm(quad[i] - quad[(i + 1) % 4]) for i in range(4)]
        short, long_ = (sides[0] + sides[2]) / 2, (sides[1] + sides[3]) / 2
        ratio = max(short, long_) / max(min(short, long_), 1.0)
        if not 1.15 <= ratio <= 1.9 or min(sides) < 8 * np.sqrt(np.mean(areas)):
            continue
        quad_area = cv2.contourArea(quad)
        if quad_area > best_area:
            best, best_area = quad, quad_area
    if best is None:
        raise NotAForm(
            "Không thấy đủ bốn ô vuông đen ở bốn góc phiếu: chụp lại cả tờ phiếu, "
            "thấy rõ bốn góc, trên nền khác màu giấy."
        )
    # Clockwise on screen (y down), starting so that the first side is a short side.
    if _signed_area(best) < 0:
        best = best[::-1]
    if np.linalg.norm(best[0] - best[1]) > np.linalg.norm(best[1] - best[2]):
        best = np.roll(best, -1, axis=0)
    return (best / shrink).astype(np.float32)


def _signed_area(quad: np.ndarray) -> float:
    x, y = quad[:, 0], quad[:, 1]
    return float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2


def page_warp(gray: np.ndarray, corners: np.ndarray) -> np.ndarray:
    """The page at ``PX`` pixels per mm, given the marker centres TL TR BR BL in ``gray``."""
    target = np.array(MARKER_CENTRES, np.float32) * PX
    matrix = cv2.getPerspectiveTransform(corners.astype(np.float32), target)
    size = (int(210 * PX), int(297 * PX))
    return cv2.warpPerspective(gray, matrix, size, flags=cv2.INTER_LINEAR, borderValue=255)


def _qr_text(page: np.ndarray, qr: dict) -> str | None:
    pad = 4.0
    x0, y0 = int((qr["x"] - pad) * PX), int((qr["y"] - pad) * PX)
    x1, y1 = int((qr["x"] + qr["size"] + pad) * PX), int((qr["y"] + qr["size"] + pad) * PX)
    crop = page[max(0, y0) : y1, max(0, x0) : x1]
    for image in (crop, cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[1]):
        for result in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode):
            if result.text:
                return result.text
    return None


def page_locate(gray: np.ndarray, qr: dict) -> tuple[np.ndarray, np.ndarray, str | None]:
    """(corners TL TR BR BL, the aligned page, QR text or None) trying both upright turns."""
    quad = find_markers(gray)
    candidates = [quad, np.roll(quad, -2, axis=0)]
    upright = page_warp(gray, quad)
    pages = [upright, cv2.rotate(upright, cv2.ROTATE_180)]  # the markers are symmetric

    def qr_darkness(page):
        x, y, s = (int(v * PX) for v in (qr["x"], qr["y"], qr["size"]))
        return -float(page[y : y + s, x : x + s].mean())

    order = sorted(range(2), key=lambda i: qr_darkness(pages[i]), reverse=True)
    for i in order:
        text = _qr_text(pages[i], qr)
        if text is not None:
            return candidates[i], pages[i], text
    return candidates[order[0]], pages[order[0]], None


def qr_parse(text: str | None) -> tuple[str, int, str] | None:
    """(contest slug, round number, serial) from ``cuocthi:<slug>:<round>:<serial>``."""
    parts = (text or "").split(":")
    if len(parts) != 4 or parts[0] != "cuocthi" or not parts[2].isdigit() or not parts[3].isdigit():
        return None
    return parts[1], int(parts[2]), parts[3]


def reading_scale(data: bytes, working_long_side: int) -> float:
    """Factor from the working image back to the image as stored."""
    size = _image_size(data)
    return max(size) / working_long_side if size else 1.0


def _image_size(data: bytes) -> tuple[int, int] | None:
    try:
        return Image.open(BytesIO(data)).size
    except Exception:  # noqa: BLE001 - the size is only used to scale crops back
        return None
