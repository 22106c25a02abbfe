# TSM (ResNet-18 with temporal shift) on the generated demo set: 6 classes, a shape moving left or right.
# Telling the direction needs temporal modelling; trains on 2 CPU cores in a few minutes.
# Make the data first: vidrun make-demo-data data/demo   (vidrun demo does it for you)
_base_ = ['../_base_/default_runtime.py']

num_segments = 8
model = dict(
    type='Recognizer2D',
    backbone=dict(type='ResNetTSM', depth=18, num_segments=num_segments, shift_div=8, pretrained=None),
    cls_head=dict(type='TSMHead', num_classes=6, in_channels=512, num_segments=num_segments,
                  dropout_ratio=0.5, init_std=0.01),
    test_cfg=dict(average_clips='prob'))

data_root = 'data/demo/videos'
img_norm_cfg = dict(mean=[110.0, 110.0, 110.0], std=[60.0, 60.0, 60.0], to_bgr=False)
# Flipping horizontally turns a left-moving shape into a right-moving one: the label map swaps the classes
# (circle/square/triangle x left/right, see vidrun/datasets/demo_clips.py).
flip_label_map = {0: 1, 1: 0, 2: 3, 3: 2, 4: 5, 5: 4}
train_pipeline = [
    dict(type='PyAVInit'),
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=num_segments),
    dict(type='PyAVDecode'),
    dict(type='RandomResizedCrop', area_range=(0.6, 1.0)),
    dict(type='Resize', scale=(56, 56), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5, flip_label_map=flip_label_map),
    dict(type='Normalize', **img_norm_cfg),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='Collect', keys=['imgs', 'label'], meta_keys=[]),
    dict(type='ToTensor', keys=['imgs', 'label']),
]
val_pipeline = [
    dict(type='PyAVInit'),
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=num_segments, test_mode=True),
    dict(type='PyAVDecode'),
    dict(type='CenterCrop', crop_size=56),
    dict(type='Normalize', **img_norm_cfg),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='Collect', keys=['imgs', 'label'], meta_keys=[]),
    dict(type='ToTensor', keys=['imgs', 'label']),
]
data = dict(
    videos_per_gpu=8,
    workers_per_gpu=2,
    test_dataloader=dict(videos_per_gpu=4),
    train=dict(type='VideoDataset', ann_file='data/demo/train.txt', data_prefix=data_root,
               pipeline=train_pipeline),
    val=dict(type='VideoDataset', ann_file='data/demo/val.txt', data_prefix=data_root, pipeline=val_pipeline),
    test=dict(type='VideoDataset', ann_file='data/demo/val.txt', data_prefix=data_root, pipeline=val_pipeline))

# lr 0.01: with 0.02 the run learned the direction of motion with some random draws (95-98 % top-1) and not with
# others (57-62 %, the shapes alone); 0.01 reached 98-100 % with seeds 0, 1 and 2 (2026-12-06).
optimizer = dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4)
optimizer_config = dict(grad_clip=dict(max_norm=20, norm_type=2))
lr_config = dict(policy='CosineAnnealing', min_lr=0, warmup='linear', warmup_iters=30, warmup_ratio=0.1)
runner = dict(type='EpochBasedRunner', max_epochs=12)
evaluation = dict(interval=1, metrics=['top_k_accuracy', 'mean_class_accuracy'], save_best='top1_acc')
log_config = dict(interval=10, hooks=[dict(type='TextLoggerHook')])
checkpoint_config = dict(interval=5)
seed = 0
