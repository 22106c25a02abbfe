"""Progress bars for the long operations that write no log line of their own: testing, evaluation during
training, generating the demo set. A bar is drawn on stderr only where someone watches it: on a terminal and
by rank 0, so that log files, CI output and the other ranks of a distributed run stay clean."""
from __future__ import annotations

import sys
from typing import TextIO

from tqdm import tqdm

from vidrun.utils.dist import get_dist_info


def shows_progress(stream: TextIO) -> bool:
    """Whether a bar on `stream` would be drawn: the stream is a terminal and this process is rank 0."""
    isatty = getattr(stream, "isatty", None)
    return get_dist_info()[0] == 0 and callable(isatty) and bool(isatty())


def progress_bar(total: int, desc: str, unit: str = "it", stream: TextIO | None = None,
                 enabled: bool = True) -> tqdm:
    """A tqdm bar over `total` items on `stream` (stderr by default), disabled (all its calls do nothing)
    unless `enabled` and `shows_progress(stream)`. It is erased when closed: a summary or a log line follows."""
    stream = stream if stream is not None else sys.stderr
    return tqdm(total=total, desc=desc, unit=unit, file=stream, leave=False,
                disable=not (enabled and shows_progress(stream)))
