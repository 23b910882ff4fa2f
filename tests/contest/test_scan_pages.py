"""The clerk's pages for photographed sheets: upload, queue, review, crops."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from contest.models import PaperEntry, SheetScan
from tests.contest.test_omr_reading import places
from tests.contest.test_paper_keying import member
from tests.contest.test_ranking import make_contest
from tests.contest.test_scan_sheets import photos
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def contest():
    contest = make_contest()
    contest.double_keying = False
    contest.save()
    return contest


def upload(client, contest, items):
    files = [SimpleUploadedFile(name, data, content_type="image/jpeg") for name, data, _t in items]
    return client.post(reverse("contest:scan_upload", args=[contest.slug]), {"photos": files})


def test_the_upload_page_takes_many_photos_from_a_phone_camera(client, contest):
    client.force_login(member(contest))
    html = client.get(reverse("contest:scan_upload", args=[contest.slug])).content.decode()
    assert 'type="file"' in html and 'accept="image/*' in html
    assert 'capture="environment"' in html and "multiple" in html


def test_an_uploaded_batch_is_read_in_the_background_and_waits_for_confirmation(client, contest):
    client.force_login(member(contest))
    items = photos(contest, 2)
    response = upload(client, contest, items)
    assert response.status_code == 302 and "/jobs/" in response.url
    job = client.get(response.url)
    assert "Đọc chắc chắn 2 phiếu" in job.content.decode()
    assert SheetScan.objects.filter(contest=contest).count() == 2
    queue = client.get(reverse("contest:scan_queue", args=[contest.slug])).content.decode()
    assert "P-00001" in queue and "P-00002" in queue


def test_review_shows_the_crops_and_confirming_makes_the_entry(client, contest):
    client.force_login(member(contest))
    (_name, _data, truth), second = photos(contest, 2)
    upload(client, contest, [(_name, _data, truth), second])
    scan = SheetScan.objects.get(receipt__sheet_no="P-00001")
    page = client.get(reverse("contest:scan_review", args=[contest.slug, scan.pk])).content.decode()
    crop = reverse("contest:scan_crop", args=[contest.slug, scan.pk, "full_name"])
    assert crop in page
    image = client.get(crop)
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
    response = client.post(
        reverse("contest:scan_review", args=[contest.slug, scan.pk]),
        {"full_name": "Trần Văn Cư", "phone": truth.phone, "prediction": str(truth.prediction)},
    )
    following = SheetScan.objects.get(receipt__sheet_no="P-00002")
    assert response.url == reverse("contest:scan_review", args=[contest.slug, following.pk])
    entry = PaperEntry.objects.get(sheet_no="P-00001")
    assert (entry.full_name, entry.answers, entry.phone) == (
        "Trần Văn Cư",
        truth.answers,
        truth.phone,
    )


def test_a_place_in_doubt_is_asked_with_the_guess_preselected(client, contest):
    client.force_login(member(contest))
    upload(client, contest, photos(contest, 1))
    scan = SheetScan.objects.get()
    marks = places(scan.reading["answers"])
    scan.reading = {**scan.reading, "review": ["q2"], "status": "review"}
    scan.status = "review"
    scan.save()
    url = reverse("contest:scan_review", args=[contest.slug, scan.pk])
    page = client.get(url).content.decode()
    assert reverse("contest:scan_crop", args=[contest.slug, scan.pk, "q2"]) in page
    assert f'name="q2" value="{marks[1]}" checked' in page
    client.post(url, {"full_name": "Lê Thị Dung", "phone": scan.reading["phone"], "q2": "*"})
    assert places(PaperEntry.objects.get().answers)[1] == "*"


def test_people_outside_the_contest_see_neither_the_pages_nor_the_crops(client, contest):
    client.force_login(member(contest))
    upload(client, contest, photos(contest, 1))
    scan = SheetScan.objects.get()
    client.force_login(UserFactory())
    for url in (
        reverse("contest:scan_upload", args=[contest.slug]),
        reverse("contest:scan_queue", args=[contest.slug]),
        reverse("contest:scan_review", args=[contest.slug, scan.pk]),
        reverse("contest:scan_crop", args=[contest.slug, scan.pk, "page"]),
    ):
        assert client.get(url).status_code == 403
    client.logout()
    assert (
        client.get(reverse("contest:scan_crop", args=[contest.slug, scan.pk, "page"])).status_code
        == 302
    )


def test_an_upload_with_no_photo_gets_a_message_not_an_error(client, contest):
    client.force_login(member(contest))
    response = client.post(reverse("contest:scan_upload", args=[contest.slug]), {})
    assert response.status_code == 200 and "Hãy chọn ít nhất một ảnh" in response.content.decode()
