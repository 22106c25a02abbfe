"""`LoaderCursor`: reads a data loader pass after pass and can recreate any position of it exactly."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from vidrun.runner.rng import capture_rng, restore_rng


class LoaderCursor:
    """A data loader read pass by pass, remembering what recreates the current position.

    To resume at batch `k` of a pass, a loader whose sampler can start anywhere (`start_at`, as
    `build_dataloader`'s `EpochSampler`: its order and every sample's random state come from the seed, the
    epoch and the index alone) starts the pass at sample `k · batch_size`: nothing before it is read again.
    Any other loader's order (shuffling, worker seeds) is drawn from the global random generators when its
    iterator is created, so the cursor records their state at that moment, restores it, creates the iterator
    again and replays `k` batches: the same samples with the same augmentations, at the cost of loading them
    (no model step runs). Either way the random generators are left as they were found.
    """

    def __init__(self, loader: Any):
        self.loader = loader
        self.passes = 0          # passes completed
        self.position = 0        # batches handed out in the current pass
        self._pass_rng: dict | None = None
        self._iterator: Iterator | None = None
        self._pending: dict | None = None

    def __len__(self) -> int:
        return len(self.loader)

    @property
    def global_batch(self) -> int | None:
        """The samples one step reads over all processes: the batch size times the `DistributedSampler`'s
        number of processes; None for a loader without a fixed batch size."""
        batch_size = getattr(self.loader, "batch_size", None)
        if batch_size is None:
            return None
        return batch_size * getattr(getattr(self.loader, "sampler", None), "num_replicas", 1)

    def _start_pass(self) -> None:
        sampler = getattr(self.loader, "sampler", None)
        if hasattr(sampler, "set_epoch"):
            sampler.set_epoch(self.passes)
        state, self._pending = self._pending, None
        self.position = 0 if state is None else state["position"]
        if state is None or hasattr(sampler, "start_at"):
            self._pass_rng = capture_rng() if state is None else state["pass_rng"]
            if self.position:
                sampler.start_at(min(self.position * self.loader.batch_size, len(sampler)))
            self._iterator = iter(self.loader)
            return
        now = capture_rng()
        self._pass_rng = state["pass_rng"]
        restore_rng(self._pass_rng)
        self._iterator = iter(self.loader)
        for _ in range(self.position):
            next(self._iterator)
        restore_rng(now)

    def next_batch(self) -> Any:
        """The next batch, starting a new pass when the current one is exhausted (an endless stream)."""
        while True:
            batch = self._next_in_pass()
            if batch is not _END:
                return batch
            if self.position == 0:
                raise ValueError("the data loader yields no batch: is the dataset empty?")

    def one_pass(self) -> Iterator[Any]:
        """The remaining batches of the current pass (all of a new one)."""
        while (batch := self._next_in_pass()) is not _END:
            yield batch

    def _next_in_pass(self) -> Any:
        if self._iterator is None:
            self._start_pass()
        try:
            batch = next(self._iterator)
        except StopIteration:
            self.passes += 1
            self._iterator = None
            return _END
        self.position += 1
        return batch

    def state_dict(self) -> dict:
        """What recreates the current position; mid-pass it includes the generators' state at pass start."""
        if self._iterator is None and self._pending is not None:
            return dict(self._pending)
        mid_pass = self._iterator is not None
        return {"passes": self.passes, "position": self.position if mid_pass else 0,
                "pass_rng": self._pass_rng if mid_pass else None}

    def load_state_dict(self, state: dict) -> None:
        self.passes = state["passes"]
        self._iterator = None
        self.position = 0
        self._pending = state if state.get("pass_rng") is not None else None


def rescale_position(state: dict, saved_batch: int | None, cursor: LoaderCursor) -> dict:
    """A cursor state saved when a step read `saved_batch` samples over all processes, for `cursor`, whose
    steps read another number (another number of processes, or another batch size): a position of `k` steps
    becomes `k · saved_batch // cursor.global_batch` (at most the pass's length), as far into the pass.

    Between two runs of several processes, whose `DistributedSampler`s deal one permutation (from the seed and
    the epoch) to the processes in turn, the samples read together are a prefix of it: the resumed pass skips
    none of the unread samples and reads fewer than one global batch again. `build_dataloader`'s sampler deals
    the same order to one process as to several, so this holds to and from one process too; with other
    loaders (a single-process `DataLoader` shuffles in another order) only the fraction of the pass carries
    over."""
    batch = cursor.global_batch
    if saved_batch is None or batch is None or saved_batch == batch or not state.get("position"):
        return state
    return dict(state, position=min(state["position"] * saved_batch // batch, len(cursor)))


_END = object()
