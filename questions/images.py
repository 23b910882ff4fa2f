"""Validation and normalization of question pictures with Pillow.

Whatever arrives is opened by Pillow (a renamed PDF or script is refused),
checked against size and pixel limits, turned upright, stripped of EXIF and
other metadata by re-encoding, and stored in three renditions: full (≤1600 px),
phone (≤720 px) and thumbnail (≤200 px), all JPEG.
"""

import hashlib
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # JPEG: decoded at a reduced scale
MAX_PIXELS_LOSSLESS = 16_000_000  # PNG, WEBP, GIF: decoded in full (16 MP RGBA = 64 MB)
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
RENDITIONS = {"full": 1600, "phone": 720, "thumb": 200}


@dataclass
class NormalizedImage:
    full: ContentFile
    phone: ContentFile
    thumb: ContentFile
    digest: str  # SHA-256 of the normalized full rendition


def image_normalize(upload) -> NormalizedImage:
    """Return the three renditions of ``upload`` or raise ``ValidationError`` (translated)."""
    size = getattr(upload, "size", None)
    data = upload.read(MAX_BYTES + 1)
    if (size or len(data)) > MAX_BYTES or len(data) > MAX_BYTES:
        raise ValidationError(
            _("Ảnh quá lớn: tối đa 5 MB. Hãy chụp lại với độ phân giải thấp hơn."),
            code="image_too_big",
        )
    try:
        probe = Image.open(io.BytesIO(data))
        probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ValidationError(
            _("Tệp này không phải là ảnh. Hãy chọn ảnh JPG hoặc PNG."), code="not_image"
        ) from error
    except Image.DecompressionBombError as error:
        raise ValidationError(_("Ảnh có quá nhiều điểm ảnh."), code="image_pixels") from error
    if probe.format not in ALLOWED_FORMATS:
        raise ValidationError(_("Chỉ nhận ảnh JPG, PNG, WEBP hoặc GIF."), code="image_format")
    width, height = probe.size
    # Pixels cost memory only when decoded: check the size from the header first. A JPEG
    # is decoded straight at a reduced scale (draft), so a 40-megapixel photo costs a few
    # megabytes; other formats decode in full, so they get a lower ceiling.
    ceiling = MAX_PIXELS if probe.format == "JPEG" else MAX_PIXELS_LOSSLESS
    if width * height > ceiling:
        raise ValidationError(
            _(
                "Ảnh có quá nhiều điểm ảnh (tối đa 40 megapixel). "
                "Hãy chụp lại với độ phân giải thấp hơn."
            )
            if probe.format == "JPEG"
            else _(
                "Ảnh PNG, WEBP hoặc GIF có quá nhiều điểm ảnh (tối đa 16 megapixel). "
                "Hãy lưu ảnh dạng JPG hoặc thu nhỏ ảnh rồi tải lên."
            ),
            code="image_pixels",
        )
    if width < 16 or height < 16:
        raise ValidationError(_("Ảnh quá nhỏ để xem được."), code="image_small")
    image = Image.open(io.BytesIO(data))
    if image.format == "JPEG":
        image.draft("RGB", (RENDITIONS["full"], RENDITIONS["full"]))
    elif image.mode in ("P", "PA", "1"):
        image = image.convert("RGBA")  # palette images resize badly (nearest neighbour only)
    # Downscale before anything else copies the pixels (thumbnail works in place and
    # uses reduce(), so the full-size picture is not kept twice).
    image.thumbnail((RENDITIONS["full"], RENDITIONS["full"]), Image.Resampling.LANCZOS)
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "P", "PA"):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.split()[-1])
        image = background
    else:
        image = image.convert("RGB")
    out = {}
    for name, limit in RENDITIONS.items():
        copy = image.copy()
        copy.thumbnail((limit, limit), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        copy.save(buffer, format="JPEG", quality=85, optimize=True)  # no exif= → metadata dropped
        out[name] = buffer.getvalue()
    digest = hashlib.sha256(out["full"]).hexdigest()
    return NormalizedImage(
        full=ContentFile(out["full"], name=f"{digest[:16]}.jpg"),
        phone=ContentFile(out["phone"], name=f"{digest[:16]}-phone.jpg"),
        thumb=ContentFile(out["thumb"], name=f"{digest[:16]}-thumb.jpg"),
        digest=digest,
    )
