"""The registry of runners (`runner=dict(type='EpochBasedRunner', ...)`)."""
from vidrun.registry import Registry

RUNNERS = Registry("RUNNERS")
