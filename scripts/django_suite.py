#!/usr/bin/env python
"""Run Django's own test suite against djongo_app, one test app at a time.

Django's source distribution matching the installed Django is fetched with pip
and extracted once into ``.django_suite/`` (git-ignored); each app then runs as
``tests/runtests.py APP --parallel 1`` in a child process with a timeout. The
MongoDB server is ``$MONGODB_URI`` or SecantusDB started here
(``djongo_app.testing.server_uri()``) and handed to the child as
``MONGODB_URI``. Every test's outcome is recorded (see
``scripts/django_suite_settings/runner.py``) under
``.django_suite/results/django-<X.Y>/<backend>/<app>.{log,jsonl,json}``.

The Django series measured is the one installed beside the interpreter;
``--django 6.1`` runs the script again with the interpreter of a virtual
environment that has Django 6.1 (``.venv-dj61``, ``.venv``, or
``$DJANGO_SUITE_PYTHON``). Each series has its own baseline file:
``docs/conformance-baseline.json`` for 5.2 LTS,
``docs/conformance-baseline-<X.Y>.json`` for the others.

Examples::

    python scripts/django_suite.py                      # the default apps on djongo_app
    python scripts/django_suite.py basic lookup         # some apps
    python scripts/django_suite.py --sqlite basic       # the same on SQLite
    python scripts/django_suite.py --compare basic      # both, and the overlap
    python scripts/django_suite.py --ci                 # fast subset vs the baseline file
    python scripts/django_suite.py --django 6.1 --ci    # the same on Django 6.1 (.venv-dj61)
    python scripts/django_suite.py --failures lookup    # run lookup, list its failing tests
    python scripts/django_suite.py --last --causes      # failure causes of the last run, grouped
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import importlib.metadata
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCRIPTS = REPO / "scripts"
CACHE = REPO / ".django_suite"
DOCS = REPO / "docs"
# The LTS keeps the baseline file's original name; other series add theirs.
LTS_SERIES = "5.2"
SETTINGS = {
    "djongo": "django_suite_settings.djongo",
    "sqlite": "django_suite_settings.sqlite",
}
BACKEND_LABEL = {"djongo": "djongo_app", "sqlite": "SQLite"}

DEFAULT_APPS = [
    "basic",
    "lookup",
    "queries",
    "aggregation",
    "aggregation_regress",
    "annotations",
    "expressions",
    "expressions_case",
    "expressions_window",
    "db_functions",
    "ordering",
    "update",
    "update_only_fields",
    "delete",
    "delete_regress",
    "many_to_one",
    "many_to_many",
    "one_to_one",
    "m2m_through",
    "select_related",
    "select_related_regress",
    "prefetch_related",
    "defer",
    "dates",
    "datetimes",
    "null_queries",
    "or_lookups",
    "custom_pk",
    "get_or_create",
    "bulk_create",
    "model_inheritance",
    "generic_relations",
    "custom_managers",
    "reverse_lookup",
    "string_lookup",
    "raw_query",
    "pagination",
    "signals",
    "save_delete_hooks",
    "timezones",
    "model_fields",
    "from_db_value",
    "constraints",
    "indexes",
    "transactions",
    "transaction_hooks",
]
# --ci: apps that together take about 4 minutes on djongo_app on a 2-core
# machine (measured: delete ~85 s, many_to_many ~15 s, the rest under 15 s
# each) and cover inserts, lookups, joins, updates, deletes, ordering,
# slicing, inheritance, related managers and transactions.
CI_APPS = [
    "basic",
    "lookup",
    "update",
    "update_only_fields",
    "delete",
    "or_lookups",
    "null_queries",
    "custom_pk",
    "get_or_create",
    "bulk_create",
    "ordering",
    "pagination",
    "save_delete_hooks",
    "signals",
    "reverse_lookup",
    "string_lookup",
    "many_to_one",
    "many_to_many",
    "one_to_one",
    "m2m_through",
    "select_related",
    "select_related_regress",
    "defer",
    "model_inheritance",
    "custom_managers",
    "dates",
    "datetimes",
    "from_db_value",
    "transactions",
    "transaction_hooks",
    "expressions_window",
]
DEFAULT_TIMEOUT = 900
MARKDOWN = False  # --markdown

# Outcomes of one test, the worst wins when a test reports several (subtests).
SEVERITY = {"skip": 0, "xfail": 1, "ok": 2, "xpass": 3, "fail": 4, "error": 5}
SUMMARY_KEYS = {
    "failures": "failures",
    "errors": "errors",
    "skipped": "skipped",
    "expected failures": "xfail",
    "unexpected successes": "xpass",
}


@dataclass
class AppResult:
    app: str
    backend: str
    status: str = "not run"  # OK, FAILED, timeout, crash
    run: int = 0
    passed: int = 0
    failures: int = 0
    errors: int = 0
    skipped: int = 0
    xfail: int = 0
    xpass: int = 0
    seconds: float = 0.0
    note: str = ""
    # test id → worst outcome; and the failing/erroring entries.
    outcomes: dict[str, str] = field(default_factory=dict)
    problems: list[dict] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return self.failures + self.errors


# Django's sources ------------------------------------------------------------


def django_version() -> str:
    return importlib.metadata.version("django")


def series(version: str) -> str:
    """ "6.1.3" → "6.1"."""
    return ".".join(version.split(".")[:2])


def results_dir(of_series: str | None = None) -> Path:
    """Where the results of a Django series (default: the installed one)
    are kept."""
    return CACHE / "results" / f"django-{of_series or series(django_version())}"


def baseline_path() -> Path:
    """The baseline file of the installed Django series."""
    current = series(django_version())
    if current == LTS_SERIES:
        return DOCS / "conformance-baseline.json"
    return DOCS / f"conformance-baseline-{current}.json"


def python_with_django(wanted: str) -> str | None:
    """Return an interpreter whose Django is of the series ``wanted``: the
    current one, ``$DJANGO_SUITE_PYTHON``, ``.venv-dj<XY>`` or ``.venv``."""
    candidates = [
        sys.executable,
        os.environ.get("DJANGO_SUITE_PYTHON"),
        str(REPO / f".venv-dj{wanted.replace('.', '')}" / "bin" / "python"),
        str(REPO / ".venv" / "bin" / "python"),
    ]
    for python in filter(None, candidates):
        if not Path(python).exists():
            continue
        try:
            found = subprocess.run(
                [python, "-c", "import django; print(django.__version__)"],
                capture_output=True,
                text=True,
                timeout=60,
                check=True,
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            continue
        if series(found) == wanted:
            return python
    return None


def use_django_series(wanted: str, argv: list[str]) -> None:
    """Run this script again under an interpreter with Django ``wanted``,
    unless the current one has it."""
    if series(django_version()) == wanted:
        return
    python = python_with_django(wanted)
    if python is None:
        sys.exit(
            f"No virtual environment with Django {wanted} found (looked at "
            f"$DJANGO_SUITE_PYTHON, .venv-dj{wanted.replace('.', '')} and .venv). Create one, "
            f"e.g. PYTHON=/path/to/python3.13 VENV=.venv-dj{wanted.replace('.', '')} "
            f"DJANGO='Django~={wanted}.0' bash scripts/test"
        )
    print(f"Django {wanted}: running with {python}", flush=True)
    sys.stdout.flush()
    os.execv(python, [python, str(Path(__file__).resolve()), *argv])


def django_tests_dir(version: str) -> Path:
    """Download and extract Django's sdist once; return its tests/ folder."""
    source = CACHE / f"django-{version}"
    tests = source / "tests"
    if (tests / "runtests.py").exists():
        return tests
    dist = CACHE / "dist"
    dist.mkdir(parents=True, exist_ok=True)
    archive = dist / f"django-{version}.tar.gz"
    if not archive.exists():
        print(f"Downloading Django {version} sources with pip ...", flush=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                f"django=={version}",
                "--no-binary",
                ":all:",
                "--no-deps",
                "--quiet",
                "-d",
                str(dist),
            ],
            check=True,
        )
        found = sorted(dist.glob(f"[Dd]jango-{version}.tar.gz"))
        if not found:
            sys.exit(f"pip did not leave django-{version}.tar.gz in {dist}")
        archive = found[0]
    print(f"Extracting {archive.name} into {CACHE} ...", flush=True)
    staging = CACHE / f".extract-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    with tarfile.open(archive) as tar:
        tar.extractall(staging, filter="data")
    extracted = next(staging.iterdir())
    shutil.rmtree(source, ignore_errors=True)
    extracted.rename(source)
    shutil.rmtree(staging, ignore_errors=True)
    if not (tests / "runtests.py").exists():
        sys.exit(f"{archive} has no tests/runtests.py")
    return tests


