# X3D-S (Feichtenhofer 2020): width 1, bottleneck 2.25, depth 2.2; 432 channels out of the backbone.
# X3D has no 2D weights to inflate: pretrained is a local 3D checkpoint, e.g. converted from SlowFast:
#   model = dict(backbone=dict(pretrained='checkpoints/x3d_s_kinetics400.pth'))
model = dict(
    type='Recognizer3D',
    backbone=dict(type='X3D', gamma_w=1, gamma_b=2.25, gamma_d=2.2, pretrained=None),
    cls_head=dict(
        type='X3DHead',
        in_channels=432,
        num_classes=400,
        spatial_type='avg',
        dropout_ratio=0.5,
        fc1_bias=False),
    train_cfg=None,
    test_cfg=dict(average_clips='prob'))
