"""SQL LIKE patterns → MongoDB regular expressions."""

from __future__ import annotations

import functools
import re


@functools.lru_cache(maxsize=1024)
def like_to_regex(pattern: str, escape: str | None = None) -> str:
    """Return an anchored regular expression matching what ``pattern`` does.

    ``%`` matches any run of characters, ``_`` any one character, and the
    ``escape`` character makes the next character literal. Leading and
    trailing ``%`` drop the anchor instead of adding ``.*``, so a prefix
    pattern stays an index-friendly ``^prefix`` regex.
    """
    parts: list[str] = []
    chars = iter(pattern)
    for char in chars:
        if escape is not None and char == escape:
            parts.append(re.escape(next(chars, escape)))
        elif char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    start = 0
    end = len(parts)
    while start < end and parts[start] == ".*":
        start += 1
    while end > start and parts[end - 1] == ".*":
        end -= 1
    body = "".join(parts[start:end])
    prefix = "" if start else "^"
    suffix = "" if end < len(parts) else "$"
    if not body:
        return "" if start or end < len(parts) else "^$"
    return prefix + body + suffix
