"""The savepoint journal's bookkeeping (no server: positions and limits)."""

import bson
import pytest
from django.db import DatabaseError
from django.utils.safestring import SafeString

from djongo_app.savepoints import REDO_BYTES, Journal


def journal_with(*entries, marks=()):
    journal = Journal()
    for sid, position in marks:
        journal.marks[sid] = position
    for kind, collection in entries:
        journal.record(kind, collection, [1], (kind, {}, None, 1))
    return journal


def test_records_undo_only_while_a_savepoint_is_open():
    journal = Journal()
    journal.record("insert", "a", [1], ("insert", [{"_id": 1}]))
    journal.savepoint("s1")
    journal.record("insert", "a", [2], ("insert", [{"_id": 2}]))
    assert [entry.undo for entry in journal.entries] == [None, [2]]
    # Every write keeps what redoes it.
    assert [entry.redo[1] for entry in journal.entries] == [[{"_id": 1}], [{"_id": 2}]]


def test_release_forgets_later_savepoints_and_undo_data():
    journal = Journal()
    journal.savepoint("s1")
    journal.record("insert", "a", [1], None)
    journal.savepoint("s2")
    journal.savepoint("s3")
    journal.release("s2")
    assert list(journal.marks) == ["s1"]
    assert journal.entries[0].undo == [1]
    journal.release("s1")
    assert journal.marks == {}
    assert journal.entries[0].undo is None


def test_truncate_keeps_the_savepoint_as_sql_does():
    journal = Journal()
    journal.savepoint("s1")
    journal.record("insert", "a", [1], None)
    journal.savepoint("s2")
    journal.record("insert", "a", [2], None)
    journal.truncate("s1")
    assert journal.entries == []
    assert list(journal.marks) == ["s1"]


def test_unknown_savepoint_is_a_database_error():
    journal = Journal()
    with pytest.raises(DatabaseError, match="does not exist"):
        journal.release("nope")
    with pytest.raises(DatabaseError, match="does not exist"):
        journal.rollback("nope", database=None, session=None)


def test_knows_the_collections_the_transaction_wrote_to():
    journal = journal_with(("insert", "a"), ("update", "b"))
    journal.record_opaque("a pymongo bulk_write()")
    assert (journal.wrote_to("a"), journal.wrote_to("b"), journal.wrote_to("c")) == (
        True,
        True,
        False,
    )


@pytest.mark.parametrize(
    "large",
    [
        pytest.param("x" * REDO_BYTES, id="str"),
        pytest.param(bson.Binary(b"x" * REDO_BYTES), id="Binary"),
        pytest.param(SafeString("x" * REDO_BYTES), id="str-subclass"),
    ],
)
def test_every_kind_of_string_counts_towards_the_size_limit(large):
    journal = Journal()
    small = [{"_id": i, "n": i, "at": None} for i in range(3)]
    journal.record("insert", "a", [1], ("insert", small))
    assert journal.entries[0].redo is not None
    journal.record("insert", "a", [2], ("insert", [*small, {"_id": 9, "data": large}]))
    assert journal.entries[1].redo is None


def test_rollback_over_an_opaque_write_refuses_before_writing():
    journal = Journal()
    journal.savepoint("s1")
    journal.record_opaque("a pymongo bulk_write()")
    with pytest.raises(DatabaseError, match=r"bulk_write\(\) ran after it"):
        journal.rollback("s1", database=None, session=None)
    assert len(journal.entries) == 1


def test_redo_stops_past_its_size_limit():
    journal = Journal()
    journal.record("insert", "a", [1], ("insert", [{"_id": 1, "data": b"x" * REDO_BYTES}]))
    journal.record("insert", "a", [2], ("insert", [{"_id": 2}]))
    assert [entry.redo for entry in journal.entries] == [None, None]
    journal.savepoint("s1")
    with pytest.raises(DatabaseError, match="cannot be redone"):
        journal.rebuild("s1", database=None, session=None)
