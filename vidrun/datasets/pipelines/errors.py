"""`VideoReadError`: a video that cannot be opened or decoded, naming the file and the frame."""
from __future__ import annotations


class VideoReadError(RuntimeError):
    """A video file (or frame folder) that cannot be read. `path` and, where known, `frame` say where."""

    def __init__(self, path: str, reason: str, frame: int | None = None):
        self.path = str(path)
        self.frame = frame
        self.reason = reason
        where = self.path if frame is None else f"{self.path}, frame {frame}"
        super().__init__(f"{where}: {reason}")

    def __reduce__(self):  # data loader workers send errors to the main process by pickling them
        return type(self), (self.path, self.reason, self.frame)
