import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import Image

from questions.images import MAX_BYTES, image_normalize
from questions.importers import importer_for
from questions.models import Bank, Question
from questions.services import question_archive, question_save, questions_import

pytestmark = pytest.mark.django_db


def make_bank(slug="src") -> Bank:
    bank = Bank.objects.create(slug=slug, title=slug)
    question_save(
        bank=bank,
        code="Q-1",
        topic_name="Cải cách thể chế",
        kind="single",
        text="Văn bản nào: “A”, {B} = C #1?",
        options=["Một; hai", "Hai, ba", "Ba\nbốn"],
        correct="B",
        points=Decimal("2.5"),
        difficulty="hard",
        explanation="Vì: điều 5.",
        source="Nghị quyết 76/NQ-CP",
    )
    question_save(
        bank=bank,
        code="Q-2",
        topic_name="Chính phủ số",
        kind="multiple",
        text="Chọn các nền tảng số quốc gia",
        options=["A", "B", "C", "D"],
        correct="AD",
    )
    question_save(
        bank=bank,
        code="Q:3",
        topic_name="Chính phủ số",
        kind="true_false",
        text="Dịch vụ công trực tuyến toàn trình là mức cao nhất.",
        options=["Đúng", "Sai"],
        correct="A",
    )
    return bank


def snapshot(bank: Bank, *, full: bool) -> list:
    rows = []
    for q in (
        Question.objects.filter(bank=bank)
        .select_related("current_version", "topic")
        .order_by("code")
    ):
        v = q.current_version
        row = [q.code, q.topic.name, v.kind, v.text, v.options, v.correct]
        if full:
            row += [v.points, v.difficulty, v.explanation, v.source]
        else:
            row[3] = " ".join(row[3].split())
            row[4] = [" ".join(o.split()) for o in row[4]]
        rows.append(row)
    return rows


@pytest.mark.parametrize("suffix", ["xlsx", "csv", "gift"])
def test_export_then_import_into_an_empty_bank_gives_the_same_questions(tmp_path, suffix):
    source = make_bank()
    path = tmp_path / f"out.{suffix}"
    call_command("export_questions", "--bank", "src", str(path))
    call_command("import_questions", str(path), "--bank", "copy")
    copy = Bank.objects.get(slug="copy")
    full = suffix != "gift"  # GIFT has no place for points, difficulty or source
    assert snapshot(copy, full=full) == snapshot(source, full=full)
    if suffix == "gift":
        assert [v.current_version.explanation for v in copy.questions.order_by("code")][
            0
        ] == "Vì: điều 5."


def test_csv_export_opens_as_utf8_in_excel(tmp_path):
    make_bank()
    path = tmp_path / "out.csv"
    call_command("export_questions", "--bank", "src", str(path))
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")


def test_editing_a_question_makes_a_new_version_and_an_unchanged_save_does_not():
    bank = make_bank()
    question = Question.objects.get(code="Q-2")
    first = question.current_version
    _, changed = question_save(
        bank=bank,
        code="Q-2",
        topic_name="Chính phủ số",
        kind="multiple",
        text="Chọn các nền tảng số quốc gia",
        options=["A", "B", "C", "D"],
        correct="AD",
    )
    assert not changed and question.versions.count() == 1
    _, changed = question_save(
        bank=bank,
        code="Q-2",
        topic_name="Chính phủ số",
        kind="multiple",
        text="Chọn các nền tảng số quốc gia",
        options=["A", "B", "C", "D"],
        correct="ABD",
    )
    question.refresh_from_db()
    assert changed and question.current_version.number == 2
    first.refresh_from_db()
    assert first.correct == "AD"


def test_archived_questions_are_kept_not_deleted():
    make_bank()
    question = Question.objects.get(code="Q-1")
    question_archive(question=question)
    question.refresh_from_db()
    assert question.archived and question.versions.count() == 1


def image_bytes(fmt="PNG", size=(400, 300), exif=False) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    buffer = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x010F] = "SecretCam"  # Make
        data[0x0112] = 6  # Orientation: rotate 90°
        image.save(buffer, format="JPEG", exif=data)
    else:
        image.save(buffer, format=fmt)
    return buffer.getvalue()


def test_a_picture_is_normalized_to_three_jpeg_renditions_without_exif():
    result = image_normalize(SimpleUploadedFile("p.jpg", image_bytes(exif=True, size=(3000, 2000))))
    full = Image.open(io.BytesIO(result.full.read()))
    phone = Image.open(io.BytesIO(result.phone.read()))
    thumb = Image.open(io.BytesIO(result.thumb.read()))
    assert full.format == "JPEG" and not full.getexif()
    assert full.size == (1067, 1600)  # turned upright by its EXIF orientation, then scaled
    assert max(phone.size) == 720 and max(thumb.size) == 200


def test_a_file_that_is_not_an_image_is_rejected():
    with pytest.raises(ValidationError, match="không phải là ảnh"):
        image_normalize(SimpleUploadedFile("p.png", b"%PDF-1.7 pretending to be a picture"))


def test_an_oversized_image_is_rejected():
    big = SimpleUploadedFile("big.png", b"\x89PNG" + b"0" * (MAX_BYTES + 10))
    with pytest.raises(ValidationError, match="tối đa 5 MB"):
        image_normalize(big)


def test_an_image_with_too_many_pixels_is_rejected():
    with pytest.raises(ValidationError, match="điểm ảnh"):
        image_normalize(SimpleUploadedFile("wide.png", image_bytes(size=(10000, 4100))))


def test_a_picture_is_kept_when_the_question_is_reimported(tmp_path):
    bank = make_bank()
    picture = image_normalize(SimpleUploadedFile("p.png", image_bytes()))
    question_save(
        bank=bank,
        code="Q-1",
        topic_name="Cải cách thể chế",
        kind="single",
        text="Có ảnh",
        options=["A", "B"],
        correct="A",
        image=picture,
    )
    question = Question.objects.get(code="Q-1")
    assert question.current_version.image and question.current_version.number == 2
    data = (
        "code,topic,text,option_a,option_b,correct\nQ-1,Cải cách thể chế,Có ảnh,A,B,A\n"
    ).encode()
    report = questions_import(bank=bank, parsed=importer_for(format="csv").parse(data))
    assert report.unchanged == 1
    data = data.replace(b"A,B,A", b"A,B,B")
    questions_import(bank=bank, parsed=importer_for(format="csv").parse(data))
    question.refresh_from_db()
    assert question.current_version.number == 3 and question.current_version.image
