"""Benchmarks that compare Werkplaats against a baseline measured in the same run."""
