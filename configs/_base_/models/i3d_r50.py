# I3D (Carreira & Zisserman 2017): a ResNet-50 inflated to 3D, MMAction2's i3d_r50 (5x7x7 stem with temporal
# stride 2, every other block inflated 3x1x1).
# 2D ImageNet weights are inflated when loaded, from a local file (vidrun downloads nothing):
#   model = dict(backbone=dict(pretrained='checkpoints/resnet50.pth'))
model = dict(
    type='Recognizer3D',
    backbone=dict(
        type='ResNet3d',
        pretrained2d=True,
        pretrained=None,
        depth=50,
        conv1_kernel=(5, 7, 7),
        conv1_stride_t=2,
        pool1_stride_t=2,
        conv_cfg=dict(type='Conv3d'),
        norm_eval=False,
        inflate=((1, 1, 1), (1, 0, 1, 0), (1, 0, 1, 0, 1, 0), (0, 1, 0)),
        zero_init_residual=False),
    cls_head=dict(
        type='I3DHead',
        num_classes=400,
        in_channels=2048,
        spatial_type='avg',
        dropout_ratio=0.5,
        init_std=0.01),
    train_cfg=None,
    # Each view (clip x crop) is scored on its own; the softmax of each is averaged.
    test_cfg=dict(average_clips='prob'))
