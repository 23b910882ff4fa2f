"""Where a ranking writes its rows (``ResultRow``), a million of them at a time.

On PostgreSQL ``contest_resultrow`` is partitioned by result (migration 0021): every
result's rows are a table of their own. A ranking creates that table from its rows
(``CREATE TABLE … AS``, no index yet), then attaches it as the result's partition, which
builds the indexes from the rows in one sorted pass each. Written one index entry at a
time, into three indexes (one of them in person order, so a random place each time), a
million rows spent most of their time there. The rows of the provisional result being replaced go
with TRUNCATE of its partition (no row-by-row DELETE, nothing left for VACUUM).

Dropping a partition locks the whole table, every contest's results included, so it is
never done inside a ranking: ``partitions_prune`` drops the partitions of results that
no longer exist, outside any transaction, and gives up after a moment if a reader holds
the table. On SQLite (or a PostgreSQL table that is not partitioned) rows go straight
into the one table and the replaced ones are deleted.
"""

from dataclasses import dataclass
from typing import NamedTuple

from django.db import OperationalError, connection, transaction

from contest.models import Result, ResultRow

_TABLE = ResultRow._meta.db_table
_TRUNCATE_WAIT_MS = 200


# The columns a ranking writes; its SELECTs name them so (``rows_write`` picks them by name).
COLUMNS = (
    "result_id",
    "rank",
    "person",
    "full_name",
    "unit_id",
    "channel",
    "attempt_id",
    "paper_id",
    "score",
    "prediction",
    "duration_seconds",
    "submitted_at",
    "full_marks",
    "prize",
    "decided_by",
    "reason",
)

# A partition's row ids: the result's id in the high bits, the row's number (from 1) in the
# low ones. Unique over the whole table without the identity sequence, whose nextval() kept
# the ranking's statement in one process (a parallel-unsafe function); rows written through
# the sequence (SQLite, a table not partitioned) have ids far below.
_ROWS_PER_RESULT = 2**32


class Column(NamedTuple):
    """A column of the parent table, as a partition must have it."""

    type: str
    collation: str | None
    not_null: bool


@dataclass
class Target:
    """Where a ranking writes its rows.

    ``columns``: on a partition, the parent table's columns; the first write then creates the partition with ``CREATE TABLE … AS``,
    which PostgreSQL runs in parallel workers and writes in bulk (an ``INSERT … SELECT``
    runs in one process). Otherwise rows go into ``table`` with ``INSERT``.
    """

    table: str
    result_id: int
    columns: dict[str, Column] | None = None
    created: bool = False

    def id_column(self, number: str, offset: int = 0) -> str:
        """The SELECT item giving each row its id (``number``: an SQL expression counting the
        rows from 1; ``offset``: rows written before), or "" where the table numbers them."""
        if self.columns is None:
            return ""
        return f"{int(self.result_id) * _ROWS_PER_RESULT + int(offset)}::bigint + {number} AS id, "


def _partitioned(cursor) -> bool:
    if connection.vendor != "postgresql":
        return False
    cursor.execute("SELECT relkind FROM pg_class WHERE oid = %s::regclass", [_TABLE])
    return cursor.fetchone()[0] == "p"


def _partition(result_id: int) -> str:
    return f"{_TABLE}_{int(result_id)}"


def rows_open(cursor, result: Result) -> Target:
    """Where the rows of ``result`` are to be written (``rows_write``)."""
    if not _partitioned(cursor):
        return Target(_TABLE, result.pk)
    part = _partition(result.pk)
    # ``result`` is new, so a table of that name is a leftover of results whose ids were
    # given again (``manage.py flush`` restarts the ids; a prune that had to wait). The drop
    # locks the whole table, and is only ever done then (IF EXISTS takes no lock otherwise).
    cursor.execute(
        "SELECT 1 FROM pg_class WHERE relname = %s AND relnamespace = "
        "(SELECT relnamespace FROM pg_class WHERE oid = %s::regclass)",
        [part, _TABLE],
    )
    if cursor.fetchone():
        cursor.execute(f"DROP TABLE {part}")
    cursor.execute(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod), co.collname, a.attnotnull "
        "FROM pg_attribute a LEFT JOIN pg_collation co ON co.oid = a.attcollation "
        "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped "
        "ORDER BY a.attnum",
        [_TABLE],
    )
    columns = {name: Column(*rest) for name, *rest in cursor.fetchall()}
    return Target(part, result.pk, columns)


