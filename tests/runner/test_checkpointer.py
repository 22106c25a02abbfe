"""`Checkpointer`: latest.pth always points at the newest complete file, pruning keeps the newest N, best files."""
import os

import pytest
import torch
from torch import nn

from vidrun.runner.checkpoint import read_checkpoint, save_checkpoint
from vidrun.runner.checkpointer import Checkpointer, find_latest_checkpoint


def model(value=0.0):
    linear = nn.Linear(2, 2)
    nn.init.constant_(linear.weight, value)
    return linear


def names(directory):
    return sorted(os.listdir(directory))


def epoch_of(path):
    return read_checkpoint(path)["meta"]["epoch"]


def test_keeps_the_newest_two_and_latest_points_at_the_newest(tmp_path, quiet_logger):
    checkpointer = Checkpointer(tmp_path, max_keep_ckpts=2, logger=quiet_logger)
    optimizer = torch.optim.SGD(model().parameters(), lr=0.1)
    for epoch in range(1, 6):
        path = checkpointer.save(f"epoch_{epoch}.pth", model(epoch), optimizer, meta={"epoch": epoch})
        assert path == os.path.join(str(tmp_path), f"epoch_{epoch}.pth")
        assert epoch_of(tmp_path / "latest.pth") == epoch  # valid after every save
    assert names(tmp_path) == ["epoch_4.pth", "epoch_5.pth", "latest.pth"]
    latest = read_checkpoint(tmp_path / "latest.pth")
    assert latest["meta"]["epoch"] == 5 and torch.all(latest["state_dict"]["weight"] == 5.0)
    assert os.path.samefile(tmp_path / "latest.pth", tmp_path / "epoch_5.pth")  # a hard link, not a symlink
    assert not os.path.islink(tmp_path / "latest.pth")
    assert any("removed" in line and "epoch_3.pth" in line for line in quiet_logger.lines)


def test_latest_survives_its_file_being_pruned(tmp_path):
    checkpointer = Checkpointer(tmp_path, max_keep_ckpts=1)
    checkpointer.save("iter_10.pth", model(1), meta={"epoch": 1})
    checkpointer.save("iter_20.pth", model(2), meta={"epoch": 2}, update_latest=False)
    assert names(tmp_path) == ["iter_20.pth", "latest.pth"]
    assert epoch_of(tmp_path / "latest.pth") == 1  # its own link keeps the pruned file's content alive


def test_keeps_everything_by_default(tmp_path):
    checkpointer = Checkpointer(tmp_path)
    for it in (4, 8, 12):
        checkpointer.save(f"iter_{it}.pth", model(it), meta={"epoch": 0, "iter": it})
    assert names(tmp_path) == ["iter_12.pth", "iter_4.pth", "iter_8.pth", "latest.pth"]
    assert find_latest_checkpoint(tmp_path) == str(tmp_path / "latest.pth")


def test_pruning_touches_only_older_files_of_the_same_family(tmp_path):
    others = ["best_top1_acc_epoch_1.pth", "iter_1.pth", "epoch_9.pth", "epoch_final.pth", "notes.txt"]
    for name in others:
        (tmp_path / name).write_bytes(b"kept")
    checkpointer = Checkpointer(tmp_path, max_keep_ckpts=1)
    for epoch in (1, 2, 3):
        checkpointer.save(f"epoch_{epoch}.pth", model(epoch), meta={"epoch": epoch})
    # epoch_9.pth belongs to another run (numbered above the one just saved): not ours to delete
    assert names(tmp_path) == sorted(others + ["epoch_3.pth", "latest.pth"])


def test_falls_back_to_an_atomic_copy_without_hard_links(tmp_path, monkeypatch):
    def no_links(src, dst):
        raise PermissionError("hard links are not supported here")

    monkeypatch.setattr(os, "link", no_links)
    checkpointer = Checkpointer(tmp_path, max_keep_ckpts=2)
    for epoch in (1, 2, 3):
        checkpointer.save(f"epoch_{epoch}.pth", model(epoch), meta={"epoch": epoch})
    assert names(tmp_path) == ["epoch_2.pth", "epoch_3.pth", "latest.pth"]  # no temporary files
    assert not os.path.samefile(tmp_path / "latest.pth", tmp_path / "epoch_3.pth")
    assert (tmp_path / "latest.pth").read_bytes() == (tmp_path / "epoch_3.pth").read_bytes()


