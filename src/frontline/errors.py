"""Error types shared by every part of frontline.

The CLI maps them to exit codes: `InputError` -> 2 (bad usage or bad input), `JobError` -> 1 (the job
failed). Messages are one line that says which file or value is wrong and what to do about it.
"""

from __future__ import annotations

__all__ = ["FrontlineError", "InputError", "JobError"]


class FrontlineError(Exception):
    """Base class of every error frontline raises on purpose."""

    exit_code = 1


class InputError(FrontlineError, ValueError):
    """The user gave something unusable: a missing or corrupt file, a value out of range."""

    exit_code = 2


class JobError(FrontlineError, RuntimeError):
    """The job ran but could not produce its result."""

    exit_code = 1
