from django.db import migrations

TABLE = "contest_resultrow"


def _rows_partitioned(apps, schema_editor):
    """PostgreSQL: contest_resultrow becomes a table partitioned by result, one partition
    per result (``contest.results.rows``). Same columns, defaults, checks and index names;
    the primary key becomes (id, result_id), as a partitioned table requires the partition
    column in it (ids stay unique: one sequence gives them all)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    run(f"ALTER TABLE {TABLE} RENAME TO {TABLE}_plain")
    run(f"ALTER INDEX {TABLE}_pkey RENAME TO {TABLE}_plain_pkey")
    run("ALTER INDEX resultrow_rank_idx RENAME TO resultrow_plain_rank_idx")
    run("ALTER INDEX resultrow_person_idx RENAME TO resultrow_plain_person_idx")
    run(f"ALTER SEQUENCE {TABLE}_id_seq RENAME TO {TABLE}_plain_id_seq")
    run(
        f"CREATE TABLE {TABLE} (LIKE {TABLE}_plain INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
        "INCLUDING IDENTITY) PARTITION BY LIST (result_id)"
    )
    run(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY (id, result_id)")
    run(f"CREATE INDEX resultrow_rank_idx ON {TABLE} (result_id, rank)")
    run(f"CREATE INDEX resultrow_person_idx ON {TABLE} (result_id, person)")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT result_id FROM {TABLE}_plain ORDER BY 1")
        results = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [TABLE])
        sequence = cursor.fetchone()[0]
    for result_id in results:
        run(f"CREATE TABLE {TABLE}_{int(result_id)} PARTITION OF {TABLE} FOR VALUES IN ({int(result_id)})")
    run(f"INSERT INTO {TABLE} SELECT * FROM {TABLE}_plain")
    run(f"DROP TABLE {TABLE}_plain")
    _sequence_continues(run, sequence)


def _rows_in_one_table(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    run(f"ALTER TABLE {TABLE} RENAME TO {TABLE}_partitioned")
    run(f"ALTER INDEX {TABLE}_pkey RENAME TO {TABLE}_partitioned_pkey")
    run("ALTER INDEX resultrow_rank_idx RENAME TO resultrow_partitioned_rank_idx")
    run("ALTER INDEX resultrow_person_idx RENAME TO resultrow_partitioned_person_idx")
    run(f"ALTER SEQUENCE {TABLE}_id_seq RENAME TO {TABLE}_partitioned_id_seq")
    run(
        f"CREATE TABLE {TABLE} (LIKE {TABLE}_partitioned INCLUDING DEFAULTS "
        "INCLUDING CONSTRAINTS INCLUDING IDENTITY)"
    )
    run(f"INSERT INTO {TABLE} SELECT * FROM {TABLE}_partitioned")
    run(f"DROP TABLE {TABLE}_partitioned")
    run(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY (id)")
    run(f"CREATE INDEX resultrow_rank_idx ON {TABLE} (result_id, rank)")
    run(f"CREATE INDEX resultrow_person_idx ON {TABLE} (result_id, person)")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [TABLE])
        sequence = cursor.fetchone()[0]
    _sequence_continues(run, sequence)


def _sequence_continues(run, sequence: str) -> None:
    """The new table's identity sequence under the usual name, after the ids it holds."""
    if sequence.rsplit(".", 1)[-1].strip('"') != f"{TABLE}_id_seq":
        run(f"ALTER SEQUENCE {sequence} RENAME TO {TABLE}_id_seq")
    run(
        f"SELECT setval('{TABLE}_id_seq', COALESCE((SELECT max(id) FROM {TABLE}), 1), "
        f"EXISTS (SELECT 1 FROM {TABLE}))"
    )


class Migration(migrations.Migration):
    """Result rows: one partition per result on PostgreSQL (SQLite: unchanged).

    A ranking then writes its rows into a table without indexes and attaches it, which
    builds the indexes from the sorted rows, instead of inserting a million entries one by
    one into each index; a replaced provisional result is a TRUNCATE. Django's view of the
    model does not change: the same columns and indexes, queried by result as before.
    """

    dependencies = [("contest", "0020_lean_entry_indexes_and_hot_grading")]

    operations = [migrations.RunPython(_rows_partitioned, _rows_in_one_table)]
