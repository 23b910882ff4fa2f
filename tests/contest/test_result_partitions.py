"""Result rows on PostgreSQL: one partition per result, written in bulk and attached, and
the partition of a replaced result emptied at once and dropped later, never while a reader
needs the table (contest.results.rows)."""

import pytest
from django.db import IntegrityError, connection, connections, transaction

from contest.models import Result, ResultRow
from contest.results.ranking import contest_rank
from contest.results.rows import partitions_prune
from tests.contest.test_ranking import ALL_RIGHT, make_contest, paper

# Outside a test transaction: dropping a partition is only ever done outside one.
pytestmark = pytest.mark.django_db(transaction=True)


def _partitions() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'contest_resultrow'::regclass"
        )
        return {name for (name,) in cursor.fetchall()}


@pytest.fixture
def contest():
    if connection.vendor != "postgresql":
        pytest.skip("partitions are PostgreSQL's (make test-services)")
    contest = make_contest()
    paper(
        contest,
        f"P-1,An,0905000001,,{ALL_RIGHT},1,2022-06-01,,",
        f"P-2,Bình,0905000002,,{ALL_RIGHT},2,2022-06-01,,",
    )
    return contest


def test_each_result_has_its_partition_and_a_replaced_one_is_emptied_then_dropped(contest):
    first = contest_rank(contest)[0]
    assert _partitions() == {f"contest_resultrow_{first.pk}"}
    assert ResultRow.objects.filter(result=first).count() == 2

    second = contest_rank(contest)[0]
    assert not Result.objects.filter(pk=first.pk).exists()
    assert ResultRow.objects.filter(result_id=first.pk).count() == 0
    assert ResultRow.objects.filter(result=second).count() == 2
    # Emptied with its result; dropped by the next ranking, before its own transaction.
    assert _partitions() == {f"contest_resultrow_{first.pk}", f"contest_resultrow_{second.pk}"}

    third = contest_rank(contest)[0]
    assert _partitions() == {f"contest_resultrow_{second.pk}", f"contest_resultrow_{third.pk}"}
    assert [r.rank for r in third.rows.order_by("rank")] == [1, 2]


def test_a_partition_is_not_dropped_while_a_reader_holds_the_table(contest):
    replaced = contest_rank(contest)[0].pk
    contest_rank(contest)
    orphan = f"contest_resultrow_{replaced}"
    assert orphan in _partitions()
    reader = connections.create_connection("default")
    try:
        with reader.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("SELECT COUNT(*) FROM contest_resultrow")
            # The drop waits at most the lock timeout, then leaves it for later.
            assert partitions_prune(lock_timeout_ms=50) == 0
            assert orphan in _partitions()
            cursor.execute("ROLLBACK")
    finally:
        reader.close()
    assert partitions_prune() == 1
    assert orphan not in _partitions()


def test_a_ranking_after_the_result_ids_start_again_replaces_the_leftover_partition(contest):
    """``manage.py flush`` (or a prune that had to wait) can leave the partition of an id
    the next result is given again: the ranking replaces it instead of failing."""
    first = contest_rank(contest)[0]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM contest_resultrow")
        cursor.execute("DELETE FROM contest_result")
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('contest_result', 'id'), %s, false)", [first.pk]
        )
    with transaction.atomic():  # as seed_demo ranks: no prune before the ranking
        again = contest_rank(contest)[0]
    assert again.pk == first.pk
    assert [r.rank for r in again.rows.order_by("rank")] == [1, 2]
    assert _partitions() == {f"contest_resultrow_{again.pk}"}


def test_a_reader_of_the_replaced_result_neither_blocks_the_ranking_nor_waits_for_it(contest):
    replaced = contest_rank(contest)[0].pk
    reader = connections.create_connection("default")
    try:
        with reader.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute(
                "SELECT COUNT(*) FROM contest_resultrow WHERE result_id = %s", [replaced]
            )
            assert cursor.fetchone()[0] == 2
            # The ranking cannot TRUNCATE the partition this reader holds: it deletes the
            # rows instead, and commits while the reader is still in its transaction.
            new = contest_rank(contest)[0]
            cursor.execute("SELECT COUNT(*) FROM contest_resultrow WHERE result_id = %s", [new.pk])
            assert cursor.fetchone()[0] == 2
            cursor.execute("ROLLBACK")
    finally:
        reader.close()
    assert not Result.objects.filter(pk=replaced).exists()
    assert ResultRow.objects.filter(result_id=replaced).count() == 0


def test_the_person_of_every_partition_compares_byte_by_byte(contest):
    # Migration 0023: the person index of a new partition is built without the locale. An
    # AlterField of ``person`` would give the column the default collation again.
    result = contest_rank(contest)[0]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, co.collname FROM pg_attribute a "
            "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_collation co ON co.oid = a.attcollation "
            "WHERE a.attname = 'person' AND c.relname IN (%s, %s)",
            ["contest_resultrow", f"contest_resultrow_{result.pk}"],
        )
        assert dict(cursor.fetchall()) == {
            "contest_resultrow": "C",
            f"contest_resultrow_{result.pk}": "C",
        }
    assert [r.person for r in result.rows.filter(person="0905000002")] == ["0905000002"]


