"""Scans and uploads are private: random names, content-checked, served after a role check,
and a pending upload is named by an id bound to its owner and contest, never by a path."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from pypdf import PdfWriter

from accounts.roles import ORGANIZERS_GROUP
from contest.models import ContestMembership, PaperEntry, PaperReceipt
from core.models import BackgroundJob, PendingUpload
from tests.contest.test_ranking import ALL_RIGHT, make_contest
from tests.factories import BankFactory, UserFactory

pytestmark = pytest.mark.django_db
DATES = {"postmark_date": "2022-06-01", "received_at": "2022-06-03T09:15"}


def member(contest, role="clerk"):
    user = UserFactory()
    ContestMembership.objects.create(contest=contest, user=user, role=role)
    return user


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 160), "white").save(out, format="PNG")
    return out.getvalue()


def _pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _receive(client, contest, name: str, data: bytes):
    url = reverse("contest:paper_receive", args=[contest.slug])
    return client.post(url, {**DATES, "scan": SimpleUploadedFile(name, data)})


@pytest.fixture
def contest():
    return make_contest()


def test_a_scan_is_stored_outside_media_under_a_random_name(client, contest):
    client.force_login(member(contest))
    _receive(client, contest, "P-00001-scan.png", _png())
    receipt = PaperReceipt.objects.get()
    path = Path(receipt.scan.path)
    assert path.is_file()
    assert Path(settings.PRIVATE_ROOT) in path.parents
    assert Path(settings.MEDIA_ROOT) not in path.parents
    assert "P-00001" not in receipt.scan.name and "scan" not in path.name
    assert len(path.stem) == 32 and path.suffix == ".jpg"
    with pytest.raises(ValueError):
        receipt.scan.url  # noqa: B018 — a private file has no public address


def test_an_html_page_starting_with_pdf_magic_is_refused(client, contest):
    client.force_login(member(contest))
    evil = b"%PDF-1.4\n<html><script>alert(document.cookie)</script></html>"
    page = _receive(client, contest, "evil.html", evil).content.decode()
    assert "không phải PDF đọc được" in page
    assert not PaperReceipt.objects.exists()


def test_a_real_pdf_named_html_is_stored_as_pdf_and_served_as_a_download(client, contest):
    clerk = member(contest)
    client.force_login(clerk)
    _receive(client, contest, "evil.html", _pdf())
    receipt = PaperReceipt.objects.get()
    assert receipt.scan.name.endswith(".pdf")
    response = client.get(reverse("contest:paper_scan", args=[contest.slug, receipt.sheet_no]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_an_image_scan_is_shown_inline_to_the_contests_clerks_and_organizers_only(client, contest):
    clerk = member(contest)
    client.force_login(clerk)
    _receive(client, contest, "a.png", _png())
    url = reverse("contest:paper_scan", args=[contest.slug, "P-00001"])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline")
    assert response.content[:2] == b"\xff\xd8"
    client.force_login(member(contest, "organizer"))
    assert client.get(url).status_code == 200
    other = make_contest(slug="khac")
    client.force_login(member(other, "organizer"))
    assert client.get(url).status_code == 403
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302  # to the login page
    assert client.get(f"/media/{PaperReceipt.objects.get().scan.name}").status_code == 404


def test_the_paper_page_lists_the_arrival_register_with_links_to_the_scans(client, contest):
    client.force_login(member(contest))
    _receive(client, contest, "a.png", _png())
    client.post(reverse("contest:paper_receive", args=[contest.slug]), DATES)
    page = client.get(reverse("contest:paper_home", args=[contest.slug])).content.decode()
    assert "Sổ phiếu đến" in page and "P-00001" in page and "P-00002" in page
    assert reverse("contest:paper_scan", args=[contest.slug, "P-00001"]) in page
    assert reverse("contest:paper_scan", args=[contest.slug, "P-00002"]) not in page


def _preview(client, contest, rows=""):
    csv = (
        "sheet_no,full_name,phone,answers,prediction,postmark_date\n"
        f"U-1,An,0905000001,{ALL_RIGHT},5,2022-06-01\n" + rows
    ).encode()
    url = reverse("contest:paper_upload", args=[contest.slug])
    return client.post(url, {"file": SimpleUploadedFile("s.csv", csv)})


def test_a_confirmation_naming_a_path_imports_and_deletes_nothing(client, contest):
    victim = make_contest(slug="nan-nhan")
    clerk = member(victim)
    client.force_login(clerk)
    _receive(client, victim, "a.png", _png())
    scan = Path(PaperReceipt.objects.get(contest=victim).scan.path)
    _preview(client, victim)
    victims_upload = PendingUpload.objects.get()
    attacker = member(contest)
    client.force_login(attacker)
    url = reverse("contest:paper_upload", args=[contest.slug])
    for forged in (
        f"paper-uploads/{contest.pk}/../{victim.pk}/x.csv",
        f"paper-uploads/{contest.pk}/../../scans/{victim.pk}/{scan.name}",
        victims_upload.file.name,
        str(victims_upload.pk),  # another person's upload, for another contest
    ):
        for field in ("upload", "stored"):
            client.post(url, {field: forged})
    assert not BackgroundJob.objects.exists() and not PaperEntry.objects.exists()
    assert scan.is_file() and Path(victims_upload.file.path).is_file()


def test_a_pending_upload_is_usable_only_by_its_owner_in_its_contest(client, contest):
    first, second = member(contest), member(contest)
    client.force_login(first)
    _preview(client, contest)
    upload = PendingUpload.objects.get()
    assert upload.owner == first and upload.scope == f"paper:{contest.pk}"
    url = reverse("contest:paper_upload", args=[contest.slug])
    client.force_login(second)
    client.post(url, {"upload": str(upload.pk)})
    assert not BackgroundJob.objects.exists()
    client.force_login(first)
    client.post(url, {"upload": str(upload.pk)})
    assert BackgroundJob.objects.get().status == "done"
    assert PaperEntry.objects.count() == 1
    assert not PendingUpload.objects.exists()  # used once, then deleted with its file
    assert not Path(upload.file.path).exists()


def test_a_bank_upload_uses_the_same_pending_mechanism(client):
    bank = BankFactory(slug="cchc")
    other = BankFactory(slug="khac")
    editor, intruder = UserFactory(), UserFactory()
    group, _ = Group.objects.get_or_create(name=ORGANIZERS_GROUP)
    editor.groups.add(group)
    intruder.groups.add(group)
    bank.owners.add(editor, intruder)  # both may open the bank: only the uploader may confirm
    other.owners.add(editor)
    client.force_login(editor)
    text = b"::Q1:: Th\xe1\xbb\xad? {=A ~B}\n"
    client.post(
        reverse("questions:bank_import", args=[bank.slug]),
        {"file": SimpleUploadedFile("q.gift", text), "format": ""},
    )
    upload = PendingUpload.objects.get()
    assert (
        upload.scope == f"bank:{bank.pk}"
        and Path(settings.PRIVATE_ROOT) in Path(upload.file.path).parents
    )
    client.post(
        reverse("questions:bank_import", args=[other.slug]),
        {"confirm": "1", "upload": str(upload.pk)},
    )
    client.force_login(intruder)
    client.post(
        reverse("questions:bank_import", args=[bank.slug]),
        {"confirm": "1", "upload": str(upload.pk)},
    )
    assert not BackgroundJob.objects.exists()
    client.force_login(editor)
    client.post(
        reverse("questions:bank_import", args=[bank.slug]),
        {"confirm": "1", "upload": str(upload.pk)},
    )
    assert BackgroundJob.objects.get().status == "done"
    assert bank.questions.count() == 1 and not PendingUpload.objects.exists()


def test_a_job_that_fails_unexpectedly_ends_failed_with_the_reason(client, contest):
    clerk = member(contest)
    client.force_login(clerk)
    _preview(client, contest)
    upload = PendingUpload.objects.get()
    Path(upload.file.path).unlink()  # e.g. a disk cleaned by hand between preview and confirm
    client.post(reverse("contest:paper_upload", args=[contest.slug]), {"upload": str(upload.pk)})
    job = BackgroundJob.objects.get()
    assert job.status == "failed" and "FileNotFoundError" in job.message
    assert "thử lại" in job.message
    assert not PendingUpload.objects.exists() and not PaperEntry.objects.exists()


def test_the_migration_moves_old_public_scans_and_deletes_forgotten_uploads(contest):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("contest.migrations.0016_pending_uploads_and_private_scans")
    media = Path(settings.MEDIA_ROOT)
    old_scan = media / "scans" / str(contest.pk) / "P-00001-scan.jpg"
    old_scan.parent.mkdir(parents=True, exist_ok=True)
    old_scan.write_bytes(b"\xff\xd8 photo")
    forgotten = media / "paper-uploads" / str(contest.pk) / "20220601.csv"
    forgotten.parent.mkdir(parents=True, exist_ok=True)
    forgotten.write_text("sheet_no,phone\nP-1,0905000001\n")
    receipt = PaperReceipt.objects.create(
        contest=contest,
        sheet_no="P-00001",
        postmark_date="2022-06-01",
        received_at="2022-06-03T09:00+07:00",
    )
    PaperReceipt.objects.filter(pk=receipt.pk).update(scan=f"scans/{contest.pk}/P-00001-scan.jpg")
    migration.move_scans_out_of_media(apps, None)
    receipt.refresh_from_db()
    moved = Path(receipt.scan.path)
    assert Path(settings.PRIVATE_ROOT) in moved.parents and moved.read_bytes() == b"\xff\xd8 photo"
    assert "P-00001" not in receipt.scan.name
    assert not old_scan.exists() and not forgotten.exists()
