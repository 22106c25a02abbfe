"""Checkpoint files on disk: what is written, that it loads with weights_only=True, atomic saves, clear errors."""
import enum
import os
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

import vidrun
from vidrun.runner.checkpoint import (CheckpointError, load_checkpoint, load_state_dict, read_checkpoint,
                                      revise_state_dict_keys, save_checkpoint, to_plain)


class Head(nn.Module):
    def __init__(self, classes=3):
        super().__init__()
        self.fc = nn.Linear(4, classes)


class Net(nn.Module):
    def __init__(self, classes=3):
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))
        self.cls_head = Head(classes)


class Wrapper(nn.Module):
    """Stands for MMDistributedDataParallel and the like: the model is its only child, named `module`."""

    def __init__(self, module):
        super().__init__()
        self.module = module


class Opaque:
    pass


class Level(enum.IntEnum):
    HIGH = 30


def net(seed=0, classes=3):
    torch.manual_seed(seed)
    return Net(classes)


def trained_optimizer(model):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model.cls_head.fc(model.backbone(torch.randn(3, 4))).sum().backward()
    optimizer.step()
    return optimizer


def assert_same_weights(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    assert sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def test_round_trip_loads_with_weights_only(tmp_path):
    model = net()
    optimizer = trained_optimizer(model)
    meta = {"epoch": np.int64(3), "lr": np.float32(0.5), "ok": np.bool_(True), "name": np.str_("tsn"),
            "mean": np.array([1.0, 2.0]), "shape": (2, 3), "dir": Path("a/b"), "level": Level.HIGH,
            "hook_msgs": {"best_score": np.float64(0.25), "last_ckpt": None}}
    extra = {"amp_scaler": {"scale": 1024.0, "growth_tracker": 2}, "hooks": {"EMAHook": {"step": np.int32(7)}},
             "rng": {"torch": torch.get_rng_state(), "python": (3, (1, 2), None)}}
    save_checkpoint(model, tmp_path / "epoch_3.pth", optimizer, meta, extra)

    loaded = torch.load(tmp_path / "epoch_3.pth", weights_only=True)
    assert set(loaded) == {"meta", "state_dict", "optimizer", "amp_scaler", "hooks", "rng"}
    meta_out = loaded["meta"]
    assert meta_out["epoch"] == 3 and type(meta_out["epoch"]) is int
    assert type(meta_out["lr"]) is float and meta_out["ok"] is True and type(meta_out["name"]) is str
    assert type(meta_out["level"]) is int and meta_out["level"] == 30
    assert torch.equal(meta_out["mean"], torch.tensor([1.0, 2.0], dtype=torch.float64))
    assert meta_out["shape"] == (2, 3) and meta_out["dir"] == "a/b"
    assert meta_out["hook_msgs"] == {"best_score": 0.25, "last_ckpt": None}
    assert meta_out["vidrun_version"] == vidrun.__version__ and "T" in meta_out["time"]
    assert "vidrun_version" not in meta  # the caller's dict is not modified
    assert loaded["hooks"] == {"EMAHook": {"step": 7}} and loaded["rng"]["python"] == (3, (1, 2), None)
    assert torch.equal(loaded["rng"]["torch"], torch.get_rng_state())

    restored = net(seed=1)
    checkpoint = load_checkpoint(restored, tmp_path / "epoch_3.pth", strict=True)
    assert_same_weights(model, restored)
    assert checkpoint["meta"]["epoch"] == 3
    restored_optimizer = torch.optim.SGD(restored.parameters(), lr=0.1, momentum=0.9)
    restored_optimizer.load_state_dict(checkpoint["optimizer"])
    momentum = optimizer.state_dict()["state"][0]["momentum_buffer"]
    assert torch.equal(restored_optimizer.state_dict()["state"][0]["momentum_buffer"], momentum)


def test_state_dict_keeps_module_versions(tmp_path):
    model = net()
    save_checkpoint(model, tmp_path / "a.pth")
    state_dict = read_checkpoint(tmp_path / "a.pth")["state_dict"]
    assert isinstance(state_dict, OrderedDict)
    assert state_dict._metadata["backbone.1"]["version"] == model.state_dict()._metadata["backbone.1"]["version"]


def test_dict_of_optimizers_and_no_optimizer(tmp_path):
    model = net()
    optimizers = {"backbone": torch.optim.SGD(model.backbone.parameters(), lr=0.1),
                  "head": torch.optim.Adam(model.cls_head.parameters(), lr=0.01)}
    save_checkpoint(model, tmp_path / "two.pth", optimizers)
    saved = read_checkpoint(tmp_path / "two.pth")["optimizer"]
    assert set(saved) == {"backbone", "head"} and saved["head"]["param_groups"][0]["lr"] == 0.01
    save_checkpoint(model, tmp_path / "none.pth")
    assert "optimizer" not in read_checkpoint(tmp_path / "none.pth")


@pytest.mark.parametrize("wrap", [nn.DataParallel, Wrapper, lambda m: Wrapper(Wrapper(m))],
                         ids=["DataParallel", "custom", "nested"])
def test_wrappers_are_unwrapped_on_save_and_load(tmp_path, wrap):
    model = net()
    save_checkpoint(wrap(model), tmp_path / "w.pth")
    keys = list(read_checkpoint(tmp_path / "w.pth")["state_dict"])
    assert keys == list(model.state_dict()) and not any(k.startswith("module.") for k in keys)
    restored = net(seed=1)
    missing, unexpected = load_state_dict(wrap(restored), read_checkpoint(tmp_path / "w.pth")["state_dict"])
    assert missing == [] and unexpected == []
    assert_same_weights(model, restored)


def test_model_with_a_child_named_module_among_others_is_not_unwrapped(tmp_path):
    model = nn.Module()
    model.module, model.fc = nn.Linear(2, 2), nn.Linear(2, 2)
    save_checkpoint(model, tmp_path / "m.pth")
    assert set(read_checkpoint(tmp_path / "m.pth")["state_dict"]) == {"module.weight", "module.bias", "fc.weight",
                                                                      "fc.bias"}


def test_extra_names_must_not_collide(tmp_path):
    with pytest.raises(ValueError, match=r"\['optimizer'\] collide"):
        save_checkpoint(net(), tmp_path / "x.pth", extra={"optimizer": {}})
    assert not (tmp_path / "x.pth").exists()


def test_failed_save_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "sub" / "latest.pth"
    save_checkpoint(net(), path, meta={"epoch": 1})  # also creates the missing parent directory
    real_save = torch.save

    def half_then_fail(obj, f, *args, **kwargs):
        real_save(obj, f, *args, **kwargs)
        f.seek(0)
        f.truncate(f.tell() // 2 + 100)
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(net(seed=5), path, meta={"epoch": 2})
    monkeypatch.undo()
    assert read_checkpoint(path)["meta"]["epoch"] == 1
    assert os.listdir(path.parent) == ["latest.pth"]  # no temporary file left behind


def test_interrupt_during_save_removes_the_temporary_file(tmp_path, monkeypatch):
    def interrupted(obj, f, *args, **kwargs):
        f.write(b"PK\x03\x04 partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(torch, "save", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(net(), tmp_path / "epoch_1.pth")
    assert os.listdir(tmp_path) == []


def test_unstorable_value_is_refused_before_writing(tmp_path):
    with pytest.raises(TypeError, match=r"^meta\.hook_msgs\.best_score: cannot store <class '.*Opaque'>"):
        save_checkpoint(net(), tmp_path / "x.pth", meta={"hook_msgs": {"best_score": Opaque()}})
    assert not (tmp_path / "x.pth").exists()


def test_to_plain_paths_and_kept_torch_values():
    with pytest.raises(TypeError, match=r"^hooks\.Logger\.history\[1\]: cannot store <class 'set'>"):
        to_plain({"Logger": {"history": [1, {2}]}}, "hooks")
    with pytest.raises(TypeError, match=r"^<root>: cannot store"):
        to_plain(object())
    with pytest.raises(TypeError, match=r"^meta\.names: cannot store a numpy array of dtype object"):
        to_plain({"names": np.array([Opaque()], dtype=object)}, "meta")
    kept = {"dtype": torch.float16, "device": torch.device("cpu"), "size": torch.Size([2, 3])}
    assert to_plain(kept) == kept and type(to_plain(kept)["size"]) is torch.Size


def test_kept_torch_values_load_with_weights_only(tmp_path):
    meta = {"dtype": torch.float16, "device": torch.device("cpu"), "size": torch.Size([2, 3]), "raw": b"\x00"}
    save_checkpoint(net(), tmp_path / "t.pth", meta=meta)
    loaded = torch.load(tmp_path / "t.pth", weights_only=True)["meta"]
    assert {k: loaded[k] for k in meta} == meta


@pytest.mark.parametrize("cut", [0, 0.5, 0.9], ids=["empty", "half", "tail-cut"])
def test_truncated_file_names_the_file(tmp_path, cut):
    path = tmp_path / "epoch_1.pth"
    save_checkpoint(net(), path)
    data = path.read_bytes()
    path.write_bytes(data[:int(len(data) * cut)])
    with pytest.raises(CheckpointError, match="epoch_1.pth is truncated or not a checkpoint") as info:
        read_checkpoint(path)
    assert info.value.__cause__ is not None


def test_file_with_python_objects_explains_how_to_convert(tmp_path):
    path = tmp_path / "old.pth"
    torch.save({"state_dict": net().state_dict(), "meta": {"thing": Opaque()}}, path)
    with pytest.raises(CheckpointError) as info:
        read_checkpoint(path)
    message = str(info.value)
    assert "old.pth holds Python objects beyond tensors and plain types" in message
    assert "Opaque" in message and "weights_only=False" in message and "state_dict" in message


def test_numpy_scalars_saved_by_other_tools_are_named(tmp_path):
    path = tmp_path / "mmcv.pth"
    torch.save({"state_dict": {}, "meta": {"best": np.float64(0.5)}}, path)
    with pytest.raises(CheckpointError, match=r"needs numpy\S*scalar"):
        read_checkpoint(path)


def test_missing_file_text_file_and_not_a_dict(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.pth"):
        read_checkpoint(tmp_path / "nothing.pth")
    (tmp_path / "notes.pth").write_text("hello world")
    with pytest.raises(CheckpointError, match="notes.pth is truncated or not a checkpoint"):
        read_checkpoint(tmp_path / "notes.pth")
    torch.save([1, 2], tmp_path / "list.pth")
    with pytest.raises(CheckpointError, match="list.pth holds a list, not a checkpoint dict"):
        read_checkpoint(tmp_path / "list.pth")
    torch.save({"model": {"w": torch.ones(1)}, "epoch": 3}, tmp_path / "other.pth")
    with pytest.raises(CheckpointError, match=r"other.pth is neither a checkpoint .*'epoch', 'model'"):
        read_checkpoint(tmp_path / "other.pth")


def test_bare_state_dict_is_a_checkpoint(tmp_path):
    model = net()
    torch.save(model.state_dict(), tmp_path / "bare.pth")
    restored = net(seed=1)
    checkpoint = load_checkpoint(restored, tmp_path / "bare.pth", strict=True)
    # load_checkpoint returns what the file holds, as mmcv's does: here the bare state dict itself
    assert set(checkpoint) == set(model.state_dict()) and torch.equal(checkpoint["backbone.0.weight"],
                                                                      model.backbone[0].weight)
    assert_same_weights(model, restored)
    wrapped = read_checkpoint(tmp_path / "bare.pth")  # what resume reads: in a checkpoint's shape
    assert wrapped["meta"] == {} and set(wrapped["state_dict"]) == set(model.state_dict())


def test_missing_unexpected_and_mismatched_keys_are_grouped_by_module(quiet_logger):
    state_dict = net(classes=5).state_dict()
    del state_dict["backbone.0.bias"]
    state_dict["neck.proj.weight"] = torch.zeros(2)
    state_dict["scale"] = torch.ones(1)
    model = net(seed=1)
    before = model.cls_head.fc.weight.detach().clone()
    missing, unexpected = load_state_dict(model, state_dict, logger=quiet_logger)
    assert missing == ["backbone.0.bias"] and sorted(unexpected) == ["neck.proj.weight", "scale"]
    assert torch.equal(model.cls_head.fc.weight, before)  # skipped, not a crash
    assert torch.equal(model.backbone[0].weight, state_dict["backbone.0.weight"])  # the rest is loaded
    (warning,) = quiet_logger.lines
    assert "missing keys in backbone: 0.bias" in warning
    assert "unexpected keys in neck: proj.weight" in warning and "unexpected keys in (root): scale" in warning
    assert "size mismatch for cls_head.fc.weight: checkpoint (5, 4), model (3, 4)" in warning
    assert "size mismatch for cls_head.fc.bias: checkpoint (5,), model (3,)" in warning


def test_a_module_missing_entirely_is_summarised(quiet_logger):
    model = nn.Module()
    model.backbone = nn.Sequential(*[nn.Linear(2, 2) for _ in range(5)])
    missing, _ = load_state_dict(model, {}, logger=quiet_logger)
    assert len(missing) == 10 and "missing keys in backbone: all 10 of them" in quiet_logger.lines[0]


def test_strict_raises_listing_everything(quiet_logger):
    state_dict = net(classes=5).state_dict()
    del state_dict["backbone.0.bias"]
    state_dict["extra.w"] = torch.zeros(1)
    with pytest.raises(RuntimeError) as info:
        load_state_dict(net(), state_dict, strict=True, logger=quiet_logger)
    message = str(info.value)
    assert "missing keys in backbone: 0.bias" in message and "unexpected keys in extra: w" in message
    assert "size mismatch for cls_head.fc.weight" in message
    assert quiet_logger.lines == []


def test_clean_load_logs_nothing(quiet_logger):
    assert load_state_dict(net(seed=1), net().state_dict(), logger=quiet_logger) == ([], [])
    assert quiet_logger.lines == []


def test_revise_keys_strips_module_prefix(tmp_path, quiet_logger):
    model = net()
    torch.save({"state_dict": nn.DataParallel(model).state_dict()}, tmp_path / "ddp.pth")
    restored = net(seed=1)
    load_checkpoint(restored, tmp_path / "ddp.pth", strict=True, logger=quiet_logger)
    assert_same_weights(model, restored)
    renamed = revise_state_dict_keys({"encoder.0.weight": 1}, [(r"^encoder\.", "backbone.")])
    assert list(renamed) == ["backbone.0.weight"]
    with pytest.raises(ValueError, match="maps both 'module.a' and 'a' to 'a'"):
        revise_state_dict_keys({"module.a": 1, "a": 2}, [(r"^module\.", "")])


def test_a_tilde_in_a_checkpoint_path_is_the_home_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    model = net()
    save_checkpoint(model, "~/runs/a.pth")
    assert (tmp_path / "runs" / "a.pth").is_file()
    restored = net(seed=1)
    assert load_checkpoint(restored, "~/runs/a.pth", strict=True)["meta"]["vidrun_version"] == vidrun.__version__
    assert_same_weights(model, restored)
    assert set(read_checkpoint(Path("~/runs/a.pth"))["state_dict"]) == set(model.state_dict())


def test_the_class_names_go_into_meta(tmp_path):
    model = net()
    model.CLASSES = ("run", "jump", "swim")
    save_checkpoint(Wrapper(model), tmp_path / "a.pth")
    save_checkpoint(nn.DataParallel(model), tmp_path / "b.pth", meta={"CLASSES": ["x"]})
    assert read_checkpoint(tmp_path / "a.pth")["meta"]["CLASSES"] == ("run", "jump", "swim")
    assert read_checkpoint(tmp_path / "b.pth")["meta"]["CLASSES"] == ["x"]  # the caller's own meta wins
    save_checkpoint(net(), tmp_path / "c.pth")
    assert "CLASSES" not in read_checkpoint(tmp_path / "c.pth")["meta"]


def test_sub_modules_wrapped_in_data_parallel_save_and_load_under_their_bare_names(tmp_path, quiet_logger):
    from vidrun.runner.checkpoint import get_state_dict

    model = net()
    model.backbone = nn.DataParallel(model.backbone)
    model.cls_head.fc = nn.DataParallel(nn.DataParallel(model.cls_head.fc))  # nested: both `module.` go
    bare = net()
    assert list(get_state_dict(model)) == list(bare.state_dict())
    assert list(get_state_dict(nn.DataParallel(model), prefix="m.")) == [f"m.{k}" for k in bare.state_dict()]
    save_checkpoint(model, tmp_path / "a.pth")
    saved = read_checkpoint(tmp_path / "a.pth")["state_dict"]
    assert list(saved) == list(bare.state_dict())
    assert torch.equal(saved["cls_head.fc.weight"], model.cls_head.fc.module.module.weight)
    load_checkpoint(bare, tmp_path / "a.pth", strict=True)  # into the bare model
    again = net(seed=3)
    again.backbone = nn.DataParallel(again.backbone)
    load_checkpoint(again, tmp_path / "a.pth", strict=True, logger=quiet_logger)  # and into a wrapped one
    assert torch.equal(again.backbone.module[0].weight, model.backbone.module[0].weight) and not quiet_logger.lines
    del saved["backbone.0.bias"]
    load_state_dict(again, saved, logger=quiet_logger)
    assert quiet_logger.lines == ["loading the state dict into Net:\n  missing keys in backbone: 0.bias"]


def test_a_runner_saves_resumes_and_loads_from_tilde_paths(tmp_path, monkeypatch, toy_model, make_model, quiet_logger):
    from vidrun.runner import CheckpointHook, EpochBasedRunner

    monkeypatch.setenv("HOME", str(tmp_path))
    runner = EpochBasedRunner(toy_model, torch.optim.SGD(toy_model.parameters(), lr=0.1), str(tmp_path / "w"),
                              quiet_logger, max_epochs=1)
    runner.register_hook(CheckpointHook(interval=1, out_dir="~/ckpts"))
    path = runner.save_checkpoint("~/manual")
    assert path == str(tmp_path / "manual" / "epoch_0.pth") and os.path.isfile(path)
    hook = runner.hooks[0]
    assert hook.out_dir == str(tmp_path / "ckpts")
    other = EpochBasedRunner(make_model(seed=2), None, str(tmp_path / "w2"), quiet_logger, max_epochs=1)
    other.resume("~/manual/epoch_0.pth")
    other.load_checkpoint("~/manual/epoch_0.pth", strict=True)
    assert_same_weights(other.model, toy_model)
