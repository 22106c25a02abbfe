"""Re-raising an exception with context while keeping its type, so callers' `except` clauses still match."""
from __future__ import annotations


def with_context(error: Exception, message: str) -> Exception:
    """A new exception of `error`'s type carrying `message` (the caller raises it `from error`).

    Exception types whose constructor takes other arguments cannot be rebuilt from a message; for those a
    `RuntimeError` carries the message instead.
    """
    try:
        return type(error)(message)
    except Exception:  # noqa: BLE001 - any failure to rebuild the type falls back to RuntimeError
        return RuntimeError(message)
