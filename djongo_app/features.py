"""What djongo_app can do, as Django's feature flags."""

from django.db.backends.base.features import BaseDatabaseFeatures
from django.utils.functional import cached_property

from . import compat

# The server release that introduced each operator the plans use beyond
# MongoDB 5.0 (checked against the commands they issue by
# tests/backend/test_server_version.py).
SERVER_OPERATORS = {
    "$bitAnd": (6, 3),
    "$bitOr": (6, 3),
    "$bitXor": (6, 3),
    "$documents": (5, 1),
    # StringAgg(order_by=...) sorts the collected values.
    "$sortArray": (5, 2),
    "$dateTrunc": (5, 0),
    "$getField": (5, 0),
    "$lookup with localField and pipeline": (5, 0),
}


class DatabaseFeatures(BaseDatabaseFeatures):
    # The first major release with every operator in SERVER_OPERATORS (6.3
    # was a rapid release, on Atlas only), and the oldest release MongoDB
    # still supports. Checked when Django connects.
    minimum_database_version = (7, 0)

    # Inserts and ids ---------------------------------------------------------
    can_return_columns_from_insert = True
    can_return_rows_from_bulk_insert = True
    has_bulk_insert = True
    supports_default_keyword_in_insert = True
    supports_default_keyword_in_bulk_insert = True
    allows_auto_pk_0 = True
    # ON CONFLICT DO NOTHING / DO UPDATE (writes.py): an unordered insert
    # dropping duplicate-key errors, and one upsert per row on the given
    # unique columns.
    supports_ignore_conflicts = True
    supports_update_conflicts = True
    supports_update_conflicts_with_target = True
    supports_expression_defaults = True
    supports_sequence_reset = True
    # UPDATE ... RETURNING is not in the dialect (Django 6.0+): after save(),
    # fields assigned expressions (F("n") + 1) are deferred and read back
    # on first access instead.
    can_return_rows_from_update = False

    # Transactions --------------------------------------------------------
    # Savepoints (uses_savepoints, can_release_savepoints) exist where
    # transactions do: an undo journal inside the MongoDB transaction.
    # A failed statement other than a checked IntegrityError still ends the
    # MongoDB transaction: queries after it are refused.
    atomic_transactions = True
    # Collections and indexes are created outside transactions.
    can_rollback_ddl = False

    # Schema ------------------------------------------------------------------
    # Relations are not enforced by the server: no foreign key constraints.
    supports_foreign_keys = False
    can_create_inline_fk = False
    # Django 6.1's on_delete=DB_CASCADE/DB_SET_NULL/DB_SET_DEFAULT: MongoDB
    # has no referential actions; the schema editor records the rules in
    # __schema__ and every DELETE on the referenced collection runs them
    # (ondelete.py), in its transaction.
    supports_on_delete_db_cascade = True
    supports_on_delete_db_null = True
    supports_on_delete_db_default = True
    indexes_foreign_keys = True
    supports_column_check_constraints = False
    # CHECK constraints become collection validators (NULL passes, as in SQL).
    supports_table_check_constraints = True
    can_introspect_check_constraints = False
    supports_deferrable_unique_constraints = False
    # Expressions that are document paths (Index(F("blog__name"))) and their
    # Lower()/Upper() (an index with a case-insensitive collation, which
    # makes UniqueConstraint(Lower("name")) hold); other expressions raise
    # NotSupportedError when the index is created.
    supports_expression_indexes = True
    supports_covering_indexes = False
    supports_partial_indexes = True
    supports_functions_in_partial_indexes = False
    supports_index_on_text_field = True
    supports_unlimited_charfield = True
    supports_collation_on_charfield = False
    supports_collation_on_textfield = False
    supports_comments = False
    supports_stored_generated_columns = False
    supports_virtual_generated_columns = False
    supports_tablespaces = False
    connection_persists_old_columns = False
    can_rename_index = False
    supports_combined_alters = False
    # A unique index treats NULL as a value; djongo_app uses partial
    # indexes so that NULLs stay distinct, as in SQL.
    supports_nullable_unique_constraints = True
    supports_partially_nullable_unique_constraints = True
    can_introspect_default = False
    can_introspect_foreign_keys = False
    can_introspect_json_field = False

    # Types -------------------------------------------------------------------
    has_native_uuid_field = False
    has_native_duration_field = False
    # JSON is stored as native BSON and queried by dotted paths.
    supports_json_field = True
    has_native_json_field = True
    supports_primitives_in_json_field = True
    supports_json_field_contains = True
    # data__tags__-1 (Django 6.0+): the JSON path parameter's [-1] step is
    # read with $arrayElemAt (transpiler/jsonpath.py).
    supports_json_negative_indexing = True
    has_json_object_function = True
    supports_timezones = False
    has_zoneinfo_database = True
    supports_temporal_subtraction = True
    has_real_datatype = True
    # DecimalField() without max_digits/decimal_places (Django 6.1): stored
    # as Decimal128, which has no declared precision.
    supports_no_precision_decimalfield = True
    supports_cast_with_precision = False
    rounds_to_even = False

    # Queries -----------------------------------------------------------------
    allows_group_by_select_index = False
    # GROUP BY the primary key alone: the transpiler reads a GROUP BY of one
    # column beside other selected columns as grouping by a unique key.
    allows_group_by_selected_pks = True
    supports_subqueries_in_group_by = False
    supports_order_by_nulls_modifier = False
    nulls_order_largest = False
    # Window functions run as $setWindowFields (transpiler/windows.py).
    supports_over_clause = True
    # RANGE frames with offsets are MongoDB's range windows over one
    # numeric ORDER BY key.
    supports_frame_range_fixed_distance = True
    only_supports_unbounded_with_preceding_and_following = False
    # MongoDB's windows cannot leave rows out of a frame: with EXCLUDE the
    # frame's rows are collected with their row numbers and filtered.
    supports_frame_exclusion = True
    supports_aggregate_filter_clause = False
    # Aggregates of Django 6.0/6.1: StringAgg (values pushed in $group,
    # sorted with $sortArray, joined; DISTINCT with $addToSet), AnyValue (the first non-NULL
    # value read), BitAnd/BitOr/BitXor (folded with $bitAnd/$bitOr/$bitXor),
    # default= through Coalesce.
    supports_aggregate_distinct_multiple_argument = True
    supports_aggregate_order_by_clause = True
    supports_bit_aggregations = True
    supports_any_value = True
    supports_default_in_bit_aggregations = True
    # A tuple compared with a subquery is not in the dialect (composite keys).
    supports_tuple_comparison_against_subquery = False
    supports_select_union = True
    supports_select_intersection = True
    supports_select_difference = True
    supports_slicing_ordering_in_compound = True
    supports_boolean_expr_in_select_clause = True
    supports_comparing_boolean_expr = True
    supports_tuple_lookups = False
    supports_logical_xor = False
    supports_regex_backreferencing = True
    has_case_insensitive_like = False
    # FOR UPDATE takes no lock: inside a transaction a concurrent write to
    # the same document fails with a write conflict instead (README).
    has_select_for_update = True
    can_distinct_on_fields = False
    supports_paramstyle_pyformat = False
    # Cursors read lazily from the server; Django may fetch in chunks.
    can_use_chunked_reads = True
    supports_date_lookup_using_string = False
    supports_mixed_date_datetime_comparisons = False
    greatest_least_ignores_nulls = False
    test_db_allows_multiple_connections = True
    supported_explain_formats = {"JSON", "TEXT"}

    @cached_property
    def supports_transactions(self):
        """Return True on replica sets and sharded clusters (per ``hello``)."""
        self.connection.ensure_connection()
        return self.connection.connection.transactions

    @cached_property
    def uses_savepoints(self):
        """Return True where transactions exist (savepoints live in them)."""
        return self.supports_transactions

    @cached_property
    def can_release_savepoints(self):
        return self.supports_transactions

    # Known gaps, measured with scripts/django_suite.py (docs/conformance.md).
    # Expected failures, by reason:
    django_test_expected_failures = {
        # BSON dates keep milliseconds: microseconds are truncated on write.
        "basic.tests.ModelRefreshTests.test_refresh_unsaved",
        "basic.tests.ModelRefreshTests.test_refresh_with_related",
        "basic.tests.ModelTest.test_microsecond_precision",
        "db_functions.comparison.test_cast.CastTests.test_cast_from_db_datetime_to_time",
        "db_functions.comparison.test_cast.CastTests.test_cast_from_python_to_datetime",
        "db_functions.comparison.test_greatest.GreatestTests.test_basic",
        "db_functions.comparison.test_greatest.GreatestTests.test_coalesce_workaround",
        "db_functions.comparison.test_least.LeastTests.test_basic",
        "db_functions.comparison.test_least.LeastTests.test_coalesce_workaround",
        "db_functions.datetime.test_extract_trunc.DateFunctionTests.test_extract_day_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionTests.test_extract_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionTests.test_extract_hour_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionTests.test_extract_iso_weekday_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionTests.test_extract_iso_year_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionTests.test_extract_minute_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionTests.test_extract_month_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionTests.test_extract_quarter_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionTests.test_extract_second_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionTests.test_extract_week_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionTests.test_extract_weekday_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionTests.test_extract_year_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionTests.test_trunc_date_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionTests.test_trunc_day_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionTests.test_trunc_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionTests.test_trunc_hour_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionTests.test_trunc_minute_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionTests.test_trunc_month_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionTests.test_trunc_quarter_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionTests.test_trunc_second_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionTests.test_trunc_time_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionTests.test_trunc_week",
        "db_functions.datetime.test_extract_trunc.DateFunctionTests.test_trunc_week_before_1000",
        "db_functions.datetime.test_extract_trunc.DateFunctionTests.test_trunc_week_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionTests.test_trunc_year_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionWithTimeZoneTests.test_extract_day_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionWithTimeZoneTests.test_extract_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionWithTimeZoneTests.test_extract_hour_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionWithTimeZoneTests.test_extract_iso_weekday_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionWithTimeZoneTests.test_extract_iso_year_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionWithTimeZoneTests.test_extract_minute_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionWithTimeZoneTests.test_extract_month_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionWithTimeZoneTests.test_extract_quarter_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionWithTimeZoneTests.test_extract_second_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionWithTimeZoneTests.test_extract_week_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionWithTimeZoneTests.test_extract_weekday_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionWithTimeZoneTests.test_extract_year_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionWithTimeZoneTests.test_trunc_date_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionWithTimeZoneTests.test_trunc_day_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionWithTimeZoneTests.test_trunc_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionWithTimeZoneTests.test_trunc_func_with_timezone",
        "db_functions.datetime.test_extract_trunc.DateFunctionWithTimeZoneTests.test_trunc_hour_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionWithTimeZoneTests.test_trunc_minute_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionWithTimeZoneTests.test_trunc_month_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionWithTimeZoneTests.test_trunc_quarter_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionWithTimeZoneTests.test_trunc_second_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionWithTimeZoneTests.test_trunc_time_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionWithTimeZoneTests.test_trunc_timezone_applied_before_truncation",
        "db_functions.datetime.test_extract_trunc.DateFunctionWithTimeZoneTests.test_trunc_week",
        "db_functions.datetime.test_extract_trunc.DateFunctionWithTimeZoneTests.test_trunc_week_before_1000",
        "db_functions.datetime.test_extract_trunc.DateFunctionWithTimeZoneTests.test_trunc_week_func",
        "db_functions.datetime.test_extract_trunc.DateFunctionWithTimeZoneTests.test_trunc_year_func",
        "expressions.tests.FTimeDeltaTests.test_datetime_subtraction_microseconds",
        "expressions.tests.FTimeDeltaTests.test_duration_with_datetime_microseconds",
        "expressions.tests.FTimeDeltaTests.test_negative_timedelta_update",
        "field_defaults.tests.DefaultTests.test_bulk_create_all_db_defaults_one_field",
        "get_or_create.tests.UpdateOrCreateTransactionTests.test_updates_in_transaction",
        "timezones.tests.LegacyDatabaseTests.test_naive_datetime_with_microsecond",
        "timezones.tests.NewDatabaseTests.test_aware_datetime_in_local_timezone_with_microsecond",
        "timezones.tests.NewDatabaseTests.test_naive_datetime_with_microsecond",
        # A column missing from every document reads as NULL: MongoDB has
        # no schema to refuse an unknown column name with.
        "transactions.tests.AtomicInsideTransactionTests.test_prevent_rollback",
        "transactions.tests.AtomicTests.test_prevent_rollback",
        "transactions.tests.AtomicWithoutAutocommitTests.test_prevent_rollback",
    }
    # Tests that only exist from a later series on: listing a test the
    # installed Django lacks would stop its runner.
    django_test_expected_failures |= compat.since(
        {
            (6, 1): {
                # The first row of a grouped subquery without ORDER BY: after
                # an earlier test of the TestCase deleted every Book and a
                # savepoint rollback restored them, MongoDB's $group hands
                # the groups back in another order than SQLite's GROUP BY.
                # It passes on its own.
                "aggregation.tests.AggregateTestCase.test_string_agg_filter_outerref",
            },
        }
    )
    django_test_skips = {
        (
            "Row locks: select_for_update() takes none (write conflicts protect "
            "updates), so tests that wait on a lock time out or conflict."
        ): {
            "delete_regress.tests.DeleteLockingTest.test_concurrent_delete",
            "get_or_create.tests.UpdateOrCreateTransactionTests.test_creation_in_transaction",
        },
    }
