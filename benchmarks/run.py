"""Run the workload through djongo_app, Django on SQLite and (when it is
installed) django-mongodb-backend, each beside raw pymongo, and print the
tables of docs/performance.md.

    python -m benchmarks [--rows 1000] [--rounds 6] [--processes 3] [--scale 100000]

Each backend runs in a process of its own (benchmarks.worker) with raw
pymongo beside it in that process, against the same server ($MONGODB_URI,
or a SecantusDB started for the run). Rounds are interleaved: every round
runs each operation on each backend in turn (the order rotates), so load
from elsewhere on the machine spreads over all of them. The rounds are
shared among ``--processes`` fresh processes per backend, one after the
other, since the same code runs faster in one process than in the next.
Figures are the median over all rounds of the mean per call; a ratio is
the median of the rounds' ratios (each round's pair ran in one process).

django-mongodb-backend runs from this interpreter when it can import it,
otherwise from ``--dmb-python`` (or $DMB_PYTHON): a Python with Django 5.2,
pymongo and django-mongodb-backend installed (djongo_app need not be).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TITLES = {"sqlite": "SQLite ORM", "dmb": "django-mongodb-backend", "djongo_app": "djongo_app"}
ORDER = ("sqlite", "dmb", "djongo_app")


class Worker:
    def __init__(self, backend, python, uri):
        self.backend = backend
        env = dict(os.environ, BENCH_MONGODB_URI=uri, PYTHONPATH=str(ROOT))
        env.pop("DJANGO_SETTINGS_MODULE", None)
        self.process = subprocess.Popen(
            [python, "-m", "benchmarks.worker", backend],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def ask(self, **command):
        self.send(**command)
        return self.receive()

    def send(self, **command):
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()

    def receive(self):
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the {self.backend} worker ended (see its output above)")
        return json.loads(line)

    def close(self):
        if self.process.poll() is None:
            with contextlib.suppress(RuntimeError, BrokenPipeError):
                self.ask(cmd="quit")
            self.process.wait(timeout=60)


def dmb_python(explicit):
    if importlib.util.find_spec("django_mongodb_backend") is not None:
        return sys.executable
    return explicit or os.environ.get("DMB_PYTHON")


def server():
    uri = os.environ.get("MONGODB_URI")
    if uri:
        return uri
    sys.path.insert(0, str(ROOT))
    from djongo_app.testing import server_uri

    return server_uri()


def median(values):
    return statistics.median(values) if values else None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1000, help="entries in the workload")
    parser.add_argument("--rounds", type=int, default=6, help="rounds in all")
    parser.add_argument(
        "--processes",
        type=int,
        default=3,
        help="fresh worker processes per backend, the rounds shared among them",
    )
    parser.add_argument(
        "--reps", type=float, default=1.0, help="factor on each operation's calls per round"
    )
    parser.add_argument(
        "--scale", type=int, default=100_000, help="entries of the scale side (0: skip it)"
    )
    parser.add_argument("--scale-rounds", type=int, default=3)
    parser.add_argument("--scale-reps", type=int, default=2)
    parser.add_argument("--backends", default="djongo_app,sqlite,dmb")
    parser.add_argument("--dmb-python", help="a Python with django-mongodb-backend installed")
    parser.add_argument("--no-profile", action="store_true", help="skip the layer split")
    parser.add_argument("--only", help="run only operations whose name contains this")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)

    uri = server()
    wanted = [b for b in args.backends.split(",") if b]
    pythons = {"djongo_app": sys.executable, "sqlite": sys.executable}
    if "dmb" in wanted:
        python = dmb_python(args.dmb_python)
        if python is None:
            print("django-mongodb-backend is not installed: its column is left out.")
            wanted.remove("dmb")
        else:
            pythons["dmb"] = python
    backends = [b for b in ORDER if b in wanted]
    load_before = os.getloadavg()
    started = time.perf_counter()
    workers = {}
    results = {
        "load": {},
        "versions": {},
        "timings": {},
        "layers": {},
        "scale": {},
        "unsupported": {},
    }
    try:
        processes = max(1, min(args.processes, args.rounds))
        for process_number in range(processes):
            # A process's speed differs from the next one's running the same
            # code (raw pymongo's own figures move by a tenth or more): the
            # rounds are shared among fresh processes, and the medians are
            # taken over all of them.
            for worker in workers.values():
                worker.close()
            workers = {b: Worker(b, pythons[b], uri) for b in backends}
            applicable, operations = {}, []
            for backend, worker in workers.items():
                answer = worker.ask(cmd="setup", rows=args.rows)
                results["versions"][backend] = answer["versions"]
                applicable[backend] = set(answer["applicable"])
                for name in answer["operations"]:
                    if name not in operations:
                        operations.append(name)
            if args.only:
                operations = [name for name in operations if args.only in name]
            rounds = range(process_number, args.rounds, processes)
            run_rounds(args, workers, backends, applicable, operations, results, rounds)
        if not args.no_profile:
            # One backend at a time: the test server has failed commits of
            # concurrent bulk inserts from two workers.
            for name in operations:
                for backend in backends:
                    if name in applicable[backend]:
                        results["layers"].setdefault(name, {})[backend] = workers[backend].ask(
                            cmd="profile", op=name, factor=args.reps
                        )
        if args.scale:
            run_scale(args, workers, backends, results)
    finally:
        for worker in workers.values():
            worker.close()
    results["load"] = {"before": load_before, "after": os.getloadavg()}
    results["seconds"] = time.perf_counter() - started
    results["command"] = "python -m benchmarks " + " ".join(argv or sys.argv[1:])
    print(report(results, backends, operations))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


def run_rounds(args, workers, backends, applicable, operations, results, rounds):
    timings = results["timings"]
    for round_number in rounds:
        for index, name in enumerate(operations):
            shift = (round_number + index) % len(backends)
            for backend in backends[shift:] + backends[:shift]:
                if name not in applicable[backend]:
                    continue
                answer = workers[backend].ask(cmd="run", op=name, factor=args.reps)
                if "unsupported" in answer:
                    applicable[backend].discard(name)
                    results["unsupported"].setdefault(name, {})[backend] = answer["unsupported"]
                    continue
                per_backend = timings.setdefault(name, {}).setdefault(backend, {})
                for key, value in answer.items():
                    per_backend.setdefault(key, []).append(value)
        print(f"round {round_number + 1}/{args.rounds} done", file=sys.stderr)


def run_scale(args, workers, backends, results):
    scale_backends = [b for b in backends if b != "sqlite"]
    sizes = (args.rows, args.scale)
    for size in sizes:
        if size != args.rows:
            for backend in scale_backends:
                answer = workers[backend].ask(cmd="grow", rows=size)
                results["scale"].setdefault("grow", {})[backend] = answer
        names = None
        for round_number in range(args.scale_rounds):
            for backend in scale_backends[round_number % 2 :] + scale_backends[: round_number % 2]:
                for name in names or SCALE_OPERATIONS:
                    answer = workers[backend].ask(cmd="scale", op=name, reps=args.scale_reps)
                    cell = results["scale"].setdefault(name, {}).setdefault(backend, {})
                    for key, value in answer.items():
                        cell.setdefault(f"{size}:{key}", []).append(value)
            print(f"scale {size}: round {round_number + 1} done", file=sys.stderr)


SCALE_OPERATIONS = (
    "filter(rating__gte).order_by(-pub_date)[:20]",
    "the same with select_related(blog)",
    "filter(blog__name=) (indexed) [:20]",
    "Blog annotate(Count(entry))[:20]",
)


def duration(seconds):
    if seconds is None:
        return "—"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 0.001:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds * 1e6:.0f} µs"


def ratio_cell(cell, side):
    """Return the median of the rounds' ratios (each round's ORM and raw
    calls ran in the same process) and the median ORM time per call."""
    pairs = zip(cell[f"orm_{side}"], cell[f"raw_{side}"], strict=True)
    ratios = [orm / raw for orm, raw in pairs if raw]
    if not ratios:
        return "—"
    return f"x{median(ratios):.2f} ({duration(median(cell[f'orm_{side}']))})"


def report(results, backends, operations):
    lines = []
    versions = results["versions"]
    any_versions = next(iter(versions.values()))
    lines.append(f"machine: {any_versions['machine']}")
    lines.append(
        f"Python {any_versions['python']}, Django {any_versions['django']}, "
        f"pymongo {any_versions['pymongo']}, server {any_versions['server']}; "
        + ", ".join(versions[b]["backend"] for b in backends)
    )
    load = results["load"]
    lines.append(
        "load average (1, 5, 15 min) before: {}, after: {}".format(
            ", ".join(f"{x:.2f}" for x in load["before"]),
            ", ".join(f"{x:.2f}" for x in load["after"]),
        )
    )
    lines.append(f"command: {results['command']} ({results['seconds']:.0f} s)")
    header = "| operation | " + " | ".join(TITLES[b] for b in backends) + " | raw pymongo |"
    rule = "|---" * (len(backends) + 2) + "|"
    for side, title in (("cpu", "Client CPU"), ("wall", "Wall time")) if operations else ():
        lines += ["", f"{title} per call: ratio to raw pymongo in the same process (median)", ""]
        lines += [header, rule]
        for name in operations:
            cells = results["timings"].get(name, {})
            unsupported = results["unsupported"].get(name, {})
            row = [
                ratio_cell(cells[b], side)
                if b in cells
                else ("not supported" if b in unsupported else "n/a")
                for b in backends
            ]
            raws = [median(cells[b][f"raw_{side}"]) for b in backends if b in cells]
            lines.append(f"| {name} | " + " | ".join(row) + f" | {duration(median(raws))} |")
    if results["layers"]:
        samples = [
            cell.get("samples", 0)
            for split in results["layers"].values()
            for cell in split.values()
        ]
        lines += [
            "",
            "Layer split of the ORM side's CPU: Django / backend / driver / other",
            f"(sampling profiler: {min(samples)} to {max(samples)} samples per cell)",
            "",
        ]
        lines += ["| operation | " + " | ".join(TITLES[b] for b in backends) + " |"]
        lines += ["|---" * (len(backends) + 1) + "|"]
        for name in operations:
            split = results["layers"].get(name, {})
            row = []
            for backend in backends:
                shares = split.get(backend)
                row.append(
                    " / ".join(
                        f"{shares[k] * 100:.0f}%" for k in ("django", "backend", "driver", "other")
                    )
                    if shares
                    else "n/a"
                )
            lines.append(f"| {name} | " + " | ".join(row) + " |")
    scale = results["scale"]
    if scale:
        lines += ["", "Scale: wall time per call (median), ORM vs raw pymongo on the same data", ""]
        scale_backends = [b for b in backends if b != "sqlite"]
        sizes = sorted(
            {int(key.split(":")[0]) for op in SCALE_OPERATIONS for key in scale[op][backends[-1]]}
        )
        head = "| operation | rows | "
        head += " | ".join(f"{TITLES[b]} | raw | ratio" for b in scale_backends) + " |"
        lines += [head, "|---" * (2 + 3 * len(scale_backends)) + "|"]
        for name in SCALE_OPERATIONS:
            for size in sizes:
                row = [name, f"{size:,}"]
                for backend in scale_backends:
                    cell = scale[name].get(backend, {})
                    orm = median(cell.get(f"{size}:orm_wall", []))
                    raw = median(cell.get(f"{size}:raw_wall", []))
                    row += [duration(orm), duration(raw), f"x{orm / raw:.2f}" if raw else "—"]
                lines.append("| " + " | ".join(row) + " |")
        lines += ["", "Growth from the smallest to the largest size (wall):", ""]
        for name in SCALE_OPERATIONS:
            parts = []
            for backend in scale_backends:
                cell = scale[name].get(backend, {})
                small, large = sizes[0], sizes[-1]
                orm_growth = median(cell[f"{large}:orm_wall"]) / median(cell[f"{small}:orm_wall"])
                raw_growth = median(cell[f"{large}:raw_wall"]) / median(cell[f"{small}:raw_wall"])
                parts.append(f"{TITLES[backend]} x{orm_growth:.1f} (raw x{raw_growth:.1f})")
            lines.append(f"- {name}: " + "; ".join(parts))
        grow = scale.get("grow", {})
        for backend, answer in grow.items():
            lines.append(
                f"- growing {TITLES[backend]} to {sizes[-1]:,} entries (bulk_create): "
                f"{answer['wall']:.1f} s wall, {answer['cpu']:.1f} s client CPU"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
