"""A clerk registers a sheet with a photo, finds it in the arrival register and opens the scan
through the role-checked view, at 360 px and on a desktop."""

from pathlib import Path

import pytest
from PIL import Image

from contest.models import ContestMembership, PaperReceipt
from tests.contest.test_ranking import make_contest
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).parent / "screenshots" / "test_arrival_register"


def _photo(path: Path) -> Path:
    image = Image.new("RGB", (600, 800), "white")
    for x in range(60, 540):
        for y in (100, 101, 400, 401):
            image.putpixel((x, y), (0, 0, 0))
    image.save(path, format="PNG")
    return path


@pytest.mark.parametrize(
    ("name", "viewport"),
    [("phone", {"width": 360, "height": 740}), ("desktop", {"width": 1280, "height": 900})],
)
def test_the_arrival_register_links_each_sheet_to_its_private_scan(
    live_server, browser, tmp_path, name, viewport
):
    contest = make_contest()
    clerk = UserFactory()
    ContestMembership.objects.create(contest=contest, user=clerk, role="clerk")
    context = browser.new_context(viewport=viewport, locale="vi-VN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=login]", clerk.phone)
    page.fill("input[name=password]", "mat-khau-9x!")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/manage/{contest.slug}/paper/receive/")
    page.set_input_files("input[name=scan]", str(_photo(tmp_path / "IMG_2001.png")))
    register_button = page.get_by_role("button", name="Vào sổ và cấp số phiếu")
    register_button.click()
    page.locator("#new-sheet-no").wait_for()
    assert page.locator("#new-sheet-no").inner_text() == "P-00001"
    page.get_by_role("button", name="Vào sổ và cấp số phiếu").click()  # a second, no photo
    page.get_by_text("P-00002").wait_for()
    page.goto(f"{live_server.url}/manage/{contest.slug}/paper/")
    register = page.locator("#register")
    assert "P-00001" in register.inner_text() and "P-00002" in register.inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    register.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"register-{name}.png"), full_page=True)
    scan_url = register.get_by_role("link", name="Xem ảnh").get_attribute("href")
    assert scan_url == f"/manage/{contest.slug}/paper/scans/P-00001/"
    response = page.request.get(live_server.url + scan_url)
    assert response.status == 200 and response.headers["content-type"] == "image/jpeg"
    assert response.headers["x-content-type-options"] == "nosniff"
    stored = PaperReceipt.objects.get(sheet_no="P-00001").scan.name
    assert page.request.get(f"{live_server.url}/media/{stored}").status == 404
    context.close()
