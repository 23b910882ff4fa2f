"""What the journey tests share: people in their own browser, screenshots under a folder
the test names, axe-core checks, and logging in through the real login page.

With ``CUOCTHI_DOC_SHOTS=1`` the journeys also write the small screenshots of
docs/organizers.md into docs/img/ (``Journey.doc``).
"""

import io
import os
import re
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
DOC_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "img"
PASSWORD = "mat-khau-9x!"  # tests.factories.UserFactory's password
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
_axe = Axe()


def person_context(browser, *, address: str, phone: bool = True, locale: str = "vi-VN"):
    """A browser of its own (cookies, storage), as if from another device at ``address``.

    The site is taken to sit behind one reverse proxy (``ALLAUTH_TRUSTED_PROXY_COUNT = 1``),
    which passes the visitor's address in ``X-Forwarded-For``.
    """
    options = {"viewport": PHONE, "is_mobile": True, "has_touch": True} if phone else {}
    context = browser.new_context(
        **({"viewport": DESKTOP} | options),
        locale=locale,
        device_scale_factor=1,
        extra_http_headers={"X-Forwarded-For": address},
    )
    context.set_default_timeout(10_000)
    return context


def _violations(page) -> list[str]:
    """Serious or critical axe-core violations (WCAG 2.1 A/AA and best practices)."""
    results = _axe.run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:5])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def assert_accessible(page) -> None:
    """No serious or critical axe-core violation on this page."""
    bad = _violations(page)
    assert not bad, f"{page.url}:\n" + "\n".join(bad)


class Journey:
    """Screenshots numbered in the order taken, and axe-core on every kind of page seen.

    Each kind of page (its path with ids replaced) is checked once per width.
    """

    def __init__(self, name: str):
        self.folder = SCREENSHOTS / name
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()
        self.count = 0
        self.checked: set[tuple[str, int]] = set()
        self.violations: list[str] = []

    def shot(self, page, label: str, *, check: bool = True) -> Path:
        """Save a full-page screenshot; keep the page's serious or critical violations."""
        self.count += 1
        width = page.viewport_size["width"] if page.viewport_size else 0
        path = self.folder / f"{self.count:02d}-{width}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        if check and self._first_look(page):
            self.violations += [f"{label}: {v}" for v in _violations(page)]
        return path

    def see(self, page, label: str) -> None:
        """Screenshot the page, then fail at once on any serious or critical violation."""
        self.shot(page, label, check=False)
        if self._first_look(page):
            assert_accessible(page)

    def _first_look(self, page) -> bool:
        width = page.viewport_size["width"] if page.viewport_size else 0
        kind = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}|\d+", "N", page.url.split("?")[0])
        if (kind, width) in self.checked:
            return False
        self.checked.add((kind, width))
        return True

    def doc(self, target, name: str, *, height: int = 1400) -> None:
        """A small PNG for the guide: ``target`` is a page or a locator; top ``height`` px kept."""
        if not os.environ.get("CUOCTHI_DOC_SHOTS"):
            return
        from PIL import Image

        is_page = hasattr(target, "goto")  # a page: the whole of it, from the top
        image = Image.open(
            io.BytesIO(target.screenshot(**({"full_page": True} if is_page else {})))
        )
        image = image.crop((0, 0, image.width, min(image.height, height)))
        if image.width > 720:
            image = image.resize((720, round(image.height * 720 / image.width)), Image.LANCZOS)
        image = image.convert("RGB").quantize(colors=96, method=Image.Quantize.MEDIANCUT)
        DOC_IMAGES.mkdir(exist_ok=True)
        image.save(DOC_IMAGES / f"{name}.png", optimize=True)

    def assert_accessible(self) -> None:
        assert not self.violations, "axe-core serious/critical:\n" + "\n".join(self.violations)


def fits_width(page) -> bool:
    """True when nothing makes the page scroll sideways (scrolling tables excepted)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def log_in(page, base: str, phone: str, password: str = PASSWORD) -> None:
    page.goto(base + "/accounts/login/")
    page.fill("input[name=login]", phone)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def log_out(page) -> None:
    page.click("nav form button[type=submit]")
    page.wait_for_load_state()


# Vietnamese letters with diacritics: their presence outside lang="vi" content in the
# English interface means an untranslated string.
VIETNAMESE_OUTSIDE_CONTENT = """() => {
  const re = /[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]/i;
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const parent = node.parentElement;
    if (!parent || parent.closest('[lang="vi"], script, style, noscript, option, [hidden]')) continue;
    if (re.test(node.textContent)) out.push(node.textContent.trim().slice(0, 80));
  }
  return out;
}"""