# The MongoDB server --------------------------------------------------------------


class Server:
    """$MONGODB_URI, or SecantusDB started (and restarted if it dies) here."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.owned = not os.environ.get("MONGODB_URI")
        self.uri: str | None = None

    def get(self) -> str:
        sys.path.insert(0, str(REPO))
        from djongo_app import testing

        with self.lock:
            if self.uri is None:
                self.uri = testing.server_uri()
            elif not self._alive() and self.owned:
                print("  (the test server stopped answering: restarting it)", flush=True)
                testing.stop_server()
                self.uri = testing.server_uri()
            return self.uri

    def _alive(self) -> bool:
        from pymongo import MongoClient

        try:
            with MongoClient(self.uri, serverSelectionTimeoutMS=5000) as client:
                client.admin.command("ping")
            return True
        except Exception:
            return False


# One app -----------------------------------------------------------------------


def run_app(
    app: str,
    backend: str,
    tests_dir: Path,
    timeout: float,
    server: Server | None,
    db_prefix: str,
    extra: list[str],
) -> AppResult:
    out = results_dir() / backend
    out.mkdir(parents=True, exist_ok=True)
    log_path, jsonl_path = out / f"{app}.log", out / f"{app}.jsonl"
    jsonl_path.unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO), str(SCRIPTS), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    env["DJANGO_SUITE_RESULTS"] = str(jsonl_path)
    env["DJANGO_SUITE_DB_PREFIX"] = db_prefix
    if server is not None:
        env["MONGODB_URI"] = server.get()
    command = [
        sys.executable,
        "runtests.py",
        app,
        "--settings",
        SETTINGS[backend],
        "--parallel",
        "1",
        "--noinput",
        *extra,
    ]
    started = time.monotonic()
    timed_out = False
    with open(log_path, "w", encoding="utf-8") as log:
        log.write(f"$ {' '.join(command)}\n")
        log.flush()
        proc = subprocess.Popen(
            command,
            cwd=tests_dir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            returncode = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            _stop(proc)
            returncode = proc.returncode
        except BaseException:
            _stop(proc)
            raise
    result = parse_result(app, backend, log_path, jsonl_path, returncode, timed_out)
    result.seconds = round(time.monotonic() - started, 1)
    if timed_out:
        result.note = f"timeout after {timeout:g}s; counts are of the tests that finished"
    (out / f"{app}.json").write_text(json.dumps(asdict(result), indent=1))
    return result


def _stop(proc: subprocess.Popen) -> None:
    """Stop runtests.py and its children (its own process group)."""
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def parse_summary(text: str) -> dict[str, int] | None:
    """unittest's closing lines: "Ran N tests in ..." and "OK (...)"/"FAILED (...)"."""
    ran = re.findall(r"^Ran (\d+) tests? in ", text, re.MULTILINE)
    verdict = re.findall(r"^(OK|FAILED)(?: \((.*)\))?\s*$", text, re.MULTILINE)
    if not ran or not verdict:
        return None
    counts = dict.fromkeys(SUMMARY_KEYS.values(), 0)
    counts["run"] = int(ran[-1])
    status, details = verdict[-1]
    for item in filter(None, (details or "").split(",")):
        key, _, value = item.strip().partition("=")
        if key in SUMMARY_KEYS and value.isdigit():
            counts[SUMMARY_KEYS[key]] = int(value)
    counts["status"] = status
    return counts


