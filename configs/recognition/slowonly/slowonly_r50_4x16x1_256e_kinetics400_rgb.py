# SlowOnly ResNet-50 on Kinetics-400 videos, from scratch: one clip of 4 frames, 16 apart, for training;
# 10 clips x ThreeCrop(256) for testing. 8 GPUs x 24 videos at lr 0.3, linear warm-up over 34 epochs, then
# cosine annealing to 0 by epoch 256.
# (MMAction2 calls this variant slowonly_r50_video_4x16x1_256e_kinetics400_rgb.)
# For decord use DecordInit / DecordDecode in place of PyAVInit / PyAVDecode.
_base_ = [
    '../../_base_/models/slowonly_r50.py', '../../_base_/schedules/sgd_150e_warmup.py',
    '../../_base_/default_runtime.py'
]

# dataset settings
dataset_type = 'VideoDataset'
data_root = 'data/kinetics400/videos_train'
data_root_val = 'data/kinetics400/videos_val'
ann_file_train = 'data/kinetics400/kinetics400_train_list_videos.txt'
ann_file_val = 'data/kinetics400/kinetics400_val_list_videos.txt'
ann_file_test = 'data/kinetics400/kinetics400_val_list_videos.txt'
img_norm_cfg = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_bgr=False)
train_pipeline = [
    dict(type='PyAVInit'),
    dict(type='SampleFrames', clip_len=4, frame_interval=16, num_clips=1),
    dict(type='PyAVDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='RandomResizedCrop'),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='Normalize', **img_norm_cfg),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='Collect', keys=['imgs', 'label'], meta_keys=[]),
    dict(type='ToTensor', keys=['imgs', 'label'])
]
val_pipeline = [
    dict(type='PyAVInit'),
    dict(type='SampleFrames', clip_len=4, frame_interval=16, num_clips=1, test_mode=True),
    dict(type='PyAVDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='Normalize', **img_norm_cfg),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='Collect', keys=['imgs', 'label'], meta_keys=[]),
    dict(type='ToTensor', keys=['imgs', 'label'])
]
test_pipeline = [
    dict(type='PyAVInit'),
    dict(type='SampleFrames', clip_len=4, frame_interval=16, num_clips=10, test_mode=True),
    dict(type='PyAVDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='ThreeCrop', crop_size=256),
    dict(type='Normalize', **img_norm_cfg),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='Collect', keys=['imgs', 'label'], meta_keys=[]),
    dict(type='ToTensor', keys=['imgs', 'label'])
]
data = dict(
    videos_per_gpu=24,
    workers_per_gpu=2,
    test_dataloader=dict(videos_per_gpu=1),
    train=dict(type=dataset_type, ann_file=ann_file_train, data_prefix=data_root, pipeline=train_pipeline),
    val=dict(type=dataset_type, ann_file=ann_file_val, data_prefix=data_root_val, pipeline=val_pipeline),
    test=dict(type=dataset_type, ann_file=ann_file_test, data_prefix=data_root_val, pipeline=test_pipeline))
evaluation = dict(interval=5, metrics=['top_k_accuracy', 'mean_class_accuracy'])

# optimizer: the base's SGD at a higher lr (for 8 GPUs x 24 videos)
optimizer = dict(lr=0.3)
# learning policy: the base's warm-up, then cosine annealing instead of its steps (_delete_ drops `step`)
lr_config = dict(_delete_=True, policy='CosineAnnealing', min_lr=0, warmup='linear', warmup_by_epoch=True,
                 warmup_iters=34)
total_epochs = 256

# runtime settings
checkpoint_config = dict(interval=4)
