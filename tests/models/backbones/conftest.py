"""Shared by the backbone tests: MMAction2's names for ResNet weights."""
import re

import pytest


def mmaction_names(state: dict) -> dict:
    """torchvision-style keys renamed as MMAction2's ConvModules name them."""
    renamed = {}
    for key, value in state.items():
        key = re.sub(r"(^|\.)conv(\d)\.", r"\1conv\2.conv.", key)
        key = re.sub(r"(^|\.)bn(\d)\.", r"\1conv\2.bn.", key)
        renamed[key.replace("downsample.0.", "downsample.conv.").replace("downsample.1.", "downsample.bn.")] = value
    return renamed


@pytest.fixture
def to_mmaction_names():
    return mmaction_names