def read_outcomes(jsonl_path: Path) -> tuple[dict[str, str], list[dict]]:
    outcomes: dict[str, str] = {}
    problems: list[dict] = []
    if not jsonl_path.exists():
        return outcomes, problems
    for line in jsonl_path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue  # a line cut short by a kill
        name, outcome = entry["test"], entry["outcome"]
        if SEVERITY[outcome] >= SEVERITY.get(outcomes.get(name, "skip"), 0):
            outcomes[name] = outcome
        if outcome in ("fail", "error", "xpass"):
            problems.append(entry)
    return outcomes, problems


def parse_result(
    app: str,
    backend: str,
    log_path: Path,
    jsonl_path: Path,
    returncode: int | None,
    timed_out: bool,
) -> AppResult:
    text = log_path.read_text(encoding="utf-8", errors="replace")
    outcomes, problems = read_outcomes(jsonl_path)
    result = AppResult(app, backend, outcomes=outcomes, problems=problems)
    tally = Counter(outcomes.values())
    summary = None if timed_out else parse_summary(text)
    if summary is not None:
        result.status = summary["status"]
        for key in ("run", "failures", "errors", "skipped", "xfail", "xpass"):
            setattr(result, key, summary[key])
        if outcomes:
            # Per test: a test whose subtests fail twice is one failed test.
            result.passed = tally["ok"]
        else:
            result.passed = max(
                0,
                result.run
                - result.failures
                - result.errors
                - result.skipped
                - result.xfail
                - result.xpass,
            )
    else:
        result.status = "timeout" if timed_out else "crash"
        result.run = len(outcomes)
        result.passed = tally["ok"]
        result.failures = tally["fail"]
        result.errors = tally["error"]
        result.skipped = tally["skip"]
        result.xfail = tally["xfail"]
        result.xpass = tally["xpass"]
        if not timed_out:
            result.note = f"runtests.py exited {returncode}: {_last_error(text)}"
    return result


