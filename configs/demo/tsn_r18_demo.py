# TSN (ResNet-18, frame averaging) on the generated demo set: the same data, schedule and budget as
# tsm_r18_demo.py, without temporal modelling. It can tell the shapes apart but not the direction of motion,
# so it stays about 50 % top-1 (best epoch 53 % on 2026-12-06; direction is a coin flip for it) where TSM
# reaches 100 %: the demo's point.
_base_ = ['./tsm_r18_demo.py']

model = dict(
    backbone=dict(_delete_=True, type='ResNet', depth=18, pretrained=None),
    cls_head=dict(_delete_=True, type='TSNHead', num_classes=6, in_channels=512, dropout_ratio=0.5,
                  init_std=0.01))
