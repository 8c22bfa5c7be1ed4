"""A runner for Qt-free model tests: it keeps every job, and the test decides when and in which order they finish."""


class ManualRunner:
    """Keeps every job; the test decides when (and in which order) they finish."""

    closed = False

    def __init__(self):
        self.jobs = []

    @property
    def busy(self):
        return bool(self.jobs)

    def runs_here(self, voxels):
        return False

    def submit(self, function, done, failed, *, voxels=None):
        self.jobs.append((function, done, failed))

    def finish(self, index=0):
        function, done, failed = self.jobs.pop(index)
        try:
            result = function()
        except Exception as error:
            failed(error)
            return
        done(result)

    def finish_all(self):
        """Finish the newest job until none is left, with the jobs that finishing submits."""
        while self.jobs:
            self.finish(-1)

    def close(self):
        self.closed = True
        self.jobs.clear()
