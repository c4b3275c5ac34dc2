"""DjongoManager: Django's manager plus the model's pymongo collection.

``Model.objects.mongo_<method>(...)`` calls ``<method>`` of the model's
pymongo ``Collection`` (Djongo's pass-through): ``mongo_find``,
``mongo_aggregate``, ``mongo_insert_one``, ``mongo_update_many``... The
arguments go to pymongo as given: filters, pipelines and update documents
are MongoDB's language, so operator-looking values in them (``{"$gt": ...}``
from a request) are the caller's to check. Inside ``atomic()`` the
methods of :data:`SESSION_METHODS` run in the transaction's session.

``Model.objects.raw_aggregate(pipeline)`` runs an aggregation pipeline on
the model's collection and returns model instances.
"""

from __future__ import annotations

from inspect import getattr_static
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import connections, models, router
from pymongo.collection import Collection

from .errors import wrap_pymongo_errors
from .fields.embedded import from_db_value
from .passthrough import mongo_call, mongo_connection, mongo_session

# Collection methods that read or write documents: they take the running
# transaction's session. Index and collection commands (create_index,
# drop, rename...), estimated_document_count and watch are not allowed in
# a MongoDB transaction and run on their own. The value says whether the
# method only reads, which picks the router's database for the model.
SESSION_METHODS = {
    "aggregate": True,
    "aggregate_raw_batches": True,
    "bulk_write": False,
    "count_documents": True,
    "delete_many": False,
    "delete_one": False,
    "distinct": True,
    "find": True,
    "find_one": True,
    "find_one_and_delete": False,
    "find_one_and_replace": False,
    "find_one_and_update": False,
    "find_raw_batches": True,
    "insert_many": False,
    "insert_one": False,
    "replace_one": False,
    "update_many": False,
    "update_one": False,
}
READ_METHODS = frozenset(
    {
        "estimated_document_count",
        "full_name",
        "index_information",
        "list_indexes",
        "list_search_indexes",
        "name",
        "options",
        "watch",
    }
)
PREFIX = "mongo_"


class DjongoManager(models.Manager):
    """A manager whose ``mongo_<method>`` attributes are the methods of the
    model's pymongo collection (Djongo's ``DjongoManager``).

    pymongo errors raised by a call become django.db errors (a duplicate
    key is an IntegrityError); a cursor returned by ``mongo_find`` or
    ``mongo_aggregate`` is pymongo's own, and raises pymongo's errors as it
    is iterated.
    """

    def __getattr__(self, name):
        if not name.startswith(PREFIX) or name == PREFIX:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        method = name[len(PREFIX) :]
        return self.mongo_method(method)

    def mongo_collection(self, using=None):
        """Return the model's pymongo collection on the manager's database
        (calls on it run outside any transaction; ``mongo_<method>`` joins
        the running one)."""
        wrapper = mongo_connection(using or self._mongo_db(read=True))
        wrapper.ensure_connection()
        return wrapper.connection.database[self.model._meta.db_table]

    def mongo_method(self, method):
        """Return ``method`` of the model's collection as a callable that
        runs in the current transaction (see the module docstring); a
        property (``name``, ``full_name``...) is returned as its value."""
        attribute = None if method.startswith("_") else getattr_static(Collection, method, None)
        if attribute is None:
            raise AttributeError(
                f"mongo_{method}: pymongo's Collection has no public attribute {method!r}."
            )
        read = SESSION_METHODS.get(method, method in READ_METHODS)
        using = self._mongo_db(read=read)
        if not callable(attribute):
            return getattr(self.mongo_collection(using), method)
        takes_session = method in SESSION_METHODS
        table = self.model._meta.db_table

        def call(*args, **kwargs):
            if takes_session:
                return mongo_call(using, table, method, *args, **kwargs)
            # Index and collection commands run outside any transaction.
            with mongo_session(using, writes=False) as (database, _session):
                return getattr(database[table], method)(*args, **kwargs)

        call.__name__ = f"mongo_{method}"
        call.__doc__ = attribute.__doc__
        return call

    def raw_aggregate(self, pipeline):
        """Return the model instances of the documents ``pipeline`` yields.

        Every document needs the primary key's column; fields whose
        columns a document lacks are deferred (loaded on access), and keys
        that are no field's column become attributes of the instance, as
        ``raw()`` treats extra columns.
        """
        return RawAggregateQuerySet(self.model, pipeline, using=self._mongo_db(read=True))

    def _mongo_db(self, read):
        if self._db:
            return self._db
        route = router.db_for_read if read else router.db_for_write
        return route(self.model, **self._hints)


class RawAggregateQuerySet:
    """The lazy result of :meth:`DjongoManager.raw_aggregate`: iterating
    runs the pipeline (once; later iterations reuse the instances), and
    ``iterator()`` streams them without keeping them."""

    def __init__(self, model, pipeline, using):
        self.model = model
        self.pipeline = list(pipeline)
        self.db = using
        self._result_cache = None

    def __repr__(self):
        return f"<RawAggregateQuerySet: {self.model.__name__} {self.pipeline!r}>"

    def __iter__(self):
        return iter(self._results())

    def __len__(self):
        return len(self._results())

    def __bool__(self):
        return bool(self._results())

    def __getitem__(self, index):
        return self._results()[index]

    def _results(self):
        if self._result_cache is None:
            self._result_cache = list(self.iterator())
        return self._result_cache

    def iterator(self):
        """Yield the instances as the server returns them."""
        opts = self.model._meta
        with mongo_session(self.db, writes=False) as (database, session):
            cursor = database[opts.db_table].aggregate(self.pipeline, session=session)
        connection = connections[self.db]
        while True:
            with wrap_pymongo_errors():
                document = next(cursor, None)
            if document is None:
                return
            yield self.model_instance(document, connection)

    def model_instance(self, document, connection):
        """Return the instance of ``document`` (a stored document)."""
        opts = self.model._meta
        layout = connection.connection.key_layouts.layout
        paths = {f: layout.path(opts.db_table, f.column) for f in opts.concrete_fields}
        if paths[opts.pk] not in document:
            raise FieldDoesNotExist(
                f"raw_aggregate() results must include the primary key "
                f"({paths[opts.pk]!r}); a document has only {sorted(document)!r}."
            )
        present = [f for f in opts.concrete_fields if paths[f] in document]
        values = [from_db_value(f, document[paths[f]], connection) for f in present]
        instance = self.model.from_db(self.db, [f.attname for f in present], values)
        known = _field_keys(opts)
        for key, value in document.items():
            if key not in known:
                setattr(instance, key, value)
        return instance


def _field_keys(opts) -> frozenset[str]:
    """Document keys that are not annotations: columns, names and ``_id``."""
    keys: set[Any] = {"_id"}
    for field in opts.concrete_fields:
        keys.update((field.column, field.attname, field.name))
    return frozenset(keys)


__all__ = ["SESSION_METHODS", "DjongoManager", "RawAggregateQuerySet"]
