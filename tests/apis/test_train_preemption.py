"""`train_model` gives every run a PreemptionHook for SIGTERM and SIGUSR1 unless the config's `preemption` says
otherwise."""
import signal

from vidrun.apis.train import _preemption_hook
from vidrun.config import Config


def test_preemption_is_on_by_default_and_the_config_chooses_the_signals():
    default = _preemption_hook(Config({}))
    assert default.stop.signals == [signal.SIGTERM, signal.SIGUSR1]
    chosen = _preemption_hook(Config({"preemption": dict(signals=["SIGUSR2"])}))
    assert chosen.stop.signals == [signal.SIGUSR2]
    assert _preemption_hook(Config({"preemption": None})) is None
    assert _preemption_hook(Config({"preemption": dict(signals=[])})) is None
