"""What the journey tests share: screenshots under a folder the test names, axe-core checks,
and logging in through the real login page.

With ``CUOCTHI_DOC_SHOTS=1`` the journeys also write the small screenshots of
docs/organizers.md into docs/img/ (``Journey.doc``).
"""

import os
from pathlib import Path

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
DOC_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "img"
PASSWORD = "mat-khau-9x!"  # tests.factories.UserFactory's password
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


class Journey:
    """Screenshots numbered in the order taken, and axe-core on every page looked at."""

    def __init__(self, name: str):
        self.folder = SCREENSHOTS / name
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()
        self.n = 0
        self.violations: list[str] = []

    def shot(self, page, label: str, *, check: bool = True) -> Path:
        """Save a full-page screenshot; run axe-core and keep serious or critical violations."""
        self.n += 1
        path = self.folder / f"{self.n:02d}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        if check:
            self.axe(page, label)
        return path

    def doc(self, target, name: str, *, height: int = 1400) -> None:
        """A small PNG for the guide: ``target`` is a page or a locator; top ``height`` px kept."""
        if not os.environ.get("CUOCTHI_DOC_SHOTS"):
            return
        import io

        from PIL import Image

        image = Image.open(io.BytesIO(target.screenshot()))
        image = image.crop((0, 0, image.width, min(image.height, height)))
        if image.width > 720:
            image = image.resize((720, round(image.height * 720 / image.width)), Image.LANCZOS)
        image = image.convert("RGB").quantize(colors=96, method=Image.Quantize.MEDIANCUT)
        DOC_IMAGES.mkdir(exist_ok=True)
        image.save(DOC_IMAGES / f"{name}.png", optimize=True)

    def axe(self, page, label: str) -> None:
        from axe_playwright_python.sync_playwright import Axe

        results = Axe().run(page)
        for violation in results.response["violations"]:
            if violation["impact"] in ("serious", "critical"):
                targets = [node["target"] for node in violation["nodes"]][:3]
                self.violations.append(f"{label}: {violation['id']} {targets}")

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