def _last_error(text: str) -> str:
    for line in reversed(text.splitlines()):
        if re.match(r"^[\w.]*(Error|Exception|Exit)\b.*", line.strip()):
            return line.strip()[:200]
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1][:200] if lines else "no output"


def load_result(app: str, backend: str, of_series: str | None = None) -> AppResult | None:
    path = results_dir(of_series) / backend / f"{app}.json"
    if not path.exists():
        return None
    return AppResult(**json.loads(path.read_text()))


# Running many apps ----------------------------------------------------------------


def run_apps(apps: list[str], backend: str, args: argparse.Namespace) -> dict[str, AppResult]:
    if args.last:
        results = {}
        for app in apps:
            result = load_result(app, backend)
            if result is None:
                print(f"no saved {BACKEND_LABEL[backend]} result for {app}", file=sys.stderr)
                result = AppResult(app, backend)
            results[app] = result
        return results
    tests_dir = django_tests_dir(django_version())
    server = Server() if backend == "djongo" else None
    extra = ["-v", str(args.django_verbosity)]
    for pattern in args.k or ():
        extra += ["-k", pattern]
    if args.debug_sql:
        extra.append("--debug-sql")
    slots: queue.Queue[int] = queue.Queue()
    for slot in range(args.jobs):
        slots.put(slot)
    done = 0
    results: dict[str, AppResult] = {}
    print_lock = threading.Lock()

    def one(app: str) -> AppResult:
        nonlocal done
        slot = slots.get()
        try:
            result = run_app(
                app,
                backend,
                tests_dir,
                args.timeout,
                server,
                f"django_suite_{slot}" if args.jobs > 1 else "django_suite",
                extra,
            )
        finally:
            slots.put(slot)
        with print_lock:
            done += 1
            note = f"  [{result.note}]" if result.note else ""
            print(
                f"[{done}/{len(apps)}] {BACKEND_LABEL[backend]:10} {app:24} "
                f"{result.status:8} run {result.run:4}  passed {result.passed:4}  "
                f"failed {result.failures:3}  errors {result.errors:3}  "
                f"skipped {result.skipped:3}  {result.seconds:7.1f}s{note}",
                flush=True,
            )
        return result

    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for app, result in zip(apps, pool.map(one, apps), strict=True):
            results[app] = result
    return results


# Reports --------------------------------------------------------------------------


