import pytest
from django.core.management import CommandError, call_command

from accounts.models import Unit

pytestmark = pytest.mark.django_db

GOOD = """code,name,kind,parent,headcount
dak-po,Huyện Đak Pơ,huyện,,
an-thanh,Xã An Thành,xã,dak-po,5200
tt-dak-po,Thị trấn Đak Pơ,thị trấn,dak-po,9800
phong-noi-vu,Phòng Nội vụ,cơ quan,dak-po,12
"""


def test_units_import_from_csv_with_bom_and_rerun_changes_nothing(tmp_path):
    path = tmp_path / "units.csv"
    path.write_bytes(("\ufeff" + GOOD).encode())
    call_command("import_units", str(path))
    assert Unit.objects.count() == 4
    assert Unit.objects.get(code="an-thanh").parent.code == "dak-po"
    assert Unit.objects.get(code="phong-noi-vu").kind == "agency"
    assert Unit.objects.get(code="an-thanh").headcount == 5200
    call_command("import_units", str(path))
    assert Unit.objects.count() == 4


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("code,name,kind\nxa-1,,xã\n", "row 2: name:"),
        ("code,name,kind\nxa-1,Xã 1,tỉnh\n", "row 2: kind:"),
        ("code,name,kind\nxa-1,Xã 1,xã\nxa-1,Xã Một,xã\n", "row 3: code:"),
        ("code,name,kind,parent\nxa-1,Xã 1,xã,khong-co\n", "row 2: parent:"),
        ("code,name,kind,headcount\nxa-1,Xã 1,xã,-4\n", "row 2: headcount:"),
        ("code,name\nxa-1,Xã 1\n", "row 1: kind:"),
    ],
)
def test_a_bad_unit_file_is_rejected_whole_with_row_messages(tmp_path, capsys, body, expected):
    path = tmp_path / "units.csv"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_units", str(path))
    assert expected in capsys.readouterr().err
    assert not Unit.objects.exists()


def test_a_refused_unit_list_keeps_each_error_by_row_and_column_until_printed():
    from accounts.services import RowErrors, units_import_csv
    from core.errors import Refusal, RowError

    with pytest.raises(Refusal) as refused:
        units_import_csv(text="code,name,kind\nxa-1,,xã\nxa-1,Xã 1,tỉnh\n")
    assert isinstance(refused.value, RowErrors) and refused.value.code == "rows_rejected"
    assert refused.value.row_errors == [
        RowError(2, "name", "thiếu tên đơn vị"),
        RowError(3, "code", "mã xa-1 lặp lại trong tệp"),
        RowError(3, "kind", "loại phải là huyện, xã, phường, thị trấn hoặc cơ quan"),
    ]
    assert refused.value.errors[0] == "row 2: name: thiếu tên đơn vị"
    assert not Unit.objects.exists()


def test_the_unit_list_groups_communes_and_towns_before_agencies(client):
    from django.urls import reverse

    from tests.factories import ProfileFactory

    parent = Unit.objects.create(code="dak-po", name="Huyện Đak Pơ", kind="district")
    Unit.objects.create(code="a-phong", name="Phòng Nội vụ", kind="agency", parent=parent)
    Unit.objects.create(code="z-xa", name="Xã Yang Bắc", kind="commune", parent=parent)
    Unit.objects.create(code="tt", name="Thị trấn Đak Pơ", kind="town", parent=parent)
    client.force_login(ProfileFactory().user)
    html = client.get(reverse("accounts:profile")).content.decode()
    communes = html.index('<optgroup label="Xã, phường, thị trấn">')
    agencies = html.index('<optgroup label="Cơ quan, đơn vị">')
    assert communes < html.index("Thị trấn Đak Pơ</option>") < html.index("Xã Yang Bắc") < agencies
    assert agencies < html.index("Phòng Nội vụ</option>")
    assert "Huyện Đak Pơ</option>" not in html
