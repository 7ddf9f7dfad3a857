"""Benchmarks of StyleSprint Assist: `python -m bench.latency`, `bench.slack_load`,
`bench.ingest`, `bench.retrain` (and `bench.speed_gate`, the F1 check for speed options).

Each prints a table and, with `--out FILE.json`, writes its figures with the machine
and the settings they were taken under. None of them is a test: the numbers depend on
the machine and on what else runs on it (see docs/benchmarks.md).
"""
