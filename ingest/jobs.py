"""Jobs the CLI and the app share, so each is written once: re-index (ingest, calibrate a new
store's gate, record the run for the coach's workspace)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ingest.pipeline import Ingestor, IngestReport, Progress, calibrate_if_needed
from rag.answering.calibration import Calibration, calibration_path
from rag.appdata.db import Database, open_database
from rag.errors import HubqaError


@dataclass
class Reindexed:
    report: IngestReport
    #: The gate's first calibration, when this run made one (a store's first ingestion).
    calibration: Calibration | None = None
    #: Why the run could not be recorded (the index is up to date either way).
    not_recorded: str | None = None


def will_calibrate(ingestor: Ingestor) -> bool:
    """Whether a run that indexes documents will also calibrate the gate (it takes ~30 s)."""
    return ingestor.settings.auto_calibrate and not calibration_path(ingestor.settings).exists()


def reindex(
    ingestor: Ingestor,
    paths: list[Path],
    progress: Progress | None = None,
    calibrating: Callable[[int, int], None] | None = None,
    user: str | None = None,
    database: Database | None = None,
) -> Reindexed:
    """Index ``paths``; calibrate the gate after a store's first ingestion; record the run (with its
    skipped files) for the coach's workspace. A failure to record is reported, not raised."""
    report = ingestor.run(paths, progress)
    done = Reindexed(report, calibrate_if_needed(ingestor, report, calibrating))
    try:
        (database or open_database(ingestor.settings)).record_ingest([str(p) for p in paths], report.to_dict(), user)
    except HubqaError as e:
        done.not_recorded = str(e)
    return done