def print_table(results: dict[str, AppResult], title: str) -> None:
    header = ("app", "run", "passed", "failed", "errors", "skipped", "xfail", "xpass", "secs")
    rows = []
    for r in results.values():
        rows.append(
            (r.app, r.run, r.passed, r.failures, r.errors, r.skipped, r.xfail, r.xpass, r.seconds)
        )
    total = [sum(row[i] for row in rows) for i in range(1, len(header))]
    rows.append(("TOTAL", *total[:-1], round(total[-1], 1)))
    print(f"\n{title}")
    _print_rows(header, rows)
    for r in results.values():
        if r.status in ("timeout", "crash", "not run"):
            print(f"  {r.app}: {r.status} {r.note}")


def _print_rows(header: tuple, rows: list[tuple]) -> None:
    """An aligned table; with --markdown a GitHub Markdown table."""
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]

    def cells(values) -> str:
        text = " | ".join(
            f"{v!s:<{w}}" if i == 0 else f"{v!s:>{w}}"
            for i, (v, w) in enumerate(zip(values, widths, strict=True))
        )
        return f"| {text} |" if MARKDOWN else text

    print(cells(header))
    if MARKDOWN:
        rule = [("-" * w) if i == 0 else ("-" * (w - 1) + ":") for i, w in enumerate(widths)]
        print("| " + " | ".join(rule) + " |")
    else:
        print("-|-".join("-" * w for w in widths))
    for row in rows:
        print(cells(row))


def print_comparison(sqlite: dict[str, AppResult], djongo: dict[str, AppResult]) -> None:
    """Per app: passed on each, passed on both, and what became of the rest on djongo_app."""
    header = (
        "app",
        "sqlite passed",
        "djongo_app passed",
        "both",
        "% of sqlite",
        "lost: skipped",
        "failed",
        "not run",
        "note",
    )
    rows = []
    totals = Counter()
    exact = True
    for app, s in sqlite.items():
        d = djongo[app]
        lost = Counter()
        if s.outcomes and d.outcomes:
            passed_s = {t for t, o in s.outcomes.items() if o == "ok"}
            both = 0
            for test in passed_s:
                outcome = d.outcomes.get(test, "not run")
                if outcome == "ok":
                    both += 1
                else:
                    lost["failed" if outcome in ("fail", "error") else outcome] += 1
        else:
            exact = False
            both = min(s.passed, d.passed)
        totals.update(
            {
                "sqlite": s.passed,
                "djongo": d.passed,
                "both": both,
                "skip": lost["skip"],
                "failed": lost["failed"] + lost["xfail"] + lost["xpass"],
                "not run": lost["not run"],
            }
        )
        pct = f"{100 * both / s.passed:.1f}" if s.passed else "-"
        note = "; ".join(
            f"{x.backend}: {x.status}" for x in (s, d) if x.status not in ("OK", "FAILED")
        )
        failed = lost["failed"] + lost["xfail"] + lost["xpass"]
        rows.append(
            (app, s.passed, d.passed, both, pct, lost["skip"], failed, lost["not run"], note)
        )
    pct = f"{100 * totals['both'] / totals['sqlite']:.1f}" if totals["sqlite"] else "-"
    rows.append(
        (
            "TOTAL",
            totals["sqlite"],
            totals["djongo"],
            totals["both"],
            pct,
            totals["skip"],
            totals["failed"],
            totals["not run"],
            "",
        )
    )
    print("\nSQLite vs djongo_app (tests passed; 'lost' = passed on SQLite, not on djongo_app)")
    _print_rows(header, rows)
    how = "per-test intersection" if exact else "per-app min(passed) where outcomes were missing"
    print(
        f"\n{totals['both']} of the {totals['sqlite']} tests that pass on SQLite also pass on "
        f"djongo_app: {pct}% ({how})"
    )


def passed_on_both(sqlite: AppResult, djongo: AppResult) -> int:
    """The tests that pass on SQLite and on djongo_app (per test id)."""
    if sqlite.outcomes and djongo.outcomes:
        return sum(
            1
            for test, outcome in sqlite.outcomes.items()
            if outcome == "ok" and djongo.outcomes.get(test) == "ok"
        )
    return min(sqlite.passed, djongo.passed)


