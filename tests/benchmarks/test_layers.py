"""The benchmark's sampling profiler charges a signal handled as a
function is entered to the caller (issue 14: a small backend function
called from Django's per-row loop was charged much of the loop's time)."""

import importlib.util

from benchmarks import layers

LOOP = """
def run(convert, rows):
    out = []
    for row in rows:
        row = list(row)
        first, second = row[0], row[1]
        total = first + second
        row[2] = total * 2 - first
        row[0] = convert(row[0], None, None)
        out.append(row)
    return out
"""

CONVERTER = """
def convert(value, expression, connection):
    return value
"""


def load(path, source):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_signal_at_a_functions_entry_is_the_callers(tmp_path):
    # A "Django" loop calling a one-line "backend" converter per row: the
    # converter's own bytecode is a small part of the loop's time, but a
    # sampler charging the frame the signal is handled in gives it about
    # two samples in five.
    loop = load(tmp_path / "django" / "rowloop.py", LOOP)
    converter = load(tmp_path / "djongo_app" / "converter.py", CONVERTER)
    rows = [(i, i + 1, 0) for i in range(1000)]
    split, samples = layers.sample(
        lambda i: loop.run(converter.convert, rows), reps=50, min_cpu=1.5, max_wall=10.0
    )
    assert samples >= 100
    assert split["django"] > 0.8, split
    assert split["backend"] < 0.15, split


def test_resume_offsets_hold_a_functions_entry():
    def function():
        return 1

    offsets = layers.resume_offsets(function.__code__)
    assert offsets
    assert min(offsets) < 8
