"""`get_logger`: console and work-dir file logging that behaves under several processes.

Only rank 0 writes the log file and informational console lines; the other ranks log errors only, so an
N-process run prints each line once and any rank's failure still shows.
"""
from __future__ import annotations

import logging
import os
import sys

from vidrun.utils.dist import get_dist_info

LOG_FORMAT = "%(asctime)s - %(name)s - %(levelname)s - %(message)s"


def get_logger(name: str = "vidrun", log_file: str | os.PathLike | None = None,
               log_level: int | str = logging.INFO, file_mode: str = "w") -> logging.Logger:
    """The logger `name`, with one console handler and, on rank 0 when `log_file` is given, one file handler.

    Calling it again with another `log_file` moves the file handler there (a second run in the same process
    logs to its own work dir); calling it without one keeps the current handlers. `log_level` may be a name
    (`'INFO'`) or a number. The logger does not propagate to the root logger, so lines are never doubled.
    """
    logger = logging.getLogger(name)
    logger.propagate = False
    rank, _ = get_dist_info()
    level = logging.getLevelName(log_level.upper()) if isinstance(log_level, str) else log_level
    if not isinstance(level, int):
        raise ValueError(f"log_level: unknown level {log_level!r}; use DEBUG, INFO, WARNING, ERROR or CRITICAL")
    formatter = logging.Formatter(LOG_FORMAT)
    if not any(getattr(h, "_vidrun_console", False) for h in logger.handlers):
        console = logging.StreamHandler(sys.stderr)
        console._vidrun_console = True  # type: ignore[attr-defined]
        console.setFormatter(formatter)
        logger.addHandler(console)
    if log_file is not None and rank == 0:
        _replace_file_handler(logger, os.fspath(log_file), file_mode, formatter)
    logger.setLevel(level if rank == 0 else logging.ERROR)
    return logger


def _replace_file_handler(logger: logging.Logger, path: str, mode: str, formatter: logging.Formatter) -> None:
    for handler in [h for h in logger.handlers if isinstance(h, logging.FileHandler)]:
        if os.path.abspath(handler.baseFilename) == os.path.abspath(path):
            return
        logger.removeHandler(handler)
        handler.close()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    handler = logging.FileHandler(path, mode)
    handler.setFormatter(formatter)
    logger.addHandler(handler)