def print_side_by_side(apps: list[str], all_series: list[str]) -> int:
    """Per app and Django series: tests passed on SQLite, on both, and the
    share, from the results saved by earlier --compare runs."""
    header = ["app"]
    for each in all_series:
        header += [f"{each} sqlite", f"{each} both", f"{each} %"]
    rows = []
    totals = Counter()
    missing = []
    for app in apps:
        row: list = [app]
        for each in all_series:
            s, d = load_result(app, "sqlite", each), load_result(app, "djongo", each)
            if s is None or d is None:
                missing.append(f"{app} on {each}")
                row += ["-", "-", "-"]
                continue
            both = passed_on_both(s, d)
            totals[(each, "sqlite")] += s.passed
            totals[(each, "both")] += both
            row += [s.passed, both, f"{100 * both / s.passed:.1f}" if s.passed else "-"]
        rows.append(tuple(row))
    total_row: list = ["TOTAL"]
    for each in all_series:
        sqlite_total, both_total = totals[(each, "sqlite")], totals[(each, "both")]
        share = f"{100 * both_total / sqlite_total:.1f}" if sqlite_total else "-"
        total_row += [sqlite_total, both_total, share]
    rows.append(tuple(total_row))
    print("\nTests passed on SQLite, and on SQLite and djongo_app both, per Django series")
    _print_rows(tuple(header), rows)
    for each in all_series:
        sqlite_total, both_total = totals[(each, "sqlite")], totals[(each, "both")]
        if sqlite_total:
            print(
                f"Django {each}: {both_total} of the {sqlite_total} tests that pass on SQLite "
                f"also pass on djongo_app ({100 * both_total / sqlite_total:.1f}%)"
            )
    if missing:
        print(f"no saved results (run --compare under that series): {', '.join(missing)}")
        return 1
    return 0


def print_failures(results: dict[str, AppResult], tracebacks: bool) -> None:
    for r in results.values():
        if not r.problems and r.status not in ("timeout", "crash"):
            continue
        print(
            f"\n== {r.app} on {BACKEND_LABEL[r.backend]}: {r.status} ({len(r.problems)} problems)"
        )
        if r.note:
            print(f"   {r.note}")
        for p in r.problems:
            sub = f" {p['subtest']}" if p.get("subtest") else ""
            kind = {"fail": "FAIL", "error": "ERROR", "xpass": "XPASS"}[p["outcome"]]
            print(f"{kind:5} {p['test']}{sub}")
            if p.get("error"):
                print(f"      {p['error'][:300]}")
            if p.get("where"):
                print(f"      at {p['where']}")
            if tracebacks and p.get("traceback"):
                print("      " + p["traceback"].rstrip().replace("\n", "\n      "))


def cause_key(problem: dict) -> str:
    """Group failures: the exception type and its message, minus the specifics."""
    error = problem.get("error") or problem["outcome"]
    kind, _, message = error.partition(": ")
    kind = kind.rsplit(".", 1)[-1]
    if kind == "AssertionError":
        return f"AssertionError: {_assertion_kind(message, problem.get('traceback', ''))}"
    if " is not supported by djongo_app" in message:
        message = message.split(" is not supported by djongo_app")[0] + " is not supported"
        message = re.sub(r" near .*? \(the SQL construct there\)", " near … (parse error)", message)
    if ":: caused by ::" in message:
        message = message.split(":: caused by ::", 1)[1].split(", full error")[0].strip()
    message = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", message)
    message = re.sub(r"\b\d+\b", "N", message)
    return f"{kind}: {message[:110]}"


def _assertion_kind(message: str, traceback: str) -> str:
    if "queries executed" in message:
        if re.search(r"^\d+\. BEGIN\s*$", traceback, re.MULTILINE):
            return "query count off: a BEGIN is logged as a query"
        return "query count off"
    if message.endswith("not raised"):
        return f"{message} (expected exception not raised)"
    if re.search(
        r"datetime\.(datetime|time|timedelta)\(|\bd(a|at|ate|atet|ateti|atetim)\[\d+ chars", message
    ):
        return "datetime/time value differs (e.g. microseconds cut to milliseconds)"
    differ = r"(Lists|Sequences|Tuples|Sets|Items|Element counts)\b.*(differ|not equal)"
    if re.match(differ, message):
        return "wrong rows/values returned"
    if "not found in" in message:
        return "expected text not found (SQL text or message)"
    return "other: " + re.sub(r"\d+", "N", message)[:80]


