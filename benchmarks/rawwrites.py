"""What the raw pymongo write benchmarks (bench_key_layout.py,
bench_validator.py) share: rounds of (insert, update) wall times per
variant, printed as a Markdown table of their medians."""

import argparse
import os
import statistics


def options_and_server(description):
    """Parse ``--batches`` and ``--rounds``; return them and the server's
    URI: $MONGODB_URI, or a SecantusDB started for the run."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from djongo_app.testing import server_uri

    return args, os.environ.get("MONGODB_URI") or server_uri()


def timed_rounds(rounds, variants, run):
    """Return name → (insert times, update times) of ``run(variant)``, which
    returns one (insert, update) pair, called once per variant per round."""
    figures = {name: ([], []) for name in variants}
    for _ in range(rounds):
        for name, variant in variants.items():
            inserting, updating = run(variant)
            figures[name][0].append(inserting)
            figures[name][1].append(updating)
    return figures


def print_medians(columns, figures, digits=0):
    """Print ``figures`` under the three ``columns``, in milliseconds."""
    print("| " + " | ".join(columns) + " |")
    print("|---|---|---|")
    for name, (inserts, updates) in figures.items():
        insert_ms = statistics.median(inserts) * 1e3
        update_ms = statistics.median(updates) * 1e3
        print(f"| {name} | {insert_ms:.{digits}f} ms | {update_ms:.{digits}f} ms |")
