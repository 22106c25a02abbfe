# TSN (Wang et al. 2016): ResNet-50 on single frames; the head averages the frames' features (consensus).
# ImageNet weights, from a local file (vidrun downloads nothing), in your config:
#   model = dict(backbone=dict(pretrained='checkpoints/resnet50.pth'))
model = dict(
    type='Recognizer2D',
    backbone=dict(type='ResNet', pretrained=None, depth=50, norm_eval=False),
    cls_head=dict(
        type='TSNHead',
        num_classes=400,
        in_channels=2048,
        spatial_type='avg',
        consensus=dict(type='AvgConsensus', dim=1),
        dropout_ratio=0.4,
        init_std=0.01),
    train_cfg=None,
    # The consensus already merges every frame of every view (25 clips x 10 crops) into one row per video,
    # so there is nothing left to average: None keeps those raw scores, as MMAction2's TSN configs do.
    test_cfg=dict(average_clips=None))
