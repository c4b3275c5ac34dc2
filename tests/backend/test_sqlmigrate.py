"""sqlmigrate shows a migration's MongoDB commands as mongosh text and runs
none of them (trial of main)."""

import datetime
import decimal
import uuid
from io import StringIO

from bson import Decimal128, Int64, ObjectId
from django.core.management import call_command
from django.db import connection
from django.test import SimpleTestCase, TestCase, override_settings

from djongo_app.counters import SCHEMA_COLLECTION
from djongo_app.shell import collection_text, js

SCHEMA = (
    '{validator: {$jsonSchema: {bsonType: "object", required: [%s]}}, validationLevel: "moderate"}'
)


def validator(*columns):
    return SCHEMA % ", ".join(f'"{column}"' for column in columns)


def not_null(*columns):
    """The __schema__ record of the columns whose NULL is sent as a missing key."""
    names = ", ".join(f'"{column}"' for column in columns)
    return (
        f'db.__schema__.updateOne({{name: "sqlmigrate_memo"}}, {{$set: {{not_null: [{names}]}}}}, '
        "{upsert: true});"
    )


def coll_mod(*columns):
    return [
        'db.runCommand({collMod: "sqlmigrate_memo", ' + validator(*columns)[1:] + ");",
        not_null(*columns),
    ]


@override_settings(MIGRATION_MODULES={"testapp": "tests.backend.sqlmigrate_migrations"})
class SqlmigrateTests(TestCase):
    maxDiff = None

    def test_commands_of_create_add_alter_remove(self):
        output = StringIO()
        call_command("sqlmigrate", "testapp", "0001", stdout=output)
        self.assertEqual(
            output.getvalue().splitlines(),
            [
                "--",
                "-- Create model Memo",
                "--",
                # The AutoField key is kept in _id: never missing, no index
                # of its own; __schema__ records it (keylayout.py).
                f'db.createCollection("sqlmigrate_memo", {validator("title")});',
                'db.__schema__.updateOne({name: "sqlmigrate_memo"}, {$setOnInsert: {"auto.seq": 0},'
                ' $set: {"auto.field_names": ["id"], key: "id"}}, {upsert: true});',
                not_null("title"),
                "--",
                "-- Add field rank to memo",
                "--",
                "db.sqlmigrate_memo.updateMany({rank: {$exists: false}}, {$set: {rank: 3}});",
                *coll_mod("rank", "title"),
                "db.sqlmigrate_memo.createIndex({rank: 1}, "
                '{name: "sqlmigrate_memo_rank_722b2b6f_idx"});',
                "--",
                "-- Alter field title on memo",
                "--",
                *coll_mod("rank"),
                'db.sqlmigrate_memo.createIndex({title: 1}, {name: "sqlmigrate_memo_title_7ccd696a_'
                'uniq", unique: true});',
                *coll_mod("rank", "title"),
                "--",
                "-- Remove field body from memo",
                "--",
                *coll_mod("rank", "title"),
                'db.sqlmigrate_memo.updateMany({body: {$exists: true}}, {$unset: {body: ""}});',
            ],
        )
        # Nothing ran.
        database = connection.connection.database
        self.assertEqual(database.list_collection_names(filter={"name": "sqlmigrate_memo"}), [])
        self.assertIsNone(database[SCHEMA_COLLECTION].find_one({"name": "sqlmigrate_memo"}))

    def test_backwards(self):
        output = StringIO()
        call_command("sqlmigrate", "testapp", "0001", "--backwards", stdout=output)
        lines = output.getvalue().splitlines()
        self.assertIn("db.sqlmigrate_memo.drop();", lines)
        self.assertIn('db.__schema__.deleteOne({name: "sqlmigrate_memo"});', lines)
        self.assertNotIn("-- (no-op)", lines)


class ShellTextTests(SimpleTestCase):
    def test_values(self):
        """Values are written with mongosh's constructors."""
        cases = [
            (None, "null"),
            (True, "true"),
            (3, "3"),
            (Int64(2), "NumberLong(2)"),
            (1.5, "1.5"),
            ('a"b', '"a\\"b"'),
            (decimal.Decimal("1.50"), 'NumberDecimal("1.50")'),
            (Decimal128("2.5"), 'NumberDecimal("2.5")'),
            (ObjectId("65f0" + "0" * 20), 'ObjectId("65f000000000000000000000")'),
            (
                datetime.datetime(2024, 5, 1, 12, 30, tzinfo=datetime.UTC),
                'ISODate("2024-05-01T12:30:00.000Z")',
            ),
            (datetime.date(2024, 5, 1), 'ISODate("2024-05-01T00:00:00.000Z")'),
            (
                uuid.UUID("12345678123456781234567812345678"),
                'UUID("12345678-1234-5678-1234-567812345678")',
            ),
            (b"\x00\x01", 'BinData(0, "AAE=")'),
            ({"$set": {"a.b": [1, None]}}, '{$set: {"a.b": [1, null]}}'),
        ]
        for value, text in cases:
            with self.subTest(value=value):
                self.assertEqual(js(value), text)

    def test_collection_names(self):
        self.assertEqual(collection_text("blog_entry"), "db.blog_entry")
        self.assertEqual(collection_text("my-notes.v2"), 'db.getCollection("my-notes.v2")')
