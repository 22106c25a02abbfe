# TSM (Lin et al. 2019): ResNet-50 with temporal shift over `num_segments` frames; the head classifies each
# frame and averages each group of num_segments. num_segments must equal SampleFrames' num_clips.
# ImageNet weights, from a local file (vidrun downloads nothing), in your config:
#   model = dict(backbone=dict(pretrained='checkpoints/resnet50.pth'))
model = dict(
    type='Recognizer2D',
    backbone=dict(type='ResNetTSM', pretrained=None, depth=50, num_segments=8, shift_div=8, norm_eval=False),
    cls_head=dict(
        type='TSMHead',
        num_classes=400,
        in_channels=2048,
        num_segments=8,
        spatial_type='avg',
        consensus=dict(type='AvgConsensus', dim=1),
        dropout_ratio=0.5,
        init_std=0.001,
        is_shift=True),
    train_cfg=None,
    # One score row per view (clip x crop); views are averaged after a softmax, as MMAction2's TSM does.
    test_cfg=dict(average_clips='prob'))
