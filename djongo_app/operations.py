"""The SQL dialect Django emits for djongo_app, and value conversions.

Every non-standard construct is shaped here into a form the transpiler's
parser reads without guessing: LIKE lookups carry an explicit ESCAPE,
case-insensitive ones use ILIKE, regular expressions use REGEXP/IREGEXP,
and booleans are always compared explicitly (``"active" = %s``).

Values are stored as BSON types a MongoDB user would expect: datetimes as
BSON dates (UTC, millisecond precision), dates as midnight datetimes,
decimals as Decimal128, times as ISO strings, durations as integer
microseconds, UUIDs as 32-character hex strings.
"""

import datetime
import decimal
import json
import re
import uuid

from bson.decimal128 import Decimal128
from django.conf import settings
from django.core.signals import setting_changed
from django.db import DataError, NotSupportedError
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models.constants import OnConflict
from django.db.models.expressions import Col, Exists, ExpressionWrapper, RawSQL
from django.db.models.lookups import Lookup
from django.db.models.sql.where import WhereNode
from django.dispatch import receiver
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime, parse_time
from django.utils.functional import cached_property

from . import internal_types
from .codecs import DECIMAL128_DIGITS, INT64_MAX, INT64_MIN, TIME_FORMAT
from .compat import OperationsCompatMixin
from .counters import SCHEMA_COLLECTION
from .errors import out_of_range
from .transpiler.parser import EXPLAIN_VERBOSITIES
from .transpiler.quoting import is_quoted_identifier, quote_identifier, quote_string

INT64_LIMIT = f"BSON integers are 64-bit ({INT64_MIN} to {INT64_MAX})"


