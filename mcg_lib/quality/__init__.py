"""Data-quality checks over the Parquet catalog, and their JSON and HTML report."""

from mcg_lib.quality.checks import Check, run_checks

__all__ = ["Check", "run_checks"]