def test_a_failed_save_keeps_latest(tmp_path, monkeypatch):
    checkpointer = Checkpointer(tmp_path, max_keep_ckpts=1)
    checkpointer.save("epoch_1.pth", model(1), meta={"epoch": 1})

    def fail(obj, f, *args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", fail)
    with pytest.raises(OSError, match="disk full"):
        checkpointer.save("epoch_2.pth", model(2), meta={"epoch": 2})
    monkeypatch.undo()
    assert names(tmp_path) == ["epoch_1.pth", "latest.pth"] and epoch_of(tmp_path / "latest.pth") == 1


def test_best_file_replaces_the_previous_one(tmp_path):
    checkpointer = Checkpointer(tmp_path, max_keep_ckpts=1)
    first = checkpointer.save_best("best_top1_acc_epoch_1.pth", model(1), meta={"epoch": 1})
    second = checkpointer.save_best("best_top1_acc_epoch_3.pth", model(3), meta={"epoch": 3}, previous=first)
    assert names(tmp_path) == ["best_top1_acc_epoch_3.pth"]  # latest.pth is not touched
    assert epoch_of(second) == 3
    third = checkpointer.save_best("best_top1_acc_epoch_4.pth", model(4), meta={"epoch": 4},
                                   previous="best_top1_acc_epoch_3.pth")  # a bare name works too
    assert names(tmp_path) == ["best_top1_acc_epoch_4.pth"] and epoch_of(third) == 4
    checkpointer.save_best("best_top1_acc_epoch_4.pth", model(5), meta={"epoch": 5}, previous=third)
    assert names(tmp_path) == ["best_top1_acc_epoch_4.pth"] and epoch_of(third) == 5  # same name: kept


def test_best_never_removes_foreign_files(tmp_path, quiet_logger):
    outside = tmp_path / "elsewhere" / "best_acc_epoch_1.pth"
    outside.parent.mkdir()
    outside.write_bytes(b"mine")
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "epoch_1.pth").write_bytes(b"mine")
    checkpointer = Checkpointer(tmp_path / "run", logger=quiet_logger)
    checkpointer.save_best("best_acc_epoch_2.pth", model(2), previous=outside)
    checkpointer.save_best("best_acc_epoch_3.pth", model(3), previous="epoch_1.pth")
    assert outside.exists() and (tmp_path / "run" / "epoch_1.pth").exists()
    assert len(quiet_logger.lines) == 2 and all("not removing" in line for line in quiet_logger.lines)


@pytest.mark.parametrize("name", ["latest.pth", "sub/epoch_1.pth", "", ".."])
def test_names_must_be_plain_file_names(tmp_path, name):
    with pytest.raises(ValueError, match="latest.pth is kept by the Checkpointer|must be a file name"):
        Checkpointer(tmp_path).save(name, model())


def test_find_latest_checkpoint(tmp_path, quiet_logger):
    assert find_latest_checkpoint(tmp_path / "absent") is None
    assert find_latest_checkpoint(tmp_path) is None
    for epoch in (1, 2, 10):
        save_checkpoint(model(), tmp_path / f"epoch_{epoch}.pth", meta={"epoch": epoch, "iter": 6 * epoch})
    save_checkpoint(model(), tmp_path / "best_acc_epoch_20.pth", meta={"epoch": 20, "iter": 120})
    assert find_latest_checkpoint(tmp_path) == str(tmp_path / "epoch_10.pth")  # by number, not by name
    save_checkpoint(model(), tmp_path / "latest.pth", meta={"epoch": 10, "iter": 60})
    assert find_latest_checkpoint(tmp_path) == str(tmp_path / "latest.pth")


def test_corrupt_latest_falls_back_to_newest_readable(tmp_path, quiet_logger):
    for epoch in (1, 2, 3):
        save_checkpoint(model(), tmp_path / f"epoch_{epoch}.pth", meta={"epoch": epoch, "iter": 6 * epoch})
    (tmp_path / "latest.pth").write_bytes(b"")
    (tmp_path / "epoch_3.pth").write_bytes((tmp_path / "epoch_3.pth").read_bytes()[:200])
    assert find_latest_checkpoint(tmp_path, quiet_logger) == str(tmp_path / "epoch_2.pth")
    (warning,) = quiet_logger.lines
    assert "latest.pth" in warning and "epoch_3.pth" in warning and "resuming from" in warning
    assert warning.endswith(f"{tmp_path / 'epoch_2.pth'} instead")


def test_epoch_and_iter_files_pick_the_larger_meta_iter(tmp_path):
    save_checkpoint(model(), tmp_path / "epoch_2.pth", meta={"epoch": 2, "iter": 40})
    save_checkpoint(model(), tmp_path / "iter_30.pth", meta={"epoch": 1, "iter": 30})
    assert find_latest_checkpoint(tmp_path) == str(tmp_path / "epoch_2.pth")
    save_checkpoint(model(), tmp_path / "iter_50.pth", meta={"epoch": 2, "iter": 50})
    assert find_latest_checkpoint(tmp_path) == str(tmp_path / "iter_50.pth")