def _work_tables() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relname LIKE 'rank\\_candidates%%' "
            "OR relname LIKE 'rank\\_people%%' OR relname LIKE 'rank\\_dropped%%'"
        )
        return {name for (name,) in cursor.fetchall()}


def test_the_ranking_work_tables_are_left_nowhere_even_when_it_fails(contest, monkeypatch):
    """The entries gathered (names, phones) sit in unlogged tables of the ranking's own
    transaction: gone when it ends, whether it committed or failed half-way."""
    contest_rank(contest)
    assert _work_tables() == set()

    def fail(*args):
        assert _work_tables(), "the hash runs after the entries are gathered"
        raise RuntimeError("the database went away")

    monkeypatch.setattr("contest.results.ranking._inputs_hash", fail)
    with pytest.raises(RuntimeError):
        contest_rank(contest)
    assert _work_tables() == set()
    assert Result.objects.filter(contest=contest).count() == 1  # the first result stands


def test_two_rankings_of_one_round_at_once_leave_one_provisional_result(contest, monkeypatch):
    """Found by review: a double click on "Xếp hạng", or the command and the page at once,
    left two provisional results of the round side by side."""
    import threading
    import time

    from contest.models import Contest
    from contest.results import ranking

    real, inside, errors = ranking._inputs_hash, threading.Event(), []

    def held_up(*args):
        if not inside.is_set():  # the first ranking stops half-way for a moment
            inside.set()
            time.sleep(1.5)
        return real(*args)

    monkeypatch.setattr(ranking, "_inputs_hash", held_up)

    def rank():
        try:
            contest_rank(Contest.objects.get(pk=contest.pk))
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connections.close_all()

    first = threading.Thread(target=rank)
    first.start()
    assert inside.wait(30)
    second = threading.Thread(target=rank)  # while the first is still inside
    second.start()
    first.join(60)
    second.join(60)
    assert errors == []
    assert Result.objects.filter(contest=contest).count() == 1
    assert ResultRow.objects.filter(result__contest=contest).count() == 2


def test_the_partition_a_ranking_creates_holds_the_parents_rules_and_numbers_its_rows(contest):
    """The ranking creates the partition from its rows (CREATE TABLE … AS, in parallel):
    it must still refuse what the table refuses, and give every row an id of its own
    (the result's id in the high bits, the row's place in the low ones)."""
    paper(
        contest,
        f"P-3,Cường,0905000003,,{ALL_RIGHT},3,2022-06-01,,",
        f"P-4,,0905000004,,{ALL_RIGHT},4,2022-06-01,,",  # no name: invalid
        f"P-5,Dũng,0905000005,,{ALL_RIGHT},5,2022-06-01,,photocopy",  # invalid
    )
    result = contest_rank(contest)[0]
    base = result.pk * 2**32
    rows = list(result.rows.order_by("id").values_list("id", "rank", "reason"))
    assert rows == [
        (base + 1, 1, ""),
        (base + 2, 2, ""),
        (base + 3, 3, ""),
        (base + 4, None, "missing_identity"),  # in the invalid list's order: P-4, then P-5
        (base + 5, None, "photocopy"),
    ]
    part = f"contest_resultrow_{result.pk}"

    def columns(table):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT attname, format_type(atttypid, atttypmod), attnotnull, attcollation "
                "FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
                "AND NOT attisdropped ORDER BY attname",
                [table],
            )
            return cursor.fetchall()

    assert columns(part) == columns("contest_resultrow")
    for column, value in [("rank", -1), ("prediction", -1), ("duration_seconds", -1)]:
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"UPDATE {part} SET {column} = %s WHERE id = %s", [value, base + 1])
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {part} SET person = NULL WHERE id = %s", [base + 1])
    # Another result's rows are numbered apart.
    again = contest_rank(contest)[0]
    assert min(again.rows.values_list("id", flat=True)) == again.pk * 2**32 + 1


def test_no_text_a_ranking_reads_is_longer_than_the_column_it_is_written_to():
    """The partition's columns take the parent's types by CAST, which cuts a longer text
    without a word: every text a ranking copies comes from a column no longer than its own."""
    from accounts.models import Profile, User
    from contest.models import PaperEntry

    def length(model, name):
        return model._meta.get_field(name).max_length

    row = {name: length(ResultRow, name) for name in ("person", "full_name", "reason")}
    assert max(length(User, "phone"), length(Profile, "id_number")) <= row["person"]
    assert max(length(PaperEntry, "phone"), length(PaperEntry, "id_number")) <= row["person"]
    assert max(length(Profile, "full_name"), length(PaperEntry, "full_name")) <= row["full_name"]
    assert length(PaperEntry, "invalid_reason") <= row["reason"]
    assert length(ResultRow, "channel") >= len("online")
