"""The benchmark command runs end to end with tiny sizes (issue 14).

Only that it runs and reports every operation is checked here: speed
targets live in benchmarks/ and docs/performance.md, not in tests.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from djongo_app.testing import server_uri

ROOT = Path(__file__).resolve().parents[2]


def test_benchmark_runs_with_tiny_sizes(tmp_path):
    figures = tmp_path / "figures.json"
    command = [
        sys.executable,
        "-m",
        "benchmarks",
        "--rows=40",
        "--rounds=2",
        "--processes=2",
        "--reps=0.05",
        "--scale=80",
        "--scale-rounds=1",
        "--scale-reps=1",
        "--backends=djongo_app,sqlite",
        f"--json={figures}",
    ]
    env = {**os.environ, "MONGODB_URI": server_uri()}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(figures.read_text())
    timings = report["timings"]
    assert set(timings["get(pk=)"]) == {"djongo_app", "sqlite"}
    assert set(timings["prefetch_related ArrayReferenceField [:20]"]) == {"djongo_app"}
    # A round in each of the two processes per backend.
    for operation, backends in timings.items():
        for backend, cell in backends.items():
            assert len(cell["orm_cpu"]) == len(cell["raw_cpu"]) == 2, (operation, backend)
    assert set(timings["delete() with its cascade in a transaction"]) == {"djongo_app", "sqlite"}
    assert set(report["layers"]["get(pk=)"]["djongo_app"]) == {
        "samples",
        "django",
        "backend",
        "driver",
        "other",
    }
    assert set(report["scale"]["Blog annotate(Count(entry))[:20]"]["djongo_app"]) >= {
        "40:orm_wall",
        "80:orm_wall",
    }
    assert "| get(pk=) |" in result.stdout


def test_key_layout_benchmark_runs():
    """benchmarks/bench_key_layout.py times each layout once."""
    command = [sys.executable, "benchmarks/bench_key_layout.py", "--batches=1", "--rounds=1"]
    env = {**os.environ, "MONGODB_URI": server_uri()}
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    rows = [line for line in result.stdout.splitlines() if line.startswith("| key in")]
    assert len(rows) == 3, result.stdout
    assert all(row.endswith(" ms |") for row in rows), rows


def test_validator_benchmark_runs():
    """benchmarks/bench_validator.py times the entries' collection with and
    without the validator the schema editor gives it."""
    command = [sys.executable, "benchmarks/bench_validator.py", "--batches=1", "--rounds=1"]
    env = {**os.environ, "MONGODB_URI": server_uri()}
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "requires: blog_id, body, editors, headline, n_comments" in result.stdout
    rows = [line for line in result.stdout.splitlines() if line.startswith("| ")][1:]
    assert [row.split(" | ")[0] for row in rows] == [
        "| no validator (django-mongodb-backend)",
        "| djongo_app's (required keys)",
        "| a null check per column as well",
    ], result.stdout
    assert all(row.endswith(" ms |") for row in rows), rows
