# TSM on MobileNetV2 (MMAction2's tsm_mobilenet_v2): the expansion convolution of every residual inverted block
# shifts channels in time over `num_segments` frames; the head averages each group of num_segments frames.
# ImageNet weights, from a local file (vidrun downloads nothing), in your config:
#   model = dict(backbone=dict(pretrained='checkpoints/mobilenet_v2.pth'))
model = dict(
    type='Recognizer2D',
    backbone=dict(type='MobileNetV2TSM', shift_div=8, num_segments=8, is_shift=True, pretrained=None),
    cls_head=dict(
        type='TSMHead',
        num_segments=8,
        num_classes=400,
        in_channels=1280,
        spatial_type='avg',
        consensus=dict(type='AvgConsensus', dim=1),
        dropout_ratio=0.5,
        init_std=0.001,
        is_shift=True),
    train_cfg=None,
    test_cfg=dict(average_clips='prob'))
