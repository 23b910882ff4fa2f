"""A list of values in raw SQL as one parameter, not one placeholder per value.

``WHERE id IN (%s, %s, …)`` with 5,000 placeholders costs more in the driver than in the
database: psycopg splits the query text at every placeholder in Python, and SQLite caps
the number of parameters of a statement. One parameter holds the whole list instead: an
array on PostgreSQL, a JSON text read by ``json_each`` on SQLite (JSON1 is built in, and
Django's JSONField needs it already).
"""

import json
from collections.abc import Sequence

from django.db import connection


def in_values(column: str, values: Sequence[int | str]) -> tuple[str, list]:
    """SQL for ``column IN values`` and its one parameter (ints or strings, not mixed)."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(values)]
    return f"{column} IN (SELECT value FROM json_each(%s))", [json.dumps(list(values))]
