"""Split a cProfile of ORM calls into layers: Django, the backend, the driver.

Every function's own time goes to the layer of the module it is in:
Django (``django/``), the backend (``djongo_app/`` with sqlparse, which
only its parser uses; ``django_mongodb_backend/``; Django's
``db/backends/sqlite3/``), the driver (``pymongo``/``bson``; the
``sqlite3`` module). Time in the standard library or in C built-ins
belongs to whoever called it: it is passed up the call graph to the
callers, in proportion to the time each caller spent in it, until it
reaches a function of a layer.

The profiler's clock is the process's CPU time (waiting for the server
is not the client's work). cProfile adds a fixed cost per call, so a layer made of many small calls
looks a little bigger than it is; the split is a guide to where the time
goes, not a measurement of CPU (the timed rounds are).
"""

from __future__ import annotations

import cProfile
import pstats
import time
from collections import defaultdict

LAYERS = ("django", "backend", "driver", "other")

# Path fragment → layer, first match wins.
PATH_LAYERS = (
    ("/djongo_app/", "backend"),
    ("/sqlparse/", "backend"),
    ("/django_mongodb_backend/", "backend"),
    ("/django/db/backends/sqlite3/", "backend"),
    ("/django/", "django"),
    ("/pymongo/", "driver"),
    ("/bson/", "driver"),
    ("/gridfs/", "driver"),
    ("/benchmarks/", "other"),
)
# Built-in functions (no file) named after their module.
BUILTIN_LAYERS = (
    ("sqlite3", "driver"),
    ("bson", "driver"),
    ("pymongo", "driver"),
)


def layer_of(function):
    filename, _, name = function
    for fragment, layer in PATH_LAYERS:
        if fragment in filename:
            return layer
    if filename == "~":
        for fragment, layer in BUILTIN_LAYERS:
            if fragment in name:
                return layer
    return None


def split(stats: pstats.Stats) -> dict[str, float]:
    """Return each layer's share (0..1) of the profiled time."""
    entries = stats.stats  # type: ignore[attr-defined]
    shares: dict = {}

    def distribution(function, visiting):
        if function in shares:
            return shares[function]
        layer = layer_of(function)
        if layer is not None:
            result = {layer: 1.0}
        elif function in visiting:
            result = {"other": 1.0}
        else:
            callers = entries[function][4] if function in entries else {}
            total = sum(edge[3] for edge in callers.values())
            if not callers or total <= 0:
                result = {"other": 1.0}
            else:
                visiting.add(function)
                result = defaultdict(float)
                for caller, edge in callers.items():
                    weight = edge[3] / total
                    for name, part in distribution(caller, visiting).items():
                        result[name] += weight * part
                visiting.discard(function)
                result = dict(result)
        shares[function] = result
        return result

    totals = dict.fromkeys(LAYERS, 0.0)
    for function, (_, _, own, _, _) in entries.items():
        for name, part in distribution(function, set()).items():
            totals[name] += own * part
    whole = sum(totals.values()) or 1.0
    return {name: value / whole for name, value in totals.items()}


def profile(call, reps):
    """Run ``call(i)`` for i in range(reps) under cProfile; return the split."""
    profiler = cProfile.Profile(time.process_time)
    for i in range(reps):
        profiler.enable()
        call(i)
        profiler.disable()
    return split(pstats.Stats(profiler))
