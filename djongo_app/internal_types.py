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
