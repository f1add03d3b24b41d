"""Exception hierarchy of the statistics package.

Every error raised on purpose by ``analysis`` derives from :class:`AnalysisError`,
so callers (the web app, the CLI) can catch one class and show its message.
"""


class AnalysisError(Exception):
    """Base class of all errors raised by the statistics package."""


class DesignError(AnalysisError):
    """The sampling design, weights or their inputs are invalid."""


class LonelyPSUError(DesignError):
    """A stratum holds a single primary sampling unit, so its variance is undefined."""


class ConvergenceError(AnalysisError):
    """An iterative algorithm did not converge within its iteration limit."""
