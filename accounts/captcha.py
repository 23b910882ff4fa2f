"""A self-hosted image CAPTCHA drawn with Pillow.

Portals cannot depend on a foreign captcha service. The answer lives only in
the session; the image is noisy enough to stop naive scripts while staying
readable on a cheap phone (large, high-contrast digits and capitals without
look-alikes such as 0/O, 1/I).
"""

import io
import random
import secrets

from django.conf import settings
from django.core.cache import cache
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from core.ratelimit import client_ip

ALPHABET = "23456789ABCDEFHKMNPRSTUVWXYZ"
SESSION_KEY = "captcha_answer"
LENGTH = 5
_FONT_PATHS = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
]


def captcha_new(session) -> str:
    """Store a fresh answer in ``session`` and return it."""
    answer = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    session[SESSION_KEY] = answer
    return answer


def captcha_check(session, given: str) -> bool:
    """True when ``given`` matches the stored answer; an answer is used once."""
    expected = session.pop(SESSION_KEY, None)
    return bool(expected) and (given or "").strip().upper() == expected


def _font(size: int):
    for path in _FONT_PATHS:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def captcha_render(answer: str) -> bytes:
    """Return a PNG of ``answer``."""
    rnd = random.Random(secrets.randbits(64))
    width, height = 200, 70
    image = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        draw.line(
            [(rnd.randint(0, width), rnd.randint(0, height)) for _ in range(2)],
            fill=(rnd.randint(120, 200),) * 3,
            width=2,
        )
    font = _font(40)
    x = 12
    for char in answer:
        glyph = Image.new("RGBA", (44, 56), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((4, 2), char, font=font, fill=(20, 30, 90))
        glyph = glyph.rotate(rnd.randint(-25, 25), resample=Image.Resampling.BICUBIC, expand=False)
        image.paste(glyph, (x, rnd.randint(2, 12)), glyph)
        x += 36
    for _ in range(300):
        draw.point((rnd.randint(0, width - 1), rnd.randint(0, height - 1)), fill=(90, 90, 90))
    image = image.filter(ImageFilter.SMOOTH)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _signup_key(ip: str) -> str:
    return f"captcha:signups:{ip}"


def captcha_required(request) -> bool:
    """Whether sign-up from this address must pass the CAPTCHA.

    Shown once an address has made ``CAPTCHA_SIGNUP_THRESHOLD`` sign-up
    attempts within the hour (0: always).
    """
    threshold = settings.CAPTCHA_SIGNUP_THRESHOLD
    if threshold <= 0:
        return True
    return cache.get(_signup_key(client_ip(request)), 0) >= threshold


def captcha_count_signup_attempt(request) -> None:
    key = _signup_key(client_ip(request))
    cache.add(key, 0, timeout=3600)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=3600)
