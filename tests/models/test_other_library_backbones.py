"""Backbones of other libraries (`torchvision.`, `timm.`, `mmcls.` in `backbone.type`, as MMAction2's
custom-backbone configs name them) fail at build time with the config line, the library and the closest
vidrun backbone."""
import pytest

from vidrun import Config
from vidrun.config import ConfigError
from vidrun.models import build_model

CONFIG = """model = dict(
    type='Recognizer2D',
    backbone=dict(
        type='{kind}',
        pretrained=True),
    cls_head=dict(type='TSNHead', num_classes=400, in_channels=2208))
"""


@pytest.mark.parametrize("kind, library, closest", [
    ("torchvision.densenet161", "torchvision", "ResNet"),
    ("timm.swin_base_patch4_window7_224", "timm", "TimeSformer"),
    ("mmcls.ResNeXt", "mmcls (MMClassification)", "ResNet"),
])
def test_another_librarys_backbone_is_refused_with_line_library_and_closest(kind, library, closest, tmp_path):
    path = tmp_path / "custom_backbone.py"
    path.write_text(CONFIG.format(kind=kind))
    cfg = Config.fromfile(str(path))
    with pytest.raises(ConfigError) as error:
        build_model(cfg.model)
    message = str(error.value)
    assert message.startswith("model.backbone.type (") and "custom_backbone.py:4" in message
    assert f"'{kind}' is a backbone of {library}, which vidrun does not have" in message
    assert f"the closest is '{closest}'" in message


def test_without_a_config_file_the_key_path_is_named():
    with pytest.raises(ConfigError, match=r"^model\.backbone\.type: 'timm\.vit_base_patch16_224' is a backbone "
                                          r"of timm.*closest is 'TimeSformer'"):
        build_model(dict(type="Recognizer3D", backbone=dict(type="timm.vit_base_patch16_224"),
                         cls_head=dict(type="TimeSformerHead", num_classes=4, in_channels=768)))
