"""The benchmark's models, defined for the backend the process runs
(``settings.BENCH_BACKEND``): the same tables everywhere, with each
backend's own fields for what MongoDB stores natively."""
