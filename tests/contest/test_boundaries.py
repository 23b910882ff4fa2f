"""The contest boundary: banks used by a contest, who may take part, who may overwrite it."""

import io
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from accounts.roles import ORGANIZERS_GROUP
from contest.definition import ContestInvalid, contest_import
from contest.models import Attempt, Contest, ContestMembership, PaperEntry, ResultRow
from contest.online.attempts import attempt_start
from contest.online.checks import AttemptRefused
from contest.online.finishing import attempt_submit
from contest.paper.importing import paper_import
from contest.results.ranking import contest_rank
from questions.models import Bank
from tests.contest.test_organizer_pages import form_data
from tests.factories import ProfileFactory, UserFactory, contest_json, make_bank_with_topics

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
DURING = datetime(2022, 6, 1, 8, tzinfo=VN)
CODES = {"bank": "cchc", "codes": ["Q-001", "Q-002", "Q-003", "Q-004", "Q-005"]}


def organizer_account(**kwargs):
    user = UserFactory(is_staff=True, **kwargs)
    user.groups.add(Group.objects.get_or_create(name=ORGANIZERS_GROUP)[0])
    ProfileFactory(user=user, full_name="Người Ban Tổ Chức")
    return user


@pytest.fixture
def world():
    """Contest ``cchc-2022`` (organizer X) on bank ``cchc`` (owner: bank editor E)."""
    bank = make_bank_with_topics()
    editor = organizer_account()
    bank.owners.add(editor)
    contest = contest_import(data=contest_json(questions=CODES))[0]
    organizer = organizer_account()
    ContestMembership.objects.create(contest=contest, user=organizer, role="organizer")
    return contest, editor, organizer


def participate(contest, user, now=DURING):
    attempt = attempt_start(contest=contest, user=user, now=now)[0]
    return attempt_submit(
        attempt=attempt, user=user, submit_key="k", prediction=5, now=now + timedelta(minutes=1)
    )


def test_the_editor_of_the_contests_bank_may_not_start_an_attempt(client, world):
    contest, editor, _organizer = world
    with pytest.raises(AttemptRefused) as refused:
        attempt_start(contest=contest, user=editor, now=DURING)
    assert refused.value.code == "staff" and "xem được đáp án" in refused.value.message


def test_a_site_admin_may_not_start_an_attempt_either(world):
    contest, _editor, _organizer = world
    admin = UserFactory(is_superuser=True, is_staff=True)
    ProfileFactory(user=admin)
    with pytest.raises(AttemptRefused):
        attempt_start(contest=contest, user=admin, now=DURING)


def test_an_entry_of_someone_who_sees_the_key_is_never_ranked(world):
    contest, editor, organizer = world
    resident = ProfileFactory(user=UserFactory(phone="0905000001"), full_name="Dân Thường").user
    participate(contest, resident)
    # Entries that slipped in before the person was given the bank, or on paper.
    outsider = ProfileFactory(user=UserFactory(phone="0905000002"), full_name="Sắp Được Giao").user
    sneaky = participate(contest, outsider)
    Bank.objects.get(slug="cchc").owners.add(outsider)
    report = paper_import(
        contest=contest,
        data=(
            "sheet_no,full_name,phone,answers,prediction,postmark_date\n"
            f"P-1,Ban Tổ Chức,{organizer.phone},B B B B B,5,2022-06-01\n"
            "P-2,Người Dân,0905000009,B B B B B,5,2022-06-01\n"
        ).encode(),
        kind="csv",
    )
    assert report.errors == []
    result = contest_rank(contest)[0]
    ranked = set(
        ResultRow.objects.filter(result=result, rank__isnull=False).values_list("person", flat=True)
    )
    staff = dict(
        ResultRow.objects.filter(result=result, reason="staff").values_list("person", "channel")
    )
    assert ranked == {"0905000001", "0905000009"}
    assert staff == {outsider.phone: "online", organizer.phone: "paper"}
    assert Attempt.objects.get(pk=sneaky.pk).status == Attempt.Status.SUBMITTED
    assert PaperEntry.objects.count() == 2


def test_the_web_refuses_a_contest_on_another_organizers_bank(client, world):
    _contest, _editor, _organizer = world
    stranger = organizer_account()
    with pytest.raises(ContestInvalid) as invalid:
        contest_import(data=contest_json(slug="cua-toi"), mode="create", user=stranger)
    assert "không có ngân hàng câu hỏi “cchc” trong các ngân hàng của bạn" in str(invalid.value)
    assert not Contest.objects.filter(slug="cua-toi").exists()


def test_the_operators_command_may_use_any_bank(tmp_path, world):
    path = tmp_path / "c.json"
    path.write_text(json.dumps(contest_json(slug="cua-van-hanh")), encoding="utf-8")
    out = io.StringIO()
    call_command("import_contest", str(path), stdout=out)
    assert out.getvalue().strip() == "created: cua-van-hanh"
    out = io.StringIO()
    call_command("import_contest", str(path), stdout=out)
    assert out.getvalue().strip() == "updated: cua-van-hanh"


def test_new_with_a_taken_slug_never_overwrites_another_organizers_contest(client, world):
    contest, _editor, _organizer = world
    stranger = organizer_account()
    client.force_login(stranger)
    make_bank_with_topics(slug="rieng", topics=(("Thể chế", 8),)).owners.add(stranger)
    data = form_data(slug=contest.slug, title="Tên bị ghi đè", bank="rieng")
    response = client.post(reverse("contest:manage_new"), data)
    assert response.status_code == 200
    assert "đã được dùng cho một cuộc thi khác" in response.content.decode()
    contest.refresh_from_db()
    assert contest.title == contest_json()["title"]
    assert not ContestMembership.objects.filter(contest=contest, user=stranger).exists()


def test_updating_through_the_service_needs_the_organizer_role(world):
    contest, editor, organizer = world
    with pytest.raises(ContestInvalid, match="không thuộc Ban Tổ chức"):
        contest_import(data=contest_json(title="Đổi", questions=CODES), mode="update", user=editor)
    # The contest's organizer may keep its bank even without owning it.
    contest_import(data=contest_json(title="Đổi", questions=CODES), mode="update", user=organizer)
    contest.refresh_from_db()
    assert contest.title == "Đổi"


def test_import_contest_still_refuses_scoring_changes_once_entries_exist(tmp_path, world):
    contest, _editor, _organizer = world
    participate(contest, ProfileFactory().user)
    path = tmp_path / "c.json"
    path.write_text(json.dumps(contest_json(max_attempts=9, questions=CODES)), encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(Exception, match="lỗi; không ghi gì"):
        call_command("import_contest", str(path), stderr=err)
    assert "max_attempts: không sửa được" in err.getvalue()


def test_the_contest_form_offers_and_accepts_only_ones_own_banks(client, world):
    stranger = organizer_account()
    make_bank_with_topics(slug="rieng", topics=(("Thể chế", 8),)).owners.add(stranger)
    client.force_login(stranger)
    page = client.get(reverse("contest:manage_new")).content.decode()
    assert 'value="rieng"' in page and 'value="cchc"' not in page
    response = client.post(reverse("contest:manage_new"), form_data(slug="moi-2023", bank="cchc"))
    assert response.status_code == 200 and not Contest.objects.filter(slug="moi-2023").exists()
    assert (
        client.post(
            reverse("contest:manage_new"), form_data(slug="moi-2023", bank="rieng")
        ).status_code
        == 302
    )
