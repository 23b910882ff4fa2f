"""Where a ranking writes its rows (``ResultRow``), a million of them at a time.

On PostgreSQL ``contest_resultrow`` is partitioned by result (migration 0021): every
result's rows are a table of their own. A ranking writes its rows into a new table that
has no index yet, then attaches it as the result's partition, which builds the indexes
from the rows in one sorted pass each. Written one index entry at a time, into three
indexes (one of them in person order, so a random place each time), a million rows
spent most of their time there. The rows of the provisional result being replaced go
with TRUNCATE of its partition (no row-by-row DELETE, nothing left for VACUUM).

Dropping a partition locks the whole table, every contest's results included, so it is
never done inside a ranking: ``partitions_prune`` drops the partitions of results that
no longer exist, outside any transaction, and gives up after a moment if a reader holds
the table. On SQLite (or a PostgreSQL table that is not partitioned) rows go straight
into the one table and the replaced ones are deleted.
"""

from dataclasses import dataclass

from django.db import OperationalError, connection, transaction

from contest.models import Result, ResultRow

_TABLE = ResultRow._meta.db_table
_TRUNCATE_WAIT_MS = 200


@dataclass(frozen=True)
class Target:
    """Where the ranking's INSERTs go, and the id to give each row (None: the default)."""

    table: str
    id_sql: str | None = None


def _partitioned(cursor) -> bool:
    if connection.vendor != "postgresql":
        return False
    cursor.execute("SELECT relkind FROM pg_class WHERE oid = %s::regclass", [_TABLE])
    return cursor.fetchone()[0] == "p"


def _partition(result_id: int) -> str:
    return f"{_TABLE}_{int(result_id)}"


def rows_open(cursor, result: Result) -> Target:
    """The table the rows of ``result`` are to be inserted into."""
    if not _partitioned(cursor):
        return Target(_TABLE)
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
    # The CHECK lets ATTACH PARTITION trust the rows without reading them again.
    cursor.execute(
        f"CREATE TABLE {part} (LIKE {_TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS, "
        f"CHECK (result_id = {int(result.pk)}))"
    )
    # Ids from the table's own identity sequence: a partition table has no default for it.
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')::regclass::oid", [_TABLE])
    sequence = int(cursor.fetchone()[0])
    return Target(part, f"nextval({sequence}::regclass)")


def rows_close(cursor, result: Result, target: Target) -> None:
    """Make the rows written to ``target`` those of ``result``, with their indexes."""
    if target.table != _TABLE:
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
