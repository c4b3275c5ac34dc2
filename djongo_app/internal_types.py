"""Names shared by the modules that treat Django fields by their internal
type or lookups by their name, so that a list is written once."""

# Internal types stored as BSON integers.
INTEGER_TYPES = (
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
    "IntegerField",
    "BigIntegerField",
    "SmallIntegerField",
    "PositiveIntegerField",
    "PositiveBigIntegerField",
    "PositiveSmallIntegerField",
)

# Internal types whose values a __schema__ counter hands out (and whose
# column a collection djongo_app creates keeps in _id, keylayout.py).
COUNTER_TYPES = frozenset({"AutoField", "BigAutoField", "SmallAutoField"})

# Django's lookups that compare text.
TEXT_LOOKUPS = (
    "iexact",
    "contains",
    "icontains",
    "startswith",
    "istartswith",
    "endswith",
    "iendswith",
    "regex",
    "iregex",
)
