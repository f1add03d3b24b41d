"""Benchmarks: run one as ``python bench/<name>.py`` or ``python -m bench.<name>`` (not part of the tests)."""