def rows_write(cursor, target: Target, select: str, params: list, *, order: str = "") -> int:
    """Write the rows ``select`` gives (its columns named as ``COLUMNS``, with ``id`` first
    where ``Target.id_column`` gives one); how many. ``order``: the order to insert them in,
    where the table numbers them."""
    names = (["id"] if target.columns is not None else []) + list(COLUMNS)
    if target.columns is not None and not target.created:
        # The types as the parent's, so that the table can become its partition. No text is
        # cut by these casts: every text column a ranking reads is no longer than the one it
        # is written to (tests/contest/test_result_partitions.py checks the models).
        casts = []
        for name in names:
            column = target.columns[name]
            collate = f' COLLATE "{column.collation}"' if column.collation else ""
            casts.append(f"CAST(q.{name} AS {column.type}){collate} AS {name}")
        cursor.execute(
            f"CREATE TABLE {target.table} AS SELECT {', '.join(casts)} FROM ({select}) q", params
        )
        target.created = True
        return cursor.rowcount
    listed = ", ".join(names)
    ordered = f" ORDER BY {order}" if order else ""
    cursor.execute(
        f"INSERT INTO {target.table} ({listed}) SELECT {listed} FROM ({select}) q{ordered}",
        params,
    )
    return cursor.rowcount


def rows_close(cursor, result: Result, target: Target) -> None:
    """Make the rows written to ``target`` those of ``result``, with their indexes."""
    if target.columns is None:
        return
    # What the parent's columns and constraints require, checked in one scan of the rows;
    # the CHECK on the result lets ATTACH PARTITION trust them without reading them again.
    changes = [
        f"ALTER {name} SET NOT NULL" for name, column in target.columns.items() if column.not_null
    ]
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'c' ORDER BY conname",
        [_TABLE],
    )
    changes += [f'ADD CONSTRAINT "{name}" {check}' for name, check in cursor.fetchall()]
    changes.append(f"ADD CHECK (result_id = {int(result.pk)})")
    cursor.execute(f"ALTER TABLE {target.table} {', '.join(changes)}")
    # Builds every index of the table on the new partition; locks only the new table
    # (and SHARE UPDATE EXCLUSIVE on the parent: readers and writers go on).
    cursor.execute(
        f"ALTER TABLE {_TABLE} ATTACH PARTITION {target.table} FOR VALUES IN ({int(result.pk)})"
    )


def rows_discard(cursor, result_ids: list[int]) -> None:
    """Remove the rows of these results (the provisional ones a ranking replaces)."""
    if not result_ids:
        return
    if _partitioned(cursor):
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass AND c.relname = ANY(%s)",
            [_TABLE, [_partition(pk) for pk in result_ids]],
        )
        parts = [name for (name,) in cursor.fetchall()]
        if parts:
            # Locks these partitions only: the pages of other results go on. A reader of the
            # replaced result would make TRUNCATE wait for it, and every reader after it
            # wait behind: past a moment the rows are deleted instead (a reader never waits).
            try:
                with transaction.atomic():
                    cursor.execute(f"SET LOCAL lock_timeout = '{int(_TRUNCATE_WAIT_MS)}ms'")
                    cursor.execute(f"TRUNCATE {', '.join(parts)}")
            except OperationalError:
                pass  # rolled back to before the SET; the DELETE below does it row by row
            else:
                cursor.execute("SET LOCAL lock_timeout = DEFAULT")
    marks = ", ".join(["%s"] * len(result_ids))
    cursor.execute(f"DELETE FROM {_TABLE} WHERE result_id IN ({marks})", result_ids)


def partitions_prune(*, lock_timeout_ms: int = 200) -> int:
    """PostgreSQL: drop the partitions of results that no longer exist; how many.

    Outside any transaction only (inside one the lock on the whole table would last until
    its end): otherwise, and for a partition a reader holds longer than
    ``lock_timeout_ms``, nothing is dropped now; the next call tries again.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return 0
    with connection.cursor() as cursor:
        if not _partitioned(cursor):
            return 0
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass AND NOT EXISTS (SELECT 1 FROM "
            f"{Result._meta.db_table} r WHERE c.relname = %s || r.id)",
            [_TABLE, f"{_TABLE}_"],
        )
        orphans = [name for (name,) in cursor.fetchall()]
    dropped = 0
    for name in orphans:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL lock_timeout = '{int(lock_timeout_ms)}ms'")
                cursor.execute(f"DROP TABLE {name}")
            dropped += 1
        except OperationalError:
            pass  # a reader holds the table: next time
    return dropped
