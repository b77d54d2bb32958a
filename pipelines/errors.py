"""The one error type of the pipeline: which document failed, at which stage, and why."""


class IngestError(Exception):
    """A document could not go through a stage. Recorded in `ingest_error`; the batch goes on."""

    def __init__(self, source: str, stage: str, reason: str):
        super().__init__(f"{source}: {stage}: {reason}")
        self.source, self.stage, self.reason = source, stage, reason

    def __reduce__(self):  # pickled between Dagster steps and worker processes
        return type(self), (self.source, self.stage, self.reason)
