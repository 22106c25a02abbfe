"""Real video files for the data tests, written with PyAV by the tests themselves."""
import numpy as np
import pytest

from vidrun.datasets.video_writer import write_video

# Codecs whose round trip is exact for RGB frames: the returned pixels must equal the encoded ones.
LOSSLESS = [("huffyuv.avi", "huffyuv", "rgb24", {}),
            ("x264rgb.mp4", "libx264rgb", "rgb24", {"qp": "0"}),   # H.264 with B-frames and a GOP: seeks matter
            ("ffv1.mkv", "ffv1", "bgr0", {})]
# Lossy codecs: each returned frame must be nearest to the frame that was encoded at that index.
LOSSY = [("h264.mp4", "libx264", None, {}), ("mpeg4.avi", "mpeg4", None, {"qscale": "2"}),
         ("mjpeg.avi", "mjpeg", None, {}), ("vp9.webm", "libvpx-vp9", None, {})]


def noise_frames(count, height=32, width=48, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, (height, width, 3), dtype=np.uint8) for _ in range(count)]


def moving_block_frames(count, height=48, width=64):
    """Smooth frames that lossy codecs keep recognisable: a bright block whose place and colour encode i."""
    frames = []
    for i in range(count):
        frame = np.full((height, width, 3), 40, np.uint8)
        x, y = (i * 7) % (width - 12), (i * 5) % (height - 12)
        frame[y:y + 12, x:x + 12] = (200, (i * 37) % 200 + 40, 255 - (i * 11) % 200)
        frames.append(frame)
    return frames


def nearest(frame, originals):
    errors = [np.abs(frame.astype(int) - o.astype(int)).mean() for o in originals]
    return int(np.argmin(errors))


@pytest.fixture
def make_video(tmp_path):
    """make_video(name, frames, codec=..., pix_fmt=..., options=..., gop_size=..., timestamps=...) -> path."""
    def make(name, frames, **kwargs):
        return str(write_video(tmp_path / name, frames, **kwargs))
    return make


@pytest.fixture
def helpers():
    return dict(noise_frames=noise_frames, moving_block_frames=moving_block_frames, nearest=nearest,
                LOSSLESS=LOSSLESS, LOSSY=LOSSY)
