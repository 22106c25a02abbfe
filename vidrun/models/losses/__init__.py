"""Losses, registered in `LOSSES`."""
from vidrun.models.losses.cross_entropy import BCELossWithLogits, CrossEntropyLoss

__all__ = ["BCELossWithLogits", "CrossEntropyLoss"]
