"""The one error type of the pipeline: which document failed, at which stage, and why."""


class IngestError(Exception):
    """A document could not go through a stage. Recorded in `ingest_error`; the batch goes on."""

    def __init__(self, source: str, stage: str, reason: str):
        super().__init__(f"{source}: {stage}: {reason}")
        self.source, self.stage, self.reason = source, stage, reason

    def __reduce__(self):  # pickled between Dagster steps and worker processes
        return type(self), (self.source, self.stage, self.reason)


def internal_error(source: str, stage: str, error: BaseException) -> IngestError:
    """An exception we did not expect at a stage: a bug of ours, recorded as such, never blamed on the file."""
    text = str(error).splitlines()[0][:300] if str(error) else ""
    return IngestError(source, stage, f"internal error ({type(error).__name__}{': ' + text if text else ''}); "
                                      "the document is kept, please report it")
