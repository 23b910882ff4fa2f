import io

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from PIL import Image

from accounts.roles import ORGANIZERS_GROUP
from core.models import BackgroundJob
from questions.models import Bank, Question
from tests.factories import UserFactory, make_bank_with_topics

pytestmark = pytest.mark.django_db


@pytest.fixture
def organizer(client):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get_or_create(name=ORGANIZERS_GROUP)[0])
    client.force_login(user)
    return user


@pytest.fixture
def bank(organizer):
    bank = Bank.objects.create(slug="cchc", title="Cải cách hành chính")
    bank.owners.add(organizer)
    return bank


def question_post(**overrides):
    data = {
        "code": "Q-1",
        "topic": "Cải cách thể chế",
        "kind": "single",
        "text": "Nghị quyết nào ban hành Chương trình tổng thể 2021–2030?",
        "option_a": "30c/NQ-CP",
        "option_b": "76/NQ-CP",
        "option_c": "",
        "option_d": "",
        "option_e": "",
        "option_f": "",
        "correct": ["B"],
        "points": "1",
        "difficulty": "easy",
        "explanation": "",
        "source": "Nghị quyết 76/NQ-CP",
    }
    data.update(overrides)
    return data


def test_participants_cannot_open_the_question_bank(client, bank):
    client.force_login(UserFactory())
    assert client.get(reverse("questions:bank_list")).status_code == 403
    assert client.get(reverse("questions:question_list", args=["cchc"])).status_code == 403
    assert (
        client.post(reverse("questions:question_new", args=["cchc"]), question_post()).status_code
        == 403
    )
    assert not Question.objects.exists()


def test_anonymous_visitors_are_sent_to_login(client, bank):
    client.logout()
    response = client.get(reverse("questions:question_list", args=["cchc"]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_organizer_creates_then_edits_a_question_making_versions(client, organizer, bank):
    response = client.post(reverse("questions:question_new", args=["cchc"]), question_post())
    assert response.status_code == 302
    question = Question.objects.get(code="Q-1")
    assert (
        question.current_version.correct == "B" and question.current_version.created_by == organizer
    )
    url = reverse("questions:question_edit", args=["cchc", "Q-1"])
    assert "76/NQ-CP" in client.get(url).content.decode()
    client.post(url, question_post(option_c="Nghị định 61", correct=["B"]))
    question.refresh_from_db()
    assert question.current_version.number == 2
    history = client.get(
        reverse("questions:question_history", args=["cchc", "Q-1"])
    ).content.decode()
    assert "+ C. Nghị định 61" in history and "Phiên bản" in history


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"correct": ["C"]}, "Đáp án đúng phải là một trong các phương án"),
        ({"option_b": ""}, "Cần ít nhất hai phương án"),
        ({"option_c": "", "option_d": "Bốn"}, "bị bỏ trống giữa"),
        ({"correct": ["A", "B"]}, "chỉ được chọn một đáp án đúng"),
        ({"text": ""}, "This field is required"),
        ({"points": "-1"}, "0"),
    ],
)
def test_bad_question_input_is_refused_with_a_message(client, organizer, bank, overrides, message):
    response = client.post(
        reverse("questions:question_new", args=["cchc"]), question_post(**overrides)
    )
    assert response.status_code == 200
    assert not Question.objects.exists()
    body = response.content.decode()
    assert message in body or "Trường này là bắt buộc" in body


def test_a_duplicate_code_is_refused(client, organizer, bank):
    client.post(reverse("questions:question_new", args=["cchc"]), question_post())
    response = client.post(
        reverse("questions:question_new", args=["cchc"]), question_post(text="Khác")
    )
    assert "đã có trong ngân hàng" in response.content.decode()
    assert Question.objects.get().current_version.number == 1


def test_an_uploaded_picture_must_be_an_image(client, organizer, bank):
    data = question_post()
    data["image"] = io.BytesIO(b"MZ\x90\x00 this is an exe")
    data["image"].name = "cau-hoi.png"
    response = client.post(reverse("questions:question_new", args=["cchc"]), data)
    assert "không phải là ảnh" in response.content.decode()
    assert not Question.objects.exists()


def test_a_real_picture_is_stored_with_renditions(client, organizer, bank):
    buffer = io.BytesIO()
    Image.new("RGB", (900, 600), (10, 120, 40)).save(buffer, format="PNG")
    buffer.seek(0)
    buffer.name = "anh.png"
    data = question_post()
    data["image"] = buffer
    client.post(reverse("questions:question_new", args=["cchc"]), data)
    version = Question.objects.get().current_version
    assert version.image.name.endswith(".jpg") and version.image_phone and version.image_thumb


def test_archive_hides_a_question_and_keeps_it(client, organizer, bank):
    client.post(reverse("questions:question_new", args=["cchc"]), question_post())
    client.post(reverse("questions:question_archive", args=["cchc", "Q-1"]))
    listing = client.get(reverse("questions:question_list", args=["cchc"])).content.decode()
    assert "<strong>Q-1</strong>" not in listing
    archived = client.get(reverse("questions:question_list", args=["cchc"]) + "?archived=1")
    assert "<strong>Q-1</strong>" in archived.content.decode()
    assert Question.objects.get().archived


