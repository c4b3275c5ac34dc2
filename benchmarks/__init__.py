"""Benchmarks of djongo_app against raw pymongo (``python -m benchmarks``)."""
