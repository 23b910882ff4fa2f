"""A list of values as one SQL parameter selects what ``IN (…)`` would, on either database."""

import pytest
from django.db import connection

from accounts.models import Unit
from core.sql_values import in_values

pytestmark = pytest.mark.django_db


def _codes_where(column: str, values) -> list[str]:
    condition, params = in_values(column, values)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT code FROM {Unit._meta.db_table} WHERE {condition}", params)
        return sorted(row[0] for row in cursor.fetchall())


def test_a_list_of_ids_and_a_list_of_texts_select_their_rows_only():
    units = Unit.objects.bulk_create(
        [Unit(code=f"u-{n}", name=f"Xã Thử {n}", kind="commune") for n in range(5)]
    )
    assert _codes_where("id", [units[1].pk, units[3].pk]) == ["u-1", "u-3"]
    assert _codes_where("name", ["Xã Thử 0", "Xã Thử 4", "không có"]) == ["u-0", "u-4"]
    assert _codes_where("id", []) == []


def test_more_values_than_a_statement_may_have_parameters_is_still_one_parameter():
    Unit.objects.create(code="u-last", name="Cuối", kind="commune")
    many = [f"không có {n}" for n in range(40_000)] + ["u-last"]
    condition, params = in_values("code", many)
    assert len(params) == 1 and condition.count("%s") == 1
    assert _codes_where("code", many) == ["u-last"]
