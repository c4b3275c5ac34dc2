"""The transpiler tables need no server and no Django models."""

import pytest

# Show a diff, not a bare AssertionError, when a command differs.
pytest.register_assert_rewrite("tests.transpiler.utils")
