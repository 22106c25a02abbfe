"""The registries of runners (`runner=dict(type='EpochBasedRunner', ...)`) and of runner constructors
(`runner=dict(constructor=...)`)."""
from vidrun.registry import Registry

RUNNERS = Registry("RUNNERS")
RUNNER_BUILDERS = Registry("RUNNER_BUILDERS")
