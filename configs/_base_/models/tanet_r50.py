# TANet (Liu et al. 2021): ResNet-50 whose every Bottleneck carries a temporal adaptive module (TAM) over 8
# frames; the head averages the frames' scores. num_segments must equal SampleFrames' num_clips.
# ImageNet weights, from a local file (vidrun downloads nothing), in your config:
#   model = dict(backbone=dict(pretrained='checkpoints/resnet50.pth'))
model = dict(
    type='Recognizer2D',
    backbone=dict(type='TANet', pretrained=None, depth=50, num_segments=8, tam_cfg=dict()),
    cls_head=dict(
        type='TSMHead',
        num_classes=400,
        in_channels=2048,
        spatial_type='avg',
        consensus=dict(type='AvgConsensus', dim=1),
        dropout_ratio=0.5,
        init_std=0.001),
    train_cfg=None,
    test_cfg=dict(average_clips='prob'))
