# SlowOnly (Feichtenhofer et al. 2019): ResNet3d-50 with a 1-frame stem, no temporal pooling, inflated
# stages 3 and 4 only.
# 2D ImageNet weights are inflated when loaded, from a local file (vidrun downloads nothing):
#   model = dict(backbone=dict(pretrained='checkpoints/resnet50.pth'))
model = dict(
    type='Recognizer3D',
    backbone=dict(
        type='ResNet3dSlowOnly',
        depth=50,
        pretrained=None,
        lateral=False,
        conv1_kernel=(1, 7, 7),
        conv1_stride_t=1,
        pool1_stride_t=1,
        inflate=(0, 0, 1, 1),
        norm_eval=False),
    cls_head=dict(
        type='I3DHead',
        in_channels=2048,
        num_classes=400,
        spatial_type='avg',
        dropout_ratio=0.5),
    train_cfg=None,
    test_cfg=dict(average_clips='prob'))
