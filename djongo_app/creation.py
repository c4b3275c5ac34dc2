"""Test databases: ``test_<NAME>``, created empty and dropped after."""

from django.db.backends.base.creation import BaseDatabaseCreation

from . import keylayout
from .counters import database_dropped
from .errors import wrap_pymongo_errors


class DatabaseCreation(BaseDatabaseCreation):
    def _execute_create_test_db(self, cursor, parameters, keepdb=False):
        pass

    def _create_test_db(self, verbosity, autoclobber, keepdb=False):
        name = self._get_test_db_name()
        if keepdb:
            return name
        self._drop_database(name)
        return name

    def _destroy_test_db(self, test_database_name, verbosity):
        self._drop_database(test_database_name)

    def _drop_database(self, name):
        self.connection.ensure_connection()
        client = self.connection.connection.client
        with wrap_pymongo_errors():
            client.drop_database(name)
        database_dropped(client, name)
        keylayout.database_dropped(client, name)

    def _clone_test_db(self, suffix, verbosity, keepdb=False):
        source = self.connection.settings_dict["NAME"]
        target = self.get_test_db_clone_settings(suffix)["NAME"]
        self.connection.ensure_connection()
        client = self.connection.connection.client
        with wrap_pymongo_errors():
            if keepdb and client[target].list_collection_names():
                # --keepdb: a clone made by an earlier run stays as it is.
                return
            client.drop_database(target)
            database_dropped(client, target)
            keylayout.database_dropped(client, target)
            for info in client[source].list_collections():
                name = info["name"]
                if name.startswith("system."):
                    continue  # the server's own (system.views)
                # The validator (NOT NULL, CHECK) and collation go along.
                client[target].create_collection(name, **info.get("options", {}))
                if info.get("type") == "view":
                    continue
                documents = list(client[source][name].find())
                if documents:
                    client[target][name].insert_many(documents)
                for index in client[source][name].list_indexes():
                    if index["name"] != "_id_":
                        options = {k: v for k, v in index.items() if k not in {"key", "v", "ns"}}
                        client[target][name].create_index(list(index["key"].items()), **options)

    def sql_table_creation_suffix(self):
        return ""