def _sql_literal(value):
    """Return ``value`` as it would be written in SQL (for logs only)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int | float | decimal.Decimal):
        return str(value)
    return "'{}'".format(str(value).replace("'", "''"))


def _timezone(tzname):
    """Return ``tzname`` as the string constant of MongoDB's date operators
    (``''`` is UTC).

    Olson names pass through; offsets (Django writes "-10", "+0530",
    "UTC+05:30") become "+HH:MM".
    """
    if not tzname:
        return "''"
    name = tzname[3:] if tzname.startswith(("UTC+", "UTC-")) else tzname
    offset = OFFSET.match(name)
    if offset:
        sign, hours, minutes = offset.groups()
        name = f"{sign}{hours}:{minutes or '00'}"
    return quote_string(name)


def _is_key(field):
    """Return True for a primary key or a relation (or the name "pk")."""
    if isinstance(field, str):
        return field == "pk"
    return bool(field.primary_key or field.is_relation)


_combine = datetime.datetime.combine

OFFSET = re.compile(r"^([+-])(\d{2})(?::?(\d{2}))?$")

# quote_name()'s answers, by name.
_quoted_names = {}
QUOTED_NAMES_KEPT = 10_000

# settings.USE_TZ, read once: each read of a setting runs Python code, and
# the date converters run for every value read.
_use_tz = []

# DatabaseOperations.get_db_converters()'s answers for plain columns, per
# connection; more columns than this start the record afresh (models made
# and dropped by tests would otherwise pile up).
COLUMN_CONVERTERS_KEPT = 10_000


def use_tz():
    """Return settings.USE_TZ (kept until the setting changes)."""
    if not _use_tz:
        _use_tz.append(settings.USE_TZ)
    return _use_tz[0]


@receiver(setting_changed)
def _forget_use_tz(*, setting, **kwargs):
    if setting == "USE_TZ":
        _use_tz.clear()


class DatabaseOperations(OperationsCompatMixin, BaseDatabaseOperations):
    compiler_module = "djongo_app.compiler"

    # Mongo accepts up to 100,000 documents per insert command; smaller
    # batches keep each command well under the 48 MB message limit.
    bulk_insert_batch_size = 1000

    explain_prefix = "EXPLAIN"
    cast_char_field_without_max_length = "string"

    def explain_query_prefix(self, format=None, **options):
        """Return ``EXPLAIN [JSON] ['verbosity']``.

        ``format`` is TEXT (indented JSON, the default) or JSON (a dict);
        the one option, ``verbosity``, is MongoDB's: queryPlanner (the
        default), executionStats or allPlansExecution.
        """
        verbosity = options.pop("verbosity", None)
        if verbosity is not None and verbosity not in EXPLAIN_VERBOSITIES:
            raise ValueError(
                f"Unknown explain verbosity {verbosity!r}: djongo_app accepts "
                f"{', '.join(sorted(EXPLAIN_VERBOSITIES))}."
            )
        prefix = super().explain_query_prefix(format, **options)
        if format and format.upper() == "JSON":
            prefix += " JSON"
        if verbosity is not None:
            prefix += f" {quote_string(verbosity)}"
        return prefix

    def quote_name(self, name):
        """Return ``name`` quoted (see transpiler/quoting.py); a name that
        is already one quoted identifier is returned as it is."""
        quoted = _quoted_names.get(name)
        if quoted is None:
            quoted = name if is_quoted_identifier(name) else quote_identifier(name)
            # Names come from models, so they are few; the bound only
            # keeps raw SQL with ever new names from growing the cache.
            if len(_quoted_names) < QUOTED_NAMES_KEPT:
                _quoted_names[name] = quoted
        return quoted

    def max_name_length(self):
        # A collection namespace ("<db>.<collection>") is limited to 255
        # bytes; keep names comfortably inside it.
        return 200

    def no_limit_value(self):
        return None

    def pk_default_value(self):
        return "DEFAULT"

    def bulk_batch_size(self, fields, objs):
        """Return how many objects go in one statement.

        Inserts and bulk updates carry documents: bulk_insert_batch_size at
        a time. A list of keys alone (in_bulk(), the deletion collector's
        ``IN (...)``) is one ``$in``, whatever its length.
        """
        if len(fields) == 1 and _is_key(fields[0]):
            return max(len(objs), 1)
        return self.bulk_insert_batch_size

    def conditional_expression_supported_in_where_clause(self, expression):
        # Conditions (a lookup, EXISTS, a Q, a conditional RawSQL) stand
        # bare in WHERE, as they do when filtered on directly; a boolean
        # value (a column, CASE, ...) is compared explicitly ("x" = True),
        # which keeps the dialect small and the NULL semantics clear.
        if isinstance(expression, ExpressionWrapper) and expression.conditional:
            return self.conditional_expression_supported_in_where_clause(expression.expression)
        if isinstance(expression, RawSQL):
            return expression.conditional
        return isinstance(expression, Exists | Lookup | WhereNode)

    def returning_columns(self, fields):
        """Return ``RETURNING "table"."column", ...``: the columns an INSERT
        hands back (ids from the counters, defaults). Django 5.2 calls this
        ``return_insert_columns()`` (see compat.py)."""
        if not fields:
            return "", ()
        columns = [
            f"{self.quote_name(field.model._meta.db_table)}.{self.quote_name(field.column)}"
            for field in fields
        ]
        return "RETURNING " + ", ".join(columns), ()

    def on_conflict_suffix_sql(self, fields, on_conflict, update_fields, unique_fields):
        """Return PostgreSQL's ``ON CONFLICT`` clause: ``DO NOTHING``, or
        ``(unique columns) DO UPDATE SET column = EXCLUDED.column`` (the
        parser reads exactly these forms; see writes.py)."""
        if on_conflict == OnConflict.IGNORE:
            return "ON CONFLICT DO NOTHING"
        if on_conflict == OnConflict.UPDATE:
            target = ", ".join(map(self.quote_name, unique_fields))
            assignments = ", ".join(
                f"{column} = EXCLUDED.{column}" for column in map(self.quote_name, update_fields)
            )
            return f"ON CONFLICT({target}) DO UPDATE SET {assignments}"
        return super().on_conflict_suffix_sql(fields, on_conflict, update_fields, unique_fields)

    def fetch_returned_rows(self, cursor, returning_params):
        return cursor.fetchall()

    def last_insert_id(self, cursor, table_name, pk_name):
        return cursor.lastrowid

    def last_executed_query(self, cursor, sql, params):
        """Return the SQL with its parameters written in, for logs and
        ``connection.queries`` (the MongoDB command is logged by the cursor
        on the ``django.db.backends.djongo_app`` logger)."""
        text = sql
        if params:
            try:
                text = sql % tuple(_sql_literal(p) for p in params)
            except (TypeError, ValueError):
                text = f"{sql} -- params: {tuple(params)!r}"
        return text

    # Lookups that compare text.
    TEXT_LOOKUPS = frozenset(internal_types.TEXT_LOOKUPS)
    # A text lookup on a column stored as another type reads it as the text
    # SQLite holds for it (and str() of the value gives): integers as digits,
    # ObjectIds as 24 hex digits, dates 2024-05-01, datetimes
    # 2024-05-01 12:30:00[.123000] (the stored UTC value with USE_TZ), times
    # 12:30:00[.123000]. Types missing here are stored as strings (UUIDs as
    # 32 hex digits, as on SQLite) or are not Django's.
    text_casts = {
        **dict.fromkeys(
            (*internal_types.INTEGER_TYPES, "ObjectIdField", "ObjectIdAutoField"),
            "CAST(%s AS TEXT)",
        ),
        "DateField": "DJ_TEXT('date', %s)",
        "DateTimeField": "DJ_TEXT('datetime', %s)",
        "TimeField": "DJ_TEXT('time', %s)",
    }
    # Types with no one text form: a text lookup on them raises.
    untextable_types = {
        "BooleanField": "SQLite reads a boolean as 1/0, PostgreSQL as true/false",
        "DecimalField": (
            "SQLite reads 1.50 as 1.5, PostgreSQL as 1.50, and a stored Decimal128 keeps "
            "the exponent it was saved with"
        ),
        "FloatField": "MongoDB writes a double as text differently from Python and SQL",
        "DurationField": "SQLite reads a duration as microseconds, PostgreSQL as an interval",
        "BinaryField": "bytes are not text",
    }

    def lookup_cast(self, lookup_type, internal_type=None):
        """Read a column stored as another type as text in text lookups
        (``text_casts``), as SQLite and PostgreSQL do; raise
        NotSupportedError for a type with no faithful text form."""
        if lookup_type not in self.TEXT_LOOKUPS:
            return "%s"
        reason = self.untextable_types.get(internal_type)
        if reason is not None:
            raise NotSupportedError(
                f"The {lookup_type} lookup on a {internal_type} is not supported by "
                f"djongo_app: {reason}."
            )
        return self.text_casts.get(internal_type, "%s")

    def regex_lookup(self, lookup_type):
        return "%s IREGEXP %s" if lookup_type == "iregex" else "%s REGEXP %s"

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        statements = [
            "{} {};".format(style.SQL_KEYWORD("DELETE FROM"), style.SQL_FIELD(self.quote_name(t)))
            for t in tables
        ]
        if reset_sequences and tables:
            placeholders = ", ".join(quote_string(t) for t in tables)
            statements.append(
                f'UPDATE "{SCHEMA_COLLECTION}" SET "auto.seq" = 0 WHERE "name" IN ({placeholders});'
            )
        return statements

    def sequence_reset_sql(self, style, model_list):
        # Nothing to run after loaddata: an INSERT with an explicit id
        # already raises its counter ($max), outside any transaction.
        return []

    def sequence_reset_by_name_sql(self, style, sequences):
        tables = [sequence["table"] for sequence in sequences]
        if not tables:
            return []
        placeholders = ", ".join(quote_string(t) for t in tables)
        return [f'UPDATE "{SCHEMA_COLLECTION}" SET "auto.seq" = 0 WHERE "name" IN ({placeholders})']

    # Dates and times: function forms the transpiler maps to MongoDB's date
    # operators (see transpiler/functions.py). Time zones are passed by name.

    def date_extract_sql(self, lookup_type, sql, params):
        return f"DJ_EXTRACT({quote_string(lookup_type)}, {sql}, '')", params

    def datetime_extract_sql(self, lookup_type, sql, params, tzname):
        return f"DJ_EXTRACT({quote_string(lookup_type)}, {sql}, {_timezone(tzname)})", params

    def time_extract_sql(self, lookup_type, sql, params):
        return f"DJ_TIME_EXTRACT({quote_string(lookup_type)}, {sql})", params

    def date_trunc_sql(self, lookup_type, sql, params, tzname=None):
        return f"DJ_TRUNC({quote_string(lookup_type)}, {sql}, '')", params

    def datetime_trunc_sql(self, lookup_type, sql, params, tzname):
        return f"DJ_TRUNC({quote_string(lookup_type)}, {sql}, {_timezone(tzname)})", params

    def time_trunc_sql(self, lookup_type, sql, params, tzname=None):
        return f"DJ_TIME_TRUNC({quote_string(lookup_type)}, {sql})", params

    def datetime_cast_date_sql(self, sql, params, tzname):
        return f"DJ_CAST_DATE({sql}, {_timezone(tzname)})", params

    def datetime_cast_time_sql(self, sql, params, tzname):
        return f"DJ_CAST_TIME({sql}, {_timezone(tzname)})", params

    def format_for_duration_arithmetic(self, sql):
        # Durations are stored as integer microseconds already.
        return sql

    def subtract_temporals(self, internal_type, lhs, rhs):
        lhs_sql, lhs_params = lhs
        rhs_sql, rhs_params = rhs
        return f"DJ_TEMPORAL_SUBTRACT({lhs_sql}, {rhs_sql})", (*lhs_params, *rhs_params)

    def combine_duration_expression(self, connector, sub_expressions):
        function = self.duration_functions.get(connector)
        if function is None:
            raise NotSupportedError(
                f"The operator {connector} on durations is not supported by djongo_app."
            )
        return f"{function}({', '.join(sub_expressions)})"

    duration_functions = {
        "+": "DJ_DURATION_ADD",
        "-": "DJ_DURATION_SUBTRACT",
        # A duration scaled by a number stays integer microseconds.
        "*": "DJ_DURATION_MULTIPLY",
        "/": "DJ_DURATION_DIVIDE",
    }

    def combine_expression(self, connector, sub_expressions):
        function = self.combined_functions.get(connector)
        if function is None:
            return super().combine_expression(connector, sub_expressions)
        return f"{function}({', '.join(sub_expressions)})"

    # Connectors Django writes infix that the dialect spells as functions.
    combined_functions = {
        "%%": "MOD",
        "^": "POWER",
        "&": "BITAND",
        "|": "BITOR",
        "#": "BITXOR",
        "<<": "BITLEFTSHIFT",
        ">>": "BITRIGHTSHIFT",
    }

    # Python → BSON ---------------------------------------------------------

    # Any integer column holds a 64-bit BSON integer, as SQLite's do: a
    # lookup beyond Django's narrower IntegerField range still reaches the
    # documents another tool stored.
    integer_field_ranges = {
        **BaseDatabaseOperations.integer_field_ranges,
        **dict.fromkeys(
            (
                "SmallIntegerField",
                "IntegerField",
                "BigIntegerField",
                "SmallAutoField",
                "AutoField",
                "BigAutoField",
            ),
            (INT64_MIN, INT64_MAX),
        ),
        **dict.fromkeys(
            ("PositiveSmallIntegerField", "PositiveIntegerField", "PositiveBigIntegerField"),
            (0, INT64_MAX),
        ),
    }

    def adapt_integerfield_value(self, value, internal_type):
        if isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX:
            raise out_of_range(value, INT64_LIMIT)
        return value

    def adapt_datefield_value(self, value):
        if value is None:
            return None
        if isinstance(value, datetime.datetime):
            return value
        return datetime.datetime(value.year, value.month, value.day)

    def adapt_datetimefield_value(self, value):
        if value is None or hasattr(value, "resolve_expression"):
            return value
        # BSON dates keep milliseconds: truncate so that a lookup compares
        # the value that was stored.
        microsecond = value.microsecond // 1000 * 1000
        if value.tzinfo is datetime.UTC and use_tz() and self.connection.timezone is datetime.UTC:
            # The usual case (aware UTC stored as UTC): astimezone() would
            # change nothing.
            return value.replace(tzinfo=None, microsecond=microsecond)
        if value.utcoffset() is not None:
            if not settings.USE_TZ:
                raise ValueError(
                    "djongo_app backend does not support timezone-aware "
                    "datetimes when USE_TZ is False."
                )
            # timezone.make_naive() and the truncation in one replace().
            return value.astimezone(self.connection.timezone).replace(
                tzinfo=None, microsecond=microsecond
            )
        if microsecond != value.microsecond:
            return value.replace(microsecond=microsecond)
        return value

    def adapt_timefield_value(self, value):
        if value is None or hasattr(value, "resolve_expression"):
            return value
        if timezone.is_aware(value):
            raise ValueError("djongo_app backend does not support timezone-aware times.")
        return value.strftime(TIME_FORMAT)

    def adapt_decimalfield_value(self, value, max_digits=None, decimal_places=None):
        """Return ``value`` as a BSON Decimal128, which also serves a
        DecimalField without max_digits/decimal_places (Django 6.1); a value
        it cannot hold exactly is a DataError, never rounded silently."""
        if value is None or hasattr(value, "resolve_expression"):
            return value
        try:
            return Decimal128(decimal.Decimal(value))
        except decimal.DecimalException as exc:
            raise out_of_range(
                value,
                f"Decimal128 holds {DECIMAL128_DIGITS} significant digits and exponents "
                "of -6176 to 6111",
            ) from exc

    def adapt_json_value(self, value, encoder):
        # Stored as native BSON (objects, arrays, numbers, strings); the
        # round trip through JSON applies the field's encoder.
        text = json.dumps(value, cls=encoder)
        try:
            return json.loads(text)
        except ValueError as e:
            raise DataError(f"djongo_app: the JSON encoder wrote invalid JSON: {text!r}") from e

    def adapt_ipaddressfield_value(self, value):
        return value or None

    def adapt_durationfield_value(self, value):
        if value is None:
            return None
        return value // datetime.timedelta(microseconds=1)

    # BSON → Python -----------------------------------------------------------

    def get_db_converters(self, expression):
        """Return the converters of a selected column.

        With ``ENFORCE_SCHEMA: False`` documents may lack keys: a column of
        a NOT NULL field with a default reads a missing (or null) value as
        that default, converted as if it had been stored. Only plain columns
        qualify, never aggregates or other expressions over them (the Max of
        nothing stays NULL); a NULL that comes from a LEFT JOIN finding no
        document cannot be told apart and reads as the default too.

        Django asks for every selected column of every query: a plain
        column's answer is kept per field (with the settings it depends on).
        The list returned is shared: callers concatenate it, never change it.
        """
        if type(expression) is not Col:
            return self._db_converters(expression)
        target = expression.target
        output = expression.output_field
        enforce = self.connection.settings_dict.get("ENFORCE_SCHEMA", True)
        # Without the schema, what the field says of NULL and defaults.
        defaults = enforce or (target.null, target.has_default())
        key = (id(target), id(output), enforce)
        kept = self._converters_of_columns.get(key)
        # The fields are kept with the answer: an id is only unique among
        # live objects.
        if kept is None or kept[0] is not target or kept[1] is not output or kept[2] != defaults:
            if len(self._converters_of_columns) >= COLUMN_CONVERTERS_KEPT:
                self._converters_of_columns.clear()
            kept = self._converters_of_columns[key] = (
                target,
                output,
                defaults,
                self._db_converters(expression),
            )
        return kept[3]

    @cached_property
    def _converters_of_columns(self):
        return {}

    def _db_converters(self, expression):
        converters = super().get_db_converters(expression)
        if self._reads_default_when_missing(expression):
            converters.append(self.convert_missing_to_default)
        converter = self.converters.get(expression.output_field.get_internal_type())
        if converter is not None:
            converters.append(converter.__get__(self))
        return converters

    def _reads_default_when_missing(self, expression):
        if self.connection.settings_dict.get("ENFORCE_SCHEMA", True):
            return False
        if not isinstance(expression, Col):
            return False
        field = expression.target
        return not field.null and field.has_default()

    def convert_missing_to_default(self, value, expression, connection):
        if value is not None:
            return value
        field = expression.target
        return field.get_db_prep_save(field.get_default(), connection)

    def convert_datetimefield_value(self, value, expression, connection):
        if value.__class__ is datetime.datetime and value.tzinfo is None:
            # What BSON dates decode to (tz_aware=False): UTC, naive. It
            # runs for every datetime read: combine() takes a fifth of the
            # time of replace(tzinfo=...) on CPython 3.11.
            if _use_tz[0] if _use_tz else use_tz():
                return _combine(value, value.time(), self.connection.timezone)
            return value
        if value is None:
            return None
        if isinstance(value, str):
            value = parse_datetime(value)
        elif not isinstance(value, datetime.datetime) and isinstance(value, datetime.date):
            value = datetime.datetime(value.year, value.month, value.day)
        if settings.USE_TZ and not timezone.is_aware(value):
            value = timezone.make_aware(value, self.connection.timezone)
        return value

    def convert_datefield_value(self, value, expression, connection):
        if value is None:
            return None
        if isinstance(value, datetime.datetime):
            if settings.USE_TZ and timezone.is_aware(value):
                value = timezone.make_naive(value, datetime.UTC)
            return value.date()
        if isinstance(value, str):
            return parse_date(value)
        return value

    def convert_timefield_value(self, value, expression, connection):
        if value is None or isinstance(value, datetime.time):
            return value
        if isinstance(value, datetime.datetime):
            return value.time()
        return parse_time(value)

    def convert_decimalfield_value(self, value, expression, connection):
        if value is None:
            return None
        if isinstance(value, Decimal128):
            value = value.to_decimal()
        elif not isinstance(value, decimal.Decimal):
            value = decimal.Decimal(str(value))
        output = expression.output_field
        places = getattr(output, "decimal_places", None)
        if places is not None and value.is_finite():
            try:
                value = value.quantize(decimal.Decimal(1).scaleb(-places), context=output.context)
            except decimal.InvalidOperation:
                # More digits than max_digits (an aggregate's result): keep
                # the places, as SQLite does.
                value = value.quantize(decimal.Decimal(1).scaleb(-places))
        return value

    def convert_uuidfield_value(self, value, expression, connection):
        if value is None or isinstance(value, uuid.UUID):
            return value
        return uuid.UUID(value)

    def convert_booleanfield_value(self, value, expression, connection):
        return bool(value) if value in (0, 1) else value

    def convert_durationfield_value(self, value, expression, connection):
        if value is None or isinstance(value, datetime.timedelta):
            return value
        return datetime.timedelta(microseconds=int(value))

    def convert_jsonfield_value(self, value, expression, connection):
        # JSONField.from_db_value() parses text with the field's decoder;
        # hand it the native value as JSON text.
        if value is None:
            return None
        return json.dumps(value, default=str)

    def convert_binaryfield_value(self, value, expression, connection):
        return value if value is None else bytes(value)

    # Internal type → the converter of its column.
    converters = {
        "DateTimeField": convert_datetimefield_value,
        "DateField": convert_datefield_value,
        "TimeField": convert_timefield_value,
        "DecimalField": convert_decimalfield_value,
        "UUIDField": convert_uuidfield_value,
        "BooleanField": convert_booleanfield_value,
        "BinaryField": convert_binaryfield_value,
        "JSONField": convert_jsonfield_value,
    }
