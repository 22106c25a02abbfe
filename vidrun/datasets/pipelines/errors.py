"""`VideoReadError`: a video that cannot be opened or decoded, naming the file and the frame."""
from __future__ import annotations


class VideoReadError(RuntimeError):
    """A video file (or frame folder) that cannot be read. `path` and, where known, `frame` say where."""

    def __init__(self, path: str, reason: str | None = None, frame: int | None = None):
        if reason is None:
            # Rebuilt from a message alone: a data loader worker's error re-raised in the main process (torch
            # passes only the formatted text, which still names the file), so the type survives.
            self.path, self.frame, self.reason = None, None, path
            super().__init__(path)
            return
        self.path = str(path)
        self.frame = frame
        self.reason = reason
        where = self.path if frame is None else f"{self.path}, frame {frame}"
        super().__init__(f"{where}: {reason}")

    def __reduce__(self):  # pickling keeps the parts, not only the message
        args = (self.path, self.reason, self.frame) if self.path is not None else (self.reason,)
        return type(self), args
