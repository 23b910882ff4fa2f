"""Helpers for the journeys: people in their own browser, screenshots, axe-core checks."""

import re
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 860}
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


class Journey:
    """Screenshots under ``screenshots/<test name>/`` and an axe-core check of each page seen.

    Each kind of page (its path with ids replaced) is checked once per width.
    """

    def __init__(self, name: str):
        self.folder = SCREENSHOTS / name
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()
        self.count = 0
        self.checked: set[tuple[str, int]] = set()

    def shot(self, page, label: str) -> None:
        self.count += 1
        width = page.viewport_size["width"] if page.viewport_size else 0
        page.screenshot(
            path=str(self.folder / f"{self.count:02d}-{width}-{label}.png"), full_page=True
        )

    def see(self, page, label: str) -> None:
        """Screenshot the page, then fail on any serious or critical axe-core violation."""
        self.shot(page, label)
        width = page.viewport_size["width"] if page.viewport_size else 0
        kind = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}|\d+", "N", page.url.split("?")[0])
        if (kind, width) in self.checked:
            return
        self.checked.add((kind, width))
        assert_accessible(page)


def assert_accessible(page) -> None:
    """No serious or critical axe-core violation (WCAG 2.1 A/AA and best practices)."""
    results = _axe.run(page)
    bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    details = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:5])
        for v in bad
    )
    assert not bad, f"{page.url}:\n{details}"


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
