"""MMAction2 0.24.1's SlowFast, CSN and R(2+1)D configs (folders `slowfast`, `csn`, `r2plus1d`): every config's
model has exactly the state-dict entries MMAction2 builds, and a checkpoint in MMAction2's format loads strictly.

`reference_state_dicts_zoo3d/` holds the architecture files of those folders, copied from the shared reference
(facts recorded from MMAction2 0.24.1, see tests/models/test_reference_keys.py for the pattern and helpers)."""
import copy
import json
from pathlib import Path

import pytest
import torch

from vidrun import Config
from vidrun.models import build_model
from vidrun.runner import load_checkpoint

from tests.models.test_reference_keys import (build_on_meta, entries, mmaction2_checkpoint, resolved,
                                              without_pretrained)

REFERENCE = Path(__file__).parent / "reference_state_dicts_zoo3d"
ARCHITECTURES = {p.stem: json.loads(p.read_text()) for p in sorted(REFERENCE.glob("*.json"))}
ROOT = Path(__file__).resolve().parents[2]
FAMILIES = {"slowfast": "ResNet3dSlowFast", "csn": "ResNet3dCSN", "r2plus1d": "ResNet2Plus1d"}
CASES = [(arch, i) for arch, ref in ARCHITECTURES.items() for i in range(len(ref["model_cfgs"]))
         if ref["model_cfgs"][i]["model"]["backbone"]["type"] in FAMILIES.values()]
SUPPORTED = set(FAMILIES.values())


def case_id(case) -> str:
    arch, i = case
    return ARCHITECTURES[arch]["model_cfgs"][i]["configs"][0].split("/")[-1].removesuffix(".py")


def family(case) -> str:
    arch, i = case
    return ARCHITECTURES[arch]["model_cfgs"][i]["model"]["backbone"]["type"]


COMPARED = [c for c in CASES if family(c) in SUPPORTED]


def test_the_reference_covers_every_config_of_these_folders():
    configs = [c for ref in ARCHITECTURES.values() for mc in ref["model_cfgs"] for c in mc["configs"]]
    assert len(configs) == len(set(configs)) == 25  # 12 slowfast, 9 csn, 4 r2plus1d in MMAction2 0.24.1
    assert {c.split("/")[1] for c in configs} == set(FAMILIES)


@pytest.mark.parametrize("case", COMPARED, ids=case_id)
def test_state_dict_entries_are_mmaction2s(case):
    arch, i = case
    reference = ARCHITECTURES[arch]
    model, prefix = build_on_meta(reference["model_cfgs"][i]["model"])
    assert entries(model, prefix) == reference["state_dict"]
    assert sum(p.numel() for p in model.parameters()) == reference["num_params"]


SHIPPED = {c: (arch, i) for arch, ref in ARCHITECTURES.items() for i, mc in enumerate(ref["model_cfgs"])
           for c in mc["configs"] if (ROOT / "configs" / c).exists()}


@pytest.mark.parametrize("config", sorted(SHIPPED))
def test_shipped_config_resolves_to_mmaction2s_model(config):
    arch, i = SHIPPED[config]
    expected = ARCHITECTURES[arch]["model_cfgs"][i]["model"]
    assert resolved(Config.fromfile(str(ROOT / config.join(["configs/", ""]))).model.to_dict()) == resolved(expected)


@pytest.mark.parametrize("arch", ["7149f60b0518", "92d0113086b5", "d1c9454c967a"],
                         ids=["slowfast_r50", "ircsn_r50", "r2plus1d_r34"])
def test_an_mmaction2_checkpoint_loads_strictly(arch, tmp_path):
    reference = ARCHITECTURES[arch]
    model = build_model(without_pretrained(copy.deepcopy(reference["model_cfgs"][0]["model"])))
    state = mmaction2_checkpoint(reference, tmp_path / "mmaction2.pth")
    checkpoint = load_checkpoint(model, tmp_path / "mmaction2.pth", strict=True)
    assert checkpoint["meta"]["mmaction2_version"] == "0.24.1"
    loaded = model.state_dict()
    assert all(torch.equal(loaded[k], v) for k, v in state.items())
