"""Seeding every random generator a run draws from, and the deterministic switches of cuDNN."""
from __future__ import annotations

import os
import random

from vidrun.utils.dist import get_dist_info


def set_random_seed(seed: int, deterministic: bool = False, use_rank_shift: bool = False) -> None:
    """Seed Python's, NumPy's and torch's generators (every device). `deterministic=True` also makes cuDNN
    pick deterministic algorithms and turns off its benchmark mode (slower, reproducible on a GPU).
    `use_rank_shift=True` seeds each process with `seed + rank` (mmcv's argument)."""
    import numpy as np  # imported here, as in every module `vidrun.utils` loads, so that the command line
    import torch  # parses its arguments without paying for them

    if use_rank_shift:
        seed += get_dist_info()[0]
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    if deterministic:
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False


def init_random_seed(seed: int | None = None) -> int:
    """`seed`, or a fresh random one when None (logged and stored, so the run can be repeated)."""
    if seed is not None:
        return int(seed)
    import numpy as np

    return int(np.random.SeedSequence().generate_state(1)[0] & 0x7FFFFFFF)
