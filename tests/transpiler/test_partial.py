"""Query filters → partialFilterExpression (transpiler/partial.py): what
MongoDB's partial indexes accept passes, isnull=False becomes a $type, and
anything else raises NotSupportedError naming the index."""

import pytest
from django.db import NotSupportedError

from djongo_app.transpiler.partial import partial_filter

TYPES = ["string", "int"]


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        pytest.param({"a": {"$gt": 1}}, {"a": {"$gt": 1}}, id="comparison"),
        pytest.param({"a": 1}, {"a": 1}, id="equality"),
        pytest.param({"a": {"x": 1}}, {"a": {"x": 1}}, id="equal-to-a-document"),
        pytest.param({"a": {"$in": [1, True]}}, {"a": {"$in": [1, True]}}, id="in"),
        pytest.param({"a": {"$ne": None}}, {"a": {"$type": TYPES}}, id="isnull-false-as-type"),
        pytest.param(
            {"$or": [{"a": 1}, {"$and": [{"b": {"$lte": 2}}, {"c": {"$ne": None}}]}]},
            {"$or": [{"a": 1}, {"$and": [{"b": {"$lte": 2}}, {"c": {"$type": TYPES}}]}]},
            id="nested-and-or",
        ),
        pytest.param({"a": {"$exists": True}}, {"a": {"$exists": True}}, id="exists"),
    ],
)
def test_accepted(condition, expected):
    assert partial_filter(condition, "the index 'i'", TYPES) == expected


@pytest.mark.parametrize(
    ("condition", "operator"),
    [
        pytest.param({"$expr": {"$eq": ["$a", 1]}}, "$expr", id="expr"),
        pytest.param({"a": {"$regex": "^x", "$options": "s"}}, "$regex", id="like"),
        pytest.param({"a": {"$nin": [1, None]}}, "$nin", id="not-equal"),
        pytest.param({"$nor": [{"a": 1}]}, "$nor", id="nor"),
        pytest.param({"a": {"$exists": False}}, "$exists", id="exists-false"),
        pytest.param({"$and": [{"a": 1}, {"b": {"$ne": 2}}]}, "$ne", id="inside-and"),
    ],
)
def test_refused(condition, operator):
    message = f"The condition of the index 'i' is not supported by djongo_app: it needs {operator},"
    with pytest.raises(NotSupportedError) as raised:
        partial_filter(condition, "the index 'i'", TYPES)
    assert str(raised.value).startswith(message)