def test_search_and_topic_filter(client, organizer, bank):
    client.post(reverse("questions:question_new", args=["cchc"]), question_post())
    client.post(
        reverse("questions:question_new", args=["cchc"]),
        question_post(code="Q-2", topic="Chính phủ số", text="VNeID do cơ quan nào quản lý?"),
    )
    url = reverse("questions:question_list", args=["cchc"])
    found = client.get(url + "?q=VNeID").content.decode()
    assert "<strong>Q-2</strong>" in found and "<strong>Q-1</strong>" not in found
    topic = bank.topics.get(name="Chính phủ số")
    body = client.get(url + f"?topic={topic.pk}").content.decode()
    assert "<strong>Q-2</strong>" in body and "<strong>Q-1</strong>" not in body


def test_question_list_has_a_bounded_number_of_queries(
    client, organizer, bank, django_assert_max_num_queries
):
    for n in range(30):
        client.post(reverse("questions:question_new", args=["cchc"]), question_post(code=f"Q-{n}"))
    with django_assert_max_num_queries(12):
        client.get(reverse("questions:question_list", args=["cchc"]))


CSV = "code,topic,text,option_a,option_b,correct\nI-1,Chủ đề,Câu một?,Có,Không,A\nI-2,Chủ đề,Câu hai?,Có,Không,{bad}\n"


def test_upload_shows_a_preview_then_imports_in_the_background(client, organizer, bank):
    upload = io.BytesIO(CSV.format(bad="B").encode())
    upload.name = "cau-hoi.csv"
    response = client.post(reverse("questions:bank_import", args=["cchc"]), {"file": upload})
    body = response.content.decode()
    assert "Sẽ thêm 2 câu" in body and "I-2" in body
    assert not Question.objects.exists()  # a preview writes nothing
    pending = response.context["upload"]
    response = client.post(
        reverse("questions:bank_import", args=["cchc"]), {"confirm": "1", "upload": pending}
    )
    job = BackgroundJob.objects.get()
    assert response["Location"] == reverse("contest:job", args=[job.pk])
    assert job.status == "done" and job.result["created"] == 2
    assert Question.objects.count() == 2
    status = client.get(reverse("contest:job_json", args=[job.pk])).json()
    assert status == {
        "status": "done",
        "status_label": "Xong",
        "done": 2,
        "total": 3,
        "percent": 100,
        "message": "Đã nhập",
    }


def test_upload_with_errors_lists_them_and_can_import_only_the_valid_rows(client, organizer, bank):
    upload = io.BytesIO(CSV.format(bad="Z").encode())
    upload.name = "cau-hoi.csv"
    response = client.post(reverse("questions:bank_import", args=["cchc"]), {"file": upload})
    page = response.content.decode()
    assert "Dòng 3, cột Đáp án đúng (correct): đáp án Z không có" in page
    assert "row 3" not in page
    client.post(
        reverse("questions:bank_import", args=["cchc"]),
        {"confirm": "1", "upload": response.context["upload"], "partial": "1"},
    )
    assert list(Question.objects.values_list("code", flat=True)) == ["I-1"]


def test_an_english_reader_sees_each_row_error_by_its_column_label_in_english(
    client, organizer, bank
):
    client.cookies["django_language"] = "en"
    upload = io.BytesIO(CSV.format(bad="Z").encode())
    upload.name = "cau-hoi.csv"
    page = client.post(
        reverse("questions:bank_import", args=["cchc"]), {"file": upload}
    ).content.decode()
    assert (
        "Row 3, column Correct answer (correct): answer Z is not among the options (A, B)" in page
    )


def test_uploading_something_that_is_not_a_spreadsheet_is_refused(client, organizer, bank):
    upload = io.BytesIO(b"\x89PNG\r\n\x1a\n not excel")
    upload.name = "cau-hoi.xlsx"
    response = client.post(reverse("questions:bank_import", args=["cchc"]), {"file": upload})
    assert "không phải bảng tính Excel" in response.content.decode()


def test_another_users_job_is_not_visible(client, organizer, bank):
    job = BackgroundJob.objects.create(kind="x", owner=UserFactory())
    assert client.get(reverse("contest:job_json", args=[job.pk])).status_code == 403


def test_export_downloads_each_format(client, organizer, bank):
    client.post(reverse("questions:question_new", args=["cchc"]), question_post())
    for fmt, marker in (("xlsx", b"PK"), ("csv", b"\xef\xbb\xbfcode"), ("gift", b"$CATEGORY")):
        response = client.get(reverse("questions:bank_export", args=["cchc", fmt]))
        assert response.status_code == 200 and response.content.startswith(marker)


def test_an_upload_without_one_valid_row_offers_no_import(client, organizer, bank):
    upload = io.BytesIO(b"code,topic,text,option_a,option_b,correct\nI-1,T,Q?,A,B,Z\n")
    upload.name = "cau-hoi.csv"
    page = client.post(reverse("questions:bank_import", args=["cchc"]), {"file": upload})
    text = page.content.decode()
    assert "không có dòng hợp lệ nào để nhập" in text
    assert "Chỉ nhập các dòng hợp lệ" not in text and 'name="confirm"' not in text


def test_the_bank_list_counts_each_question_once_whatever_the_number_of_topics(client, organizer):
    make_bank_with_topics(topics=(("A", 3), ("B", 2), ("C", 1))).owners.add(organizer)
    page = client.get(reverse("questions:bank_list")).content.decode()
    assert "6 câu hỏi" in page and "36 câu hỏi" not in page and "18 câu hỏi" not in page


def test_the_history_names_kind_and_difficulty_by_their_labels(client, organizer, bank):
    client.post(
        reverse("questions:question_new", args=["cchc"]), question_post(difficulty="medium")
    )
    page = client.get(reverse("questions:question_history", args=["cchc", "Q-1"])).content.decode()
    assert "Trung bình" in page and "Một đáp án đúng" in page
    assert ">medium<" not in page and ">single<" not in page
