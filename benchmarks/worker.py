"""One benchmark process: Django on one backend, and raw pymongo beside it.

Started by ``benchmarks.run`` as ``python -m benchmarks.worker BACKEND``
with the server's URI in ``BENCH_MONGODB_URI``; it reads one JSON command
per line on stdin and answers each with one JSON line on stdout:

* ``{"cmd": "setup", "rows": N}``: create the tables and N entries through
  the ORM, and the same data in a raw database; answer the versions.
* ``{"cmd": "run", "op": NAME, "reps": K}``: run the operation K times
  through the ORM and K times through pymongo, alternating; answer the
  mean client CPU and wall time per call of each.
* ``{"cmd": "profile", "op": NAME, "factor": F}``: the layer split of the
  ORM side from a sampling profiler (benchmarks.layers), with the number
  of samples it rests on.
* ``{"cmd": "grow", "rows": N}``: add entries up to N (the scale side).
* ``{"cmd": "scale", "op": NAME, "reps": K}``: like run, for the scale
  operations (the raw side reads the ORM's own collections).

Client CPU is ``time.process_time()`` of this process: the server runs in
a process of its own, so its work shows only in the wall time.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import sys
import time

BACKENDS = ("djongo_app", "sqlite", "dmb")


def configure(backend, uri):
    import django
    from django.conf import settings

    if backend == "djongo_app":
        database = {"ENGINE": "djongo_app", "NAME": "bench_djongo_app", "HOST": uri}
        auto_field = "django.db.models.AutoField"
    elif backend == "dmb":
        database = {"ENGINE": "django_mongodb_backend", "NAME": "bench_dmb", "HOST": uri}
        auto_field = "django_mongodb_backend.fields.ObjectIdAutoField"
    else:
        database = {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
        auto_field = "django.db.models.AutoField"
    settings.configure(
        BENCH_BACKEND=backend,
        DEBUG=False,
        SECRET_KEY="benchmark",
        USE_TZ=True,
        TIME_ZONE="UTC",
        DATABASES={"default": database},
        DEFAULT_AUTO_FIELD=auto_field,
        INSTALLED_APPS=[
            "django.contrib.admin",
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.messages",
            "benchmarks.benchapp",
        ],
        ROOT_URLCONF="benchmarks.benchapp.urls",
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "APP_DIRS": True,
                "OPTIONS": {
                    "context_processors": [
                        "django.template.context_processors.request",
                        "django.contrib.auth.context_processors.auth",
                        "django.contrib.messages.context_processors.messages",
                    ]
                },
            }
        ],
        LOGGING_CONFIG=None,
    )
    django.setup()


def create_tables():
    from django.apps import apps
    from django.db import connection

    models = apps.get_app_config("benchapp").get_models()
    with connection.schema_editor() as editor:
        for model in models:
            editor.create_model(model)


def versions(backend, client):
    import django
    import pymongo

    found = {
        "python": platform.python_version(),
        "django": django.get_version(),
        "pymongo": pymongo.version,
        "server": client.server_info().get("version", "?"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {cpu_model()}",
    }
    if backend == "djongo_app":
        import djongo_app

        found["backend"] = f"djongo_app {djongo_app.__version__}"
    elif backend == "dmb":
        import django_mongodb_backend

        found["backend"] = f"django-mongodb-backend {django_mongodb_backend.__version__}"
    else:
        import sqlite3

        found["backend"] = f"SQLite {sqlite3.sqlite_version}"
    return found


def cpu_model():
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def timed_pair(operation, reps, start=0):
    """Alternate ORM and raw calls; return mean CPU and wall per call."""
    totals = {"orm_cpu": 0.0, "orm_wall": 0.0, "raw_cpu": 0.0, "raw_wall": 0.0}
    process_time, perf_counter = time.process_time, time.perf_counter
    for i in range(start, start + reps):
        if operation.setup is not None:
            operation.setup(i)
        gc.collect()
        sides = (("orm", operation.orm), ("raw", operation.raw))
        if i % 2:
            sides = sides[::-1]
        for side, call in sides:
            cpu, wall = process_time(), perf_counter()
            call(i)
            totals[f"{side}_wall"] += perf_counter() - wall
            totals[f"{side}_cpu"] += process_time() - cpu
    if operation.cleanup is not None:
        operation.cleanup()
    return {key: value / reps for key, value in totals.items()}


def main():
    backend = sys.argv[1]
    uri = os.environ["BENCH_MONGODB_URI"]
    configure(backend, uri)
    from django.db import NotSupportedError
    from pymongo import MongoClient

    from . import layers
    from .scale import ScaleWorkload
    from .workload import Workload

    client = MongoClient(uri)
    raw_db = client[f"bench_raw_{backend}"]
    if backend != "sqlite":
        client.drop_database(f"bench_{backend}")
    workload = operations = scale = None
    round_index = {}
    for line in sys.stdin:
        command = json.loads(line)
        cmd = command["cmd"]
        if cmd == "setup":
            create_tables()
            workload = Workload(raw_db, command["rows"])
            workload.populate()
            operations = {op.name: op for op in workload.operations()}
            answer = {"versions": versions(backend, client), "operations": list(operations)}
            answer["applicable"] = [
                name
                for name, op in operations.items()
                if op.backends is None or backend in op.backends
            ]
        elif cmd == "run":
            operation = operations[command["op"]]
            start = round_index.get(operation.name, 0)
            reps = max(1, round(operation.reps * command.get("factor", 1)))
            round_index[operation.name] = start + reps
            try:
                answer = timed_pair(operation, reps, start)
            except NotSupportedError as exc:
                # The backend refuses the operation (an answer, not a crash).
                answer = {"unsupported": str(exc)}
        elif cmd == "profile":
            # The layer split from a sampling profiler (benchmarks.layers).
            operation = operations[command["op"]]
            factor = command.get("factor", 1)
            reps = max(1, round(min(operation.reps, 10) * factor))
            split, samples = layers.sample(
                operation.orm,
                reps,
                setup=operation.setup,
                cleanup=operation.cleanup,
                first=10_000,
                min_cpu=2.0 * factor,
                max_wall=8.0 * factor,
            )
            answer = {**split, "samples": samples}
            if operation.cleanup is not None:
                operation.cleanup()
        elif cmd == "grow":
            scale = scale or ScaleWorkload(workload, client, backend)
            started = time.perf_counter()
            cpu = time.process_time()
            scale.grow(command["rows"])
            answer = {"wall": time.perf_counter() - started, "cpu": time.process_time() - cpu}
        elif cmd == "scale":
            scale = scale or ScaleWorkload(workload, client, backend)
            operation = scale.operations()[command["op"]]
            answer = timed_pair(operation, command["reps"])
        elif cmd == "quit":
            break
        else:
            answer = {"error": f"unknown command {cmd!r}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
