"""Split the CPU of ORM calls into layers: Django, the backend, the driver.

Two ways, the same rule. Every function's own time goes to the layer of
the module it is in:
Django (``django/``), the backend (``djongo_app/`` with sqlparse, which
only its parser uses; ``django_mongodb_backend/``; Django's
``db/backends/sqlite3/``), the driver (``pymongo``/``bson``; the
``sqlite3`` module). Time in the standard library or in C built-ins
belongs to whoever called it: it is passed up the call graph to the
callers, in proportion to the time each caller spent in it, until it
reaches a function of a layer.

The clock is CPU time (waiting for the server is not the client's work).

:func:`sample` (the one the benchmark reports) is a sampling profiler:
the kernel's profiling timer interrupts the process once per tick of its
CPU time, and each interruption is charged to the layer of the innermost
frame on the stack that belongs to one (frames of the standard library
pass it outwards, to their caller; a signal handled as a function is
entered is its caller's, see :class:`Sampler`). A C function has no
frame, so its time goes to the Python function that called it: the
``sqlite3`` module's time is the Django sqlite3 backend's. Sampling
costs the same whatever the number of calls, so it charges each layer
its own time.

:func:`profile` (cProfile) is kept for comparison and to find which
function is dear: cProfile adds a fixed cost to every call (in this
workload the profiled calls take 3 to 9 times as long as unprofiled ones),
so a layer made of many small calls looks much bigger than it is.
"""

from __future__ import annotations

import cProfile
import dis
import pstats
import signal
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


def layer_of_file(filename):
    """Return the layer of a module's file name (None: the standard
    library, or anything else that passes its time to its caller)."""
    for fragment, layer in PATH_LAYERS:
        if fragment in filename:
            return layer
    return None


def layer_of(function):
    filename, _, name = function
    layer = layer_of_file(filename)
    if layer is not None:
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


def resume_offsets(code):
    """Return the offsets of ``code``'s RESUME instructions: where a call
    (offset of the first) or a generator's resumption enters it."""
    return frozenset(i.offset for i in dis.get_instructions(code) if i.opname == "RESUME")


class Sampler:
    """Count, per layer, the profiling-timer signals that arrive while
    ``active``: the timer fires once per ``interval`` of the process's CPU
    time, and the handler runs in the main thread when the interpreter
    next checks for signals, so each signal stands for one interval of CPU
    spent where it lands.

    The interpreter checks at a function's entry (its RESUME instruction)
    among other places. A signal handled there arrived while the caller
    ran (the function has not run an instruction yet), so it is charged
    from the caller: otherwise a small function called from a loop would
    be charged much of the loop's time (a one-line function called once
    per pass of a 100 µs loop: 39% of the samples, against 16% for the
    call and the function together timed without it).
    """

    def __init__(self):
        self.active = False
        self.counts = dict.fromkeys(LAYERS, 0)
        self.layers_by_file = {}
        self.entries_by_code = {}

    def at_entry(self, frame):
        code = frame.f_code
        entries = self.entries_by_code.get(code)
        if entries is None:
            entries = self.entries_by_code[code] = resume_offsets(code)
        return frame.f_lasti in entries

    def layer_of_stack(self, frame):
        known = self.layers_by_file
        if frame is not None and frame.f_back is not None and self.at_entry(frame):
            frame = frame.f_back
        while frame is not None:
            filename = frame.f_code.co_filename
            try:
                layer = known[filename]
            except KeyError:
                layer = known[filename] = layer_of_file(filename)
            if layer is not None:
                return layer
            frame = frame.f_back
        return "other"

    def __call__(self, signum, frame):
        if self.active:
            self.counts[self.layer_of_stack(frame)] += 1


def sample(
    call, reps, setup=None, cleanup=None, first=0, interval=0.001, min_cpu=2.0, max_wall=8.0
):
    """Run ``call(i)`` for i from ``first`` under the sampler: ``reps``
    calls, more until they have used ``min_cpu`` seconds of CPU in all or
    the loop has run ``max_wall`` seconds; return the split and the number
    of samples it rests on. ``setup(i)`` runs before each call and
    ``cleanup()`` after every ``reps`` calls, unsampled, so that writes do
    not pile up.

    The kernel's timer ticks (often 250 a second) bound the rate, whatever
    ``interval`` asks: 2 s of CPU give about 500 samples, a standard error
    of about 1.3 points on a share of 10%.
    """
    sampler = Sampler()
    previous = signal.signal(signal.SIGPROF, sampler)
    used = 0.0
    i = first
    deadline = time.perf_counter() + max_wall
    # One timer for the whole loop: re-arming it for each call would start
    # its count afresh and never sample a call shorter than a tick.
    signal.setitimer(signal.ITIMER_PROF, interval, interval)
    try:
        while i < first + reps or (used < min_cpu and time.perf_counter() < deadline):
            if setup is not None:
                setup(i)
            started = time.process_time()
            sampler.active = True
            call(i)
            sampler.active = False
            used += time.process_time() - started
            i += 1
            if cleanup is not None and (i - first) % reps == 0:
                cleanup()
    finally:
        sampler.active = False
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
        signal.signal(signal.SIGPROF, previous)
    whole = sum(sampler.counts.values())
    return {name: count / (whole or 1) for name, count in sampler.counts.items()}, whole