def print_causes(results: dict[str, AppResult]) -> None:
    """One cause per failing test: its first failure (later subtest errors often follow it)."""
    groups: dict[str, list[dict]] = defaultdict(list)
    for r in results.values():
        seen: set[str] = set()
        for p in r.problems:
            if p["outcome"] != "xpass" and p["test"] not in seen:
                seen.add(p["test"])
                groups[cause_key(p)].append({**p, "app": r.app})
    total = sum(len(items) for items in groups.values())
    print(f"\nFailure causes of {total} failing tests (first failure of each test, grouped)")
    for key, items in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        apps = Counter(i["app"] for i in items)
        example = items[0]
        print(f"{len(items):5}  {key}")
        print(f"       e.g. {example['test']}  ({example.get('error', '')[:200]})")
        where = Counter(i.get("where", "") for i in items).most_common(1)[0][0]
        print(f"       at {where}; apps: {', '.join(f'{a} {n}' for a, n in apps.most_common(6))}")


# Baseline -----------------------------------------------------------------------


def read_baseline() -> dict:
    path = baseline_path()
    if path.exists():
        return json.loads(path.read_text())
    return {}


def write_baseline(results: dict[str, AppResult]) -> None:
    baseline = read_baseline()
    apps = baseline.get("apps", {})
    for app, r in results.items():
        if r.status == "not run":
            continue
        apps[app] = {"passed": r.passed, "run": r.run, "status": r.status}
    server = "MONGODB_URI" if os.environ.get("MONGODB_URI") else _secantus_version()
    baseline.update(
        {
            "django": django_version(),
            "backend": "djongo_app",
            "server": server,
            "updated": datetime.date.today().isoformat(),
            "apps": dict(sorted(apps.items())),
        }
    )
    path = baseline_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(baseline, indent=2) + "\n")
    print(f"\nwrote {len(results)} apps to {path.relative_to(REPO)}")


def _secantus_version() -> str:
    try:
        return f"SecantusDB {importlib.metadata.version('secantusdb')}"
    except importlib.metadata.PackageNotFoundError:
        return "SecantusDB"


def below_baseline(app: str, result: AppResult) -> bool:
    expected = read_baseline().get("apps", {}).get(app, {}).get("passed")
    return expected is not None and result.passed < expected


def check_baseline(results: dict[str, AppResult]) -> bool:
    apps = read_baseline().get("apps", {})
    if not apps:
        print(
            f"\nno baseline in {baseline_path().relative_to(REPO)}: run with --write-baseline first"
        )
        return False
    ok = True
    print(f"\nBaseline check against {baseline_path().relative_to(REPO)}")
    for app, r in results.items():
        expected = apps.get(app, {}).get("passed")
        if expected is None:
            print(f"  {app}: no baseline entry (passed {r.passed})")
        elif r.passed < expected:
            ok = False
            print(f"  REGRESSION {app}: {r.passed} passed < baseline {expected} ({r.status})")
        elif r.passed > expected:
            print(f"  {app}: {r.passed} passed > baseline {expected}: update with --write-baseline")
    print("  baseline met" if ok else "  baseline NOT met")
    return ok


