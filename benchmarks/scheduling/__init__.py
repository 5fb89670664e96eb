"""``werkplaats bench scheduling``: conflict checks in memory vs PostgreSQL, and the scheduler on a broker."""

from benchmarks.scheduling.agenda import SizeResult, run_agenda_benchmark
from benchmarks.scheduling.pipeline import PipelineResult, run_pipeline
from benchmarks.scheduling.tables import agenda_markdown, pipeline_markdown

__all__ = [
    "PipelineResult",
    "SizeResult",
    "agenda_markdown",
    "pipeline_markdown",
    "run_agenda_benchmark",
    "run_pipeline",
]
