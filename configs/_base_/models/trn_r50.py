# TRN (Zhou et al. 2018): a ResNet-50 (TSN's partial BN) on 8 frames; the head projects each frame to 256
# features and sums multi-scale temporal relations (MLPs over ordered 8-, 7-, ..., 2-frame subsets, up to 3
# random subsets a scale). num_segments must equal SampleFrames' num_clips.
# ImageNet weights, from a local file (vidrun downloads nothing), in your config:
#   model = dict(backbone=dict(pretrained='checkpoints/resnet50.pth'))
model = dict(
    type='Recognizer2D',
    backbone=dict(type='ResNet', pretrained=None, depth=50, norm_eval=False, partial_bn=True),
    cls_head=dict(
        type='TRNHead',
        num_classes=400,
        in_channels=2048,
        num_segments=8,
        spatial_type='avg',
        relation_type='TRNMultiScale',
        hidden_dim=256,
        dropout_ratio=0.8,
        init_std=0.001),
    train_cfg=None,
    test_cfg=dict(average_clips='prob'))
