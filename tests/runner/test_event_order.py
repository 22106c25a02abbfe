"""Golden tests: the exact sequence of hook events, with (epoch, iter, inner_iter) at each."""
import torch

from vidrun.runner import EVENTS, EpochBasedRunner, Hook, IterBasedRunner


class Recorder(Hook):
    def __init__(self):
        self.calls = []


for _event in EVENTS:
    setattr(Recorder, _event,
            lambda self, runner, _e=_event: self.calls.append((_e, runner.epoch, runner.iter, runner.inner_iter)))


def train_iters(epoch, first_iter, count):
    calls = []
    for inner in range(count):
        place = (epoch, first_iter + inner, inner)
        calls += [("before_train_iter", *place), ("after_train_iter", *place)]
    return calls


def val_iters(epoch, iteration, count, first_inner=0):
    calls = []
    for inner in range(first_inner, first_inner + count):
        calls += [("before_val_iter", epoch, iteration, inner), ("after_val_iter", epoch, iteration, inner)]
    return calls


def test_epoch_based_train_then_val_for_two_epochs(toy_model, make_loader, quiet_logger, tmp_path):
    optimizer = torch.optim.SGD(toy_model.parameters(), lr=0.1)
    runner = EpochBasedRunner(toy_model, optimizer, str(tmp_path), quiet_logger, max_epochs=2)
    recorder = Recorder()
    runner.register_hook(recorder)
    train, val = make_loader(size=12), make_loader(size=8, shuffle=False)  # 3 and 2 batches
    runner.run([train, val], [("train", 1), ("val", 1)])

    expected = [("before_run", 0, 0, 0), ("before_train_epoch", 0, 0, 0)]
    expected += train_iters(0, 0, 3)
    expected += [("after_train_epoch", 0, 3, 2), ("before_val_epoch", 1, 3, 2)]
    expected += val_iters(1, 3, 2)
    expected += [("after_val_epoch", 1, 3, 1), ("before_train_epoch", 1, 3, 1)]
    expected += train_iters(1, 3, 3)
    expected += [("after_train_epoch", 1, 6, 2), ("before_val_epoch", 2, 6, 2)]
    expected += val_iters(2, 6, 2)
    expected += [("after_val_epoch", 2, 6, 1), ("after_run", 2, 6, 1)]
    assert recorder.calls == expected


def test_iter_based_three_train_one_val(toy_model, make_loader, quiet_logger, tmp_path):
    optimizer = torch.optim.SGD(toy_model.parameters(), lr=0.1)
    runner = IterBasedRunner(toy_model, optimizer, str(tmp_path), quiet_logger, max_iters=6)
    recorder = Recorder()
    runner.register_hook(recorder)
    train, val = make_loader(size=8), make_loader(size=8, shuffle=False)  # 2 batches a pass
    runner.run([train, val], [("train", 3), ("val", 1)])

    # `epoch` is the index of the train pass the batch comes from; `inner_iter` counts within a workflow entry.
    expected = [("before_run", 0, 0, 0)]
    expected += [("before_train_iter", 0, 0, 0), ("after_train_iter", 0, 0, 0),
                 ("before_train_iter", 0, 1, 1), ("after_train_iter", 0, 1, 1),
                 ("before_train_iter", 1, 2, 2), ("after_train_iter", 1, 2, 2)]
    expected += val_iters(1, 3, 1)
    expected += [("before_train_iter", 1, 3, 0), ("after_train_iter", 1, 3, 0),
                 ("before_train_iter", 2, 4, 1), ("after_train_iter", 2, 4, 1),
                 ("before_train_iter", 2, 5, 2), ("after_train_iter", 2, 5, 2)]
    expected += val_iters(2, 6, 1)
    expected += [("after_run", 2, 6, 0)]
    assert recorder.calls == expected


def test_generic_events_fire_for_both_modes_like_the_tutorials_hook(toy_model, make_loader, quiet_logger):
    class MyHook(Hook):
        def __init__(self):
            self.seen = []

        def before_epoch(self, runner):
            self.seen.append(("before_epoch", runner.mode))

        def after_iter(self, runner):
            self.seen.append(("after_iter", runner.mode))

    hook = MyHook()
    assert hook.triggered_events() == ["before_train_epoch", "after_train_iter", "before_val_epoch",
                                       "after_val_iter"]
    runner = EpochBasedRunner(toy_model, None, None, quiet_logger, max_epochs=1)
    runner.register_hook(hook)
    runner.run([make_loader(size=4), make_loader(size=4)], [("train", 1), ("val", 1)])
    assert hook.seen == [("before_epoch", "train"), ("after_iter", "train"),
                         ("before_epoch", "val"), ("after_iter", "val")]
