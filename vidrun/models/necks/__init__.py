"""Necks: modules between a backbone and a head (feature pyramids), registered in `NECKS`."""
from vidrun.models.necks.tpn import TPN

__all__ = ["TPN"]
