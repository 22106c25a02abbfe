"""Progress bars are drawn on a terminal by rank 0 only."""
import io
import os
import select

import pytest

from vidrun.utils.progress import progress_bar, shows_progress


class Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.fixture
def rank(monkeypatch):
    def set_rank(value):
        monkeypatch.setenv("RANK", str(value))
        monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.delenv("RANK", raising=False)
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    return set_rank


def read_all(fd: int) -> str:
    """Everything written to the pty so far: one read may return only the first of tqdm's writes."""
    chunks = []
    while select.select([fd], [], [], 0.2)[0]:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the other side is closed and drained
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode()


def test_a_bar_is_drawn_on_a_terminal(rank):
    master, slave = os.openpty()
    with os.fdopen(slave, "w") as terminal:
        assert shows_progress(terminal)
        with progress_bar(3, "test", "video", terminal) as bar:
            bar.update(2)
            bar.refresh()  # tqdm redraws at most every 0.1 s by itself
    drawn = read_all(master)
    os.close(master)
    assert "test:" in drawn and "2/3" in drawn and drawn.endswith("\r")  # erased when done


def test_no_bar_in_a_file_or_a_pipe(rank):
    stream = io.StringIO()
    with progress_bar(3, "test", "video", stream) as bar:
        bar.update(3)
    assert bar.disable and stream.getvalue() == ""


def test_no_bar_on_other_ranks_or_when_not_enabled(rank):
    stream = Terminal()
    with progress_bar(3, "test", "video", stream, enabled=False) as bar:
        bar.update(1)
    assert bar.disable and stream.getvalue() == ""
    rank(1)
    with progress_bar(3, "test", "video", stream) as bar:
        bar.update(1)
    assert bar.disable and stream.getvalue() == ""
    rank(0)
    assert shows_progress(stream)