# Command line --------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Run Django's test suite against djongo_app, one app at a time.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "apps",
        nargs="*",
        help="apps (or dotted test labels) of Django's tests/; default: the list in this script",
    )
    backend = parser.add_mutually_exclusive_group()
    backend.add_argument("--sqlite", action="store_true", help="run on SQLite (test_sqlite)")
    backend.add_argument(
        "--compare", action="store_true", help="run on SQLite and djongo_app and compare"
    )
    parser.add_argument(
        "--ci",
        action="store_true",
        help=f"the fast subset ({len(CI_APPS)} apps) checked against the baseline file",
    )
    parser.add_argument(
        "--write-baseline",
        action="store_true",
        help="record djongo_app's per-app passed counts in the series' baseline file "
        "(docs/conformance-baseline.json for 5.2, docs/conformance-baseline-X.Y.json else)",
    )
    parser.add_argument(
        "--side-by-side",
        metavar="X.Y,X.Y",
        type=lambda text: [part.strip() for part in text.split(",") if part.strip()],
        help="do not run: compare the saved --compare results of these Django series "
        "(e.g. --side-by-side 5.2,6.1) per app",
    )
    parser.add_argument(
        "--django",
        metavar="X.Y",
        help="the Django series to measure (e.g. 6.1): run under the interpreter of a "
        "virtual environment that has it ($DJANGO_SUITE_PYTHON, .venv-djXY, .venv)",
    )
    parser.add_argument(
        "--failures",
        metavar="APP",
        action="append",
        help="run APP (repeatable) and list its failing tests with the first line of each error",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="list the failing tests of every app run",
    )
    parser.add_argument("--markdown", action="store_true", help="print the tables as Markdown")
    parser.add_argument("--traceback", action="store_true", help="with the lists: full tracebacks")
    parser.add_argument(
        "--causes", action="store_true", help="group the failures by exception and message"
    )
    parser.add_argument(
        "--last",
        action="store_true",
        help="do not run: report the results saved by the last run (.django_suite/results)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=float(os.environ.get("DJANGO_SUITE_TIMEOUT", DEFAULT_TIMEOUT)),
        help=f"seconds per app (default {DEFAULT_TIMEOUT}, or $DJANGO_SUITE_TIMEOUT)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="apps run at once (default 1; each job has its own databases)",
    )
    parser.add_argument("-k", action="append", help="runtests.py -k: test name patterns")
    parser.add_argument("--debug-sql", action="store_true", help="runtests.py --debug-sql")
    parser.add_argument(
        "--django-verbosity",
        type=int,
        default=1,
        choices=[0, 1, 2, 3],
        help="runtests.py -v (its output is in .django_suite/results/<backend>/<app>.log)",
    )
    args = parser.parse_args(argv)
    if args.failures:
        args.apps = [*args.apps, *args.failures]
    if args.ci and not args.apps:
        args.apps = list(CI_APPS)
    args.apps = args.apps or list(DEFAULT_APPS)
    if args.write_baseline and args.sqlite:
        parser.error("--write-baseline records djongo_app's results, not SQLite's")
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    if args.django is not None and not re.fullmatch(r"\d+\.\d+", args.django):
        parser.error("--django takes a series such as 5.2 or 6.1")
    return args


def main(argv: list[str] | None = None) -> int:
    global MARKDOWN
    args = parse_args(argv)
    if args.django is not None:
        use_django_series(args.django, sys.argv[1:] if argv is None else argv)
    MARKDOWN = args.markdown
    if args.side_by_side:
        return print_side_by_side(args.apps, args.side_by_side)
    print(
        f"Django {django_version()}; apps: {', '.join(args.apps)}; timeout {args.timeout:g}s",
        flush=True,
    )
    primary = "sqlite" if args.sqlite else "djongo"
    sqlite_results = None
    if args.compare:
        sqlite_results = run_apps(args.apps, "sqlite", args)
    results = run_apps(args.apps, primary, args)

    if sqlite_results is not None:
        print_table(sqlite_results, "SQLite")
    print_table(results, BACKEND_LABEL[primary])
    if args.verbose or args.failures:
        chosen = results if args.verbose else {a: results[a] for a in args.failures}
        print_failures(chosen, args.traceback)
    if args.causes:
        print_causes(results)
    if sqlite_results is not None:
        print_comparison(sqlite_results, results)
    status = 0
    if args.write_baseline:
        write_baseline(results)
    elif args.ci and not check_baseline(results):
        # A timing-sensitive test can fail once; run the apps below their
        # baseline again, and fail only if they stay below it.
        below = [app for app in results if below_baseline(app, results[app])]
        print(f"\nRunning again: {', '.join(below)}", flush=True)
        results.update(run_apps(below, primary, args))
        if not check_baseline(results):
            status = 1
    passed = sum(r.passed for r in results.values())
    failed = sum(r.failed for r in results.values())
    if args.ci:
        # In CI the baseline decides; known failures are not a CI failure.
        verdict = "baseline met" if status == 0 else "baseline NOT met"
        print(
            f"\nDjango suite, CI subset: {passed} tests passed ({failed} known failures); {verdict}"
        )
    else:
        print(f"\n{passed} passed, {failed} failed")
    return status


if __name__ == "__main__":
    sys.exit(main())
