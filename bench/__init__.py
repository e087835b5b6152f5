"""Benchmarks of cnnregions: scripts that print and write figures, never assert on time.

Run them from the repository root as modules, e.g. ``python -m bench.bench_count --quick``;
shared helpers (:mod:`bench.naive_dfs`, the naive reference search) are imported as
``bench.*`` modules, with no ``sys.path`` changes.
"""
