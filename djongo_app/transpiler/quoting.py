"""The one place names and constants are written into SQL text.

User-supplied values never reach SQL text: they travel as parameters
(``%s``). What must be spliced (table and column names from models, the
dialect's own string constants) goes through these helpers, which escape
the quote character and refuse what the lexer could read two ways.

The lexer (sqlparse) also reads a backslash before a quote as an escape
inside quoted names and strings, so a backslash is refused rather than
guessed at; so is NUL, which no BSON key or string can hold.
"""

from __future__ import annotations

import re

from django.db import NotSupportedError

# Characters no spliced name or constant may hold (see the module docstring).
FORBIDDEN = ("\\", "\x00")

# A quoted identifier as quote_identifier() writes it: '"' doubled inside.
QUOTED_IDENTIFIER = re.compile(r'"(?:[^"\\\x00]|"")+"')
# "table"."column" or "column", as Django's compiler writes a column; the
# group "column" is the text between the quotes ('"' still doubled).
COLUMN = re.compile(r'^(?:(?P<table>"(?:[^"\\\x00]|"")+"|\w+)\.)?"(?P<column>(?:[^"\\\x00]|"")+)"$')


def quote_identifier(name: str) -> str:
    """Return ``name`` as a quoted SQL identifier, ``"`` doubled.

    Raise NotSupportedError for an empty name or one with a backslash or
    NUL: the former has no meaning, the others no unambiguous spelling.
    """
    _check(name, "name")
    return '"{}"'.format(name.replace('"', '""'))


def is_quoted_identifier(text: str) -> bool:
    """Return True when ``text`` is exactly one identifier as
    :func:`quote_identifier` writes it."""
    return QUOTED_IDENTIFIER.fullmatch(text) is not None


def unquote_identifier(text: str) -> str:
    """Return the name a quoted identifier stands for."""
    if not is_quoted_identifier(text):
        raise NotSupportedError(f"{text!r} is not a quoted name in djongo_app's SQL dialect.")
    return text[1:-1].replace('""', '"')


def quote_string(value: str) -> str:
    """Return ``value`` as an SQL string constant, ``'`` doubled.

    Only for the dialect's own constants (units, time zone names, table
    names); a value a user chose is a parameter instead.
    """
    _check(value, "string constant", allow_empty=True)
    return "'{}'".format(value.replace("'", "''"))


def _check(text: str, what: str, *, allow_empty: bool = False) -> None:
    if not isinstance(text, str) or (not text and not allow_empty):
        raise NotSupportedError(f"The {what} {text!r} cannot be written in SQL by djongo_app.")
    for char in FORBIDDEN:
        if char in text:
            raise NotSupportedError(
                f"The {what} {text!r} holds {char!r}, which djongo_app cannot write in SQL."
            )


__all__ = [
    "COLUMN",
    "is_quoted_identifier",
    "quote_identifier",
    "quote_string",
    "unquote_identifier",
]
