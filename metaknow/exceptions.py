"""The one exception hierarchy of metaknow.

Every error a user can cause derives from :class:`MetaknowError`; the CLI prints
its message on one line and exits non-zero, never with a traceback.
"""

from __future__ import annotations


class MetaknowError(Exception):
    """Root of every error metaknow raises on purpose."""


class DataError(MetaknowError, ValueError):
    """The input data cannot be read or is unusable (file, format, target, values)."""


class SpaceError(MetaknowError, ValueError):
    """A search space or a configuration is invalid (unknown space, illegal value)."""


class RepositoryError(MetaknowError):
    """The store of prior evaluations is missing, corrupt, foreign or lacks something."""


class RecommendError(MetaknowError):
    """A recommendation cannot be made (unknown strategy, no usable prior tasks)."""


class TuneError(MetaknowError):
    """Tuning cannot start or go on (bad budget, unusable output folder)."""
