"""The model registries: `model.type` (RECOGNIZERS), `model.backbone.type`, `model.cls_head.type`, losses,
`model.neck.type` (NECKS)."""
from vidrun.registry import Registry

RECOGNIZERS = Registry("RECOGNIZERS")
BACKBONES = Registry("BACKBONES")
HEADS = Registry("HEADS")
LOSSES = Registry("LOSSES")
NECKS = Registry("NECKS")
