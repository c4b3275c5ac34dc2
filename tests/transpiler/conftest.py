"""The transpiler tables need no server and no Django models."""

import pytest

from djongo_app.transpiler import catalog

# Show a diff, not a bare AssertionError, when a command differs.
pytest.register_assert_rewrite("tests.transpiler.utils")


class _ProjectingCatalog:
    """The installed catalog, but with no table's full column list: the
    tables' commands keep their projections whether or not the backend
    (and its model catalog) was loaded before them."""

    def __init__(self, installed):
        self.installed = installed

    def unique_columns(self, table):
        return self.installed.unique_columns(table)

    def columns(self, table):
        return None


@pytest.fixture(autouse=True)
def _projecting_catalog():
    installed = catalog._catalog
    catalog.install(_ProjectingCatalog(installed))
    yield
    catalog.install(installed)
