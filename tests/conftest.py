import os
import shutil
from pathlib import Path

import pytest

from accounts import sms

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(autouse=True)
def _fresh_state(settings):
    """Every test starts with an empty SMS outbox, an empty cache and the default language.

    A request in English leaves English active in the thread after it (LocaleMiddleware
    activates, nothing deactivates), and services translate their messages: without the
    reset, a later test would see English refusals.
    """
    from django.core.cache import cache
    from django.utils import translation

    sms.outbox.clear()
    cache.clear()
    translation.deactivate()
    yield
    sms.outbox.clear()
    translation.deactivate()


@pytest.fixture
def shared_fixtures() -> Path:
    """Real Moodle exports (copied from the shared fixtures; see their README)."""
    return FIXTURES / "moodle"


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing at /usr/bin/chromium (apt-get install -y chromium)")
        pytest.skip("Chromium is not installed (apt-get install -y chromium)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the
    # tests make around it are ordinary synchronous ones.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-quic",
                "--no-first-run",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def phone_page(browser):
    """A 360 px wide phone-sized page, Vietnamese locale."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        locale="vi-VN",
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()
