"""Aligned image crops of a scanned sheet: the places a person checks or types from."""

import cv2
import numpy as np

from contest.paper.page_finding import MARKER_CENTRES

PX = 6.0  # pixels per mm of a crop (sharp enough for handwriting on a phone)


def place_region(geometry: dict, place: str) -> tuple[float, float, float, float] | None:
    """(x, y, width, height) in mm of a place: ``q<N>``, ``phone``, ``prediction``, a field, ``page``."""
    if place == "page":
        return 0.0, 0.0, 210.0, 297.0
    if place.startswith("q") and place[1:].isdigit():
        row = [b for b in geometry["bubbles"] if b["question"] == int(place[1:])]
        if not row:
            return None
        x0, x1 = row[0]["x"] - 17, row[-1]["x"] + row[-1]["r"] + 3
        return x0, row[0]["y"] - 4.5, x1 - x0, 9.0
    if place in geometry.get("grids", {}):
        grid, boxes = geometry["grids"][place], geometry["boxes"][place]
        x0 = boxes[0]["x"] - 2
        x1 = max(b["x"] for b in grid) + 4.5
        y0, y1 = boxes[0]["y"] - 1.5, max(b["y"] for b in grid) + 3
        return x0, y0, x1 - x0, y1 - y0
    field = geometry.get("fields", {}).get(place)
    if field:
        return field["x"] - 1, field["y"] - 5, field["w"] + 2, field["h"] + 6
    return None


def crop_png(image: bytes, corners: list, region: tuple[float, float, float, float]) -> bytes:
    """PNG of ``region`` (mm) of the page in ``image``, straightened on the markers."""
    gray = cv2.imdecode(np.frombuffer(image, np.uint8), cv2.IMREAD_GRAYSCALE)
    if gray is None or len(corners) != 4:
        raise ValueError("no image")
    x, y, w, h = region
    target = (np.array(MARKER_CENTRES, np.float32) - [x, y]) * PX
    matrix = cv2.getPerspectiveTransform(np.array(corners, np.float32), target.astype(np.float32))
    size = (int(w * PX), int(h * PX))
    out = cv2.warpPerspective(gray, matrix, size, flags=cv2.INTER_AREA, borderValue=255)
    return cv2.imencode(".png", out)[1].tobytes()
