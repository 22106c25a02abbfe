"""MMAction2 0.24.1's TPN (on SlowOnly and on TSM) and TimeSformer models: every config's model has exactly the
state-dict entries MMAction2 builds (key, shape, dtype, in order), an MMAction2-format checkpoint loads strictly,
and the shipped copies of their configs resolve to MMAction2's model.

`reference_state_dicts_tpn_timesformer/` holds the architectures of `configs/recognition/{tpn,timesformer}`,
copied from the shared reference (facts recorded from MMAction2), apart from the folder that
`test_reference_keys.py` counts.
"""
import copy
import json
from pathlib import Path

import pytest
import torch

from tests.models.test_reference_keys import (ROOT, build_on_meta, entries, mmaction2_checkpoint, resolved,
                                              without_pretrained)
from vidrun import Config
from vidrun.models import build_model
from vidrun.runner import load_checkpoint

REFERENCE = Path(__file__).parent / "reference_state_dicts_tpn_timesformer"
ARCHITECTURES = {p.stem: json.loads(p.read_text()) for p in sorted(REFERENCE.glob("*.json"))}
CASES = [(arch, i) for arch, ref in ARCHITECTURES.items() for i in range(len(ref["model_cfgs"]))]
CONFIGS = {c: case for case in CASES for c in ARCHITECTURES[case[0]]["model_cfgs"][case[1]]["configs"]}


def case_id(case) -> str:
    arch, i = case
    return ARCHITECTURES[arch]["model_cfgs"][i]["configs"][0].split("/")[-1].removesuffix(".py")


def test_every_config_of_the_two_folders_is_here():
    folders = {c.split("/")[1] for c in CONFIGS}
    assert folders == {"tpn", "timesformer"} and len(CONFIGS) == 6


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_state_dict_entries_are_mmaction2s(case):
    arch, i = case
    reference = ARCHITECTURES[arch]
    model, prefix = build_on_meta(reference["model_cfgs"][i]["model"])
    assert entries(model, prefix) == reference["state_dict"]
    assert sum(p.numel() for p in model.parameters()) == reference["num_params"]


@pytest.mark.parametrize("arch", ["ecd05422c831", "8d148f8b60d9"], ids=["tpn_tsm_r50", "timesformer_divST"])
def test_an_mmaction2_checkpoint_loads_strictly(arch, tmp_path):
    """(TPN on SlowOnly has the same neck and head as on TSM, and SlowOnly's keys load in the main test.)"""
    reference = ARCHITECTURES[arch]
    with torch.device("meta"):  # built without initialisation, then given real (uninitialised) storage
        model = build_model(without_pretrained(copy.deepcopy(reference["model_cfgs"][0]["model"])))
    model.to_empty(device="cpu")
    state = mmaction2_checkpoint(reference, tmp_path / "mmaction2.pth")
    checkpoint = load_checkpoint(model, tmp_path / "mmaction2.pth", strict=True)
    assert checkpoint["meta"]["mmaction2_version"] == "0.24.1"
    loaded = model.state_dict()
    assert all(torch.equal(loaded[k], v) for k, v in state.items())


SHIPPED = sorted(c for c in CONFIGS if (ROOT / "configs" / c).exists())


def test_every_config_is_shipped():
    assert len(SHIPPED) == len(CONFIGS)


@pytest.mark.parametrize("config", SHIPPED)
def test_shipped_config_resolves_to_mmaction2s_model(config):
    arch, i = CONFIGS[config]
    expected = ARCHITECTURES[arch]["model_cfgs"][i]["model"]
    assert resolved(Config.fromfile(str(ROOT / "configs" / config)).model.to_dict()) == resolved(expected)
