# TIN (Shao et al. 2020): ResNet-50 whose blocks interlace 1/4 of their channels in time by learned offsets
# over 8 frames (`ResNetTIN`, no TSM shift); the head averages the frames' scores (`is_shift=False`).
# ImageNet weights, from a local file (vidrun downloads nothing), in your config:
#   model = dict(backbone=dict(pretrained='checkpoints/resnet50.pth'))
model = dict(
    type='Recognizer2D',
    backbone=dict(type='ResNetTIN', pretrained=None, depth=50, norm_eval=False, shift_div=4),
    cls_head=dict(
        type='TSMHead',
        num_classes=400,
        in_channels=2048,
        spatial_type='avg',
        consensus=dict(type='AvgConsensus', dim=1),
        dropout_ratio=0.5,
        init_std=0.001,
        is_shift=False),
    train_cfg=None,
    test_cfg=dict(average_clips=None))
