"""The Django database backend for MongoDB: ``ENGINE: "djongo_app"``."""

from django.db import NotSupportedError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import debug_transaction
from django.utils.asyncio import async_unsafe
from django.utils.functional import cached_property

from .aggregates import register as register_aggregates
from .client import DatabaseClient
from .connection import (
    MongoConnection,
    client_arguments,
    configure_logging,
    connecting,
    key_in_id,
    shared_client,
    supports_transactions,
)
from .creation import DatabaseCreation
from .cursor import Cursor
from .errors import Database, wrap_pymongo_errors
from .features import SERVER_OPERATORS, DatabaseFeatures
from .introspection import DatabaseIntrospection
from .lookups import register as register_lookups
from .operations import DatabaseOperations
from .schema import DatabaseSchemaEditor
from .validation import DatabaseValidation

# LIKE in this dialect always escapes with a backslash, as Django's
# prep_for_like_query() does; no ESCAPE clause, since sqlparse's lexer reads
# the quoted backslash of "ESCAPE '\\'" as an escaped quote.
register_lookups()
register_aggregates()

LIKE = "LIKE %s"
ILIKE = "ILIKE %s"


class DatabaseWrapper(BaseDatabaseWrapper):
    vendor = "mongodb"
    display_name = "MongoDB (djongo_app)"

    # Names recorded in migrations and shown by introspection; MongoDB
    # itself stores any BSON type in any field.
    data_types = {
        "ArrayField": "array",
        "ArrayReferenceField": "array",
        "AutoField": "int",
        "BigAutoField": "long",
        "SmallAutoField": "int",
        "BinaryField": "binData",
        "BooleanField": "bool",
        "CharField": "string",
        "DateField": "date",
        "DateTimeField": "date",
        "DecimalField": "decimal",
        "DurationField": "long",
        "EmbeddedField": "object",
        "FileField": "string",
        "FilePathField": "string",
        "FloatField": "double",
        "IntegerField": "int",
        "BigIntegerField": "long",
        "IPAddressField": "string",
        "GenericIPAddressField": "string",
        "JSONField": "object",
        "ObjectIdAutoField": "objectId",
        "ObjectIdField": "objectId",
        "OneToOneField": "int",
        "PositiveBigIntegerField": "long",
        "PositiveIntegerField": "long",
        "PositiveSmallIntegerField": "int",
        "SlugField": "string",
        "SmallIntegerField": "int",
        "TextField": "string",
        "TimeField": "string",
        "UUIDField": "string",
    }
    # Lookups → the SQL the transpiler reads (see operations.py).
    operators = {
        "exact": "= %s",
        "iexact": ILIKE,
        "contains": LIKE,
        "icontains": ILIKE,
        "regex": "REGEXP %s",
        "iregex": "IREGEXP %s",
        "gt": "> %s",
        "gte": ">= %s",
        "lt": "< %s",
        "lte": "<= %s",
        "startswith": LIKE,
        "endswith": LIKE,
        "istartswith": ILIKE,
        "iendswith": ILIKE,
    }
    # Pattern lookups whose right-hand side is an expression.
    pattern_esc = "LIKE_ESCAPE({})"
    pattern_ops = {
        "contains": "LIKE '%%' || {} || '%%'",
        "icontains": "ILIKE '%%' || {} || '%%'",
        "startswith": "LIKE {} || '%%'",
        "istartswith": "ILIKE {} || '%%'",
        "endswith": "LIKE '%%' || {}",
        "iendswith": "ILIKE '%%' || {}",
    }

    Database = Database
    SchemaEditorClass = DatabaseSchemaEditor
    client_class = DatabaseClient
    creation_class = DatabaseCreation
    features_class = DatabaseFeatures
    introspection_class = DatabaseIntrospection
    ops_class = DatabaseOperations
    validation_class = DatabaseValidation

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Also done by the app's ready(); here for projects that, as in
        # Djongo's documentation, set ENGINE without "djongo_app" in
        # INSTALLED_APPS. (fields imports models, which need this module.)
        from . import catalog
        from .fields import paths

        paths.install()
        # The planner learns the models' unique keys (transpiler/joins.py).
        catalog.install()

    def get_connection_params(self):
        return {
            "arguments": client_arguments(self.settings_dict, self.alias),
            "name": self.settings_dict["NAME"],
            "key_in_id": key_in_id(self.settings_dict, self.alias),
        }

    @async_unsafe
    def get_new_connection(self, conn_params):
        configure_logging(self.settings_dict, self.alias)
        with connecting(conn_params["arguments"], self.alias):
            client = shared_client(conn_params["arguments"])
            transactions = supports_transactions(client)
        return MongoConnection(client, conn_params["name"], transactions, conn_params["key_in_id"])

    def init_connection_state(self):
        # The version check asks the server; no session state to set up.
        super().init_connection_state()

    def check_database_version_supported(self):
        """Raise NotSupportedError naming the minimum on an older server."""
        minimum = self.features.minimum_database_version
        if minimum is None:
            return
        found = self.get_database_version()
        if found < minimum:
            needs = ", ".join(
                f"{op} ({'.'.join(map(str, v))})" for op, v in SERVER_OPERATORS.items()
            )
            raise NotSupportedError(
                f"{self.display_name} requires MongoDB {'.'.join(map(str, minimum))} or later "
                f"(found {'.'.join(map(str, found))}): its plans use {needs}."
            )

    def get_database_version(self):
        return self.server_info["version_tuple"]

    @cached_property
    def server_info(self):
        self.ensure_connection()
        with wrap_pymongo_errors():
            build = self.connection.database.command("buildInfo")
            hello = self.connection.database.command("hello")
        return {
            "version_tuple": tuple(build.get("versionArray", [0, 0, 0])[:3]),
            "replica_set": "setName" in hello,
            "sharded": hello.get("msg") == "isdbgrid",
        }

    @async_unsafe
    def create_cursor(self, name=None):
        return Cursor(self.connection)

    def _set_autocommit(self, autocommit):
        with self.wrap_database_errors, wrap_pymongo_errors():
            self.connection.set_autocommit(autocommit)

    def _commit(self):
        if self.connection is not None:
            # Logged as a query, as Django's own backends log it.
            with (
                debug_transaction(self, "COMMIT"),
                self.wrap_database_errors,
                wrap_pymongo_errors(),
            ):
                self.connection.commit()

    def _rollback(self):
        if self.connection is not None:
            with (
                debug_transaction(self, "ROLLBACK"),
                self.wrap_database_errors,
                wrap_pymongo_errors(),
            ):
                self.connection.rollback()

    def _close(self):
        if self.connection is not None:
            self.connection.close()

    def is_usable(self):
        try:
            with wrap_pymongo_errors():
                self.connection.database.command("ping")
        except Exception:
            return False
        return True

    # Savepoints are journal positions inside the MongoDB transaction
    # (djongo_app/savepoints.py), not SQL statements.

    def _savepoint(self, sid):
        self.connection.savepoint(sid)

    def _savepoint_rollback(self, sid):
        with self.wrap_database_errors, wrap_pymongo_errors():
            self.connection.rollback_to_savepoint(sid)

    def _savepoint_commit(self, sid):
        with self.wrap_database_errors:
            self.connection.release_savepoint(sid)
