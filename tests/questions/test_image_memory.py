"""Pictures that would eat the machine (issue 14, item 7).

Question pictures and paper scans go through ``image_normalize``; it reads the
size from the header before any pixel is decoded, decodes a JPEG at a reduced
scale, and refuses lossless pictures too big to decode in full. Peak memory is
measured in a fresh interpreter (Pillow's pixels live outside Python's heap).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent.parent
PROBE = """
import json, resource, sys
import django
django.setup()
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from questions.images import image_normalize
data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    out = image_normalize(SimpleUploadedFile("upload", data))
    from PIL import Image
    import io
    outcome = "ok %sx%s" % Image.open(io.BytesIO(out.full.read())).size
except ValidationError as error:
    outcome = error.code + ": " + error.messages[0]
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"mb": (after - before) // 1024, "outcome": outcome}))
"""


def normalize_in_fresh_process(path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def huge_png(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("img") / "huge.png"
    Image.new("1", (7000, 5700), 1).save(path)  # 39.9 megapixels in a few kilobytes
    assert path.stat().st_size < 200_000
    return path


@pytest.fixture(scope="module")
def big_jpeg(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("img") / "photo.jpg"
    Image.new("L", (7000, 5700), 200).save(path, quality=80)
    return path


def test_a_40_megapixel_png_is_refused_before_its_pixels_are_decoded(huge_png):
    measured = normalize_in_fresh_process(huge_png)
    assert measured["outcome"].startswith("image_pixels: Ảnh PNG, WEBP hoặc GIF")
    assert "JPG" in measured["outcome"]  # tells the resident what to do
    assert measured["mb"] < 30, measured


def test_a_40_megapixel_jpeg_is_decoded_at_a_reduced_scale(big_jpeg):
    measured = normalize_in_fresh_process(big_jpeg)
    assert measured["outcome"].startswith("ok "), measured
    width, height = map(int, measured["outcome"][3:].split("x"))
    assert max(width, height) == 1600
    assert measured["mb"] < 60, measured
