"""The query filter of a field equal to a value."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from bson import Decimal128, Int64, ObjectId

# Values an equality may give as ``{"a": v}`` rather than
# ``{"a": {"$eq": v}}``: the same match, and less for the server to parse
# per document it scans (about 3% of an update that scans on the test
# server). Never a document (its keys could be operators: a user's
# ``{"$gt": ""}``), an array or a regular expression (``{"a": /x/}`` is a
# pattern match).
PLAIN_EQUALITY_TYPES = frozenset(
    {int, float, str, bool, datetime.datetime, ObjectId, Decimal128, Int64, uuid.UUID}
)


def equals(path: str, value: Any) -> dict[str, Any]:
    """Return the filter of documents whose ``path`` equals ``value``."""
    if value.__class__ in PLAIN_EQUALITY_TYPES:
        return {path: value}
    return {path: {"$eq": value}}


__all__ = ["PLAIN_EQUALITY_TYPES", "equals"]
