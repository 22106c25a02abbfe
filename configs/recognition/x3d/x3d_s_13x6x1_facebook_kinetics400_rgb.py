# X3D-S on Kinetics-400 videos: clips of 13 frames, 6 apart; tested on 10 clips x ThreeCrop(182) = 30 views.
# MMAction2 ships this config for testing weights converted from Facebook's SlowFast repository:
#   vidrun test configs/recognition/x3d/x3d_s_13x6x1_facebook_kinetics400_rgb.py checkpoints/x3d_s.pth
# It trains too: 160x160 crops, SGD with X3D's weight decay 5e-5, a 10-epoch linear warm-up then cosine
# annealing over 150 epochs (lr 0.1 for 8 GPUs x 16 videos; the paper trains longer, 300 epochs).
# For decord use DecordInit / DecordDecode in place of PyAVInit / PyAVDecode.
_base_ = [
    '../../_base_/models/x3d_s.py', '../../_base_/schedules/sgd_150e_warmup.py',
    '../../_base_/default_runtime.py'
]

# dataset settings
dataset_type = 'VideoDataset'
data_root = 'data/kinetics400/videos_train'
data_root_val = 'data/kinetics400/videos_val'
ann_file_train = 'data/kinetics400/kinetics400_train_list_videos.txt'
ann_file_val = 'data/kinetics400/kinetics400_val_list_videos.txt'
ann_file_test = 'data/kinetics400/kinetics400_val_list_videos.txt'
# The normalisation the converted Facebook weights expect.
img_norm_cfg = dict(mean=[114.75, 114.75, 114.75], std=[57.38, 57.38, 57.38], to_bgr=False)
train_pipeline = [
    dict(type='PyAVInit'),
    dict(type='SampleFrames', clip_len=13, frame_interval=6, num_clips=1),
    dict(type='PyAVDecode'),
    dict(type='Resize', scale=(-1, 182)),
    dict(type='RandomResizedCrop'),
    dict(type='Resize', scale=(160, 160), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='Normalize', **img_norm_cfg),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='Collect', keys=['imgs', 'label'], meta_keys=[]),
    dict(type='ToTensor', keys=['imgs', 'label'])
]
val_pipeline = [
    dict(type='PyAVInit'),
    dict(type='SampleFrames', clip_len=13, frame_interval=6, num_clips=1, test_mode=True),
    dict(type='PyAVDecode'),
    dict(type='Resize', scale=(-1, 182)),
    dict(type='CenterCrop', crop_size=182),
    dict(type='Normalize', **img_norm_cfg),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='Collect', keys=['imgs', 'label'], meta_keys=[]),
    dict(type='ToTensor', keys=['imgs', 'label'])
]
test_pipeline = [
    dict(type='PyAVInit'),
    dict(type='SampleFrames', clip_len=13, frame_interval=6, num_clips=10, test_mode=True),
    dict(type='PyAVDecode'),
    dict(type='Resize', scale=(-1, 182)),
    dict(type='ThreeCrop', crop_size=182),
    dict(type='Normalize', **img_norm_cfg),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='Collect', keys=['imgs', 'label'], meta_keys=[]),
    dict(type='ToTensor', keys=['imgs', 'label'])
]
data = dict(
    videos_per_gpu=16,
    workers_per_gpu=2,
    test_dataloader=dict(videos_per_gpu=1),
    train=dict(type=dataset_type, ann_file=ann_file_train, data_prefix=data_root, pipeline=train_pipeline),
    val=dict(type=dataset_type, ann_file=ann_file_val, data_prefix=data_root_val, pipeline=val_pipeline),
    test=dict(type=dataset_type, ann_file=ann_file_test, data_prefix=data_root_val, pipeline=test_pipeline))
evaluation = dict(interval=5, metrics=['top_k_accuracy', 'mean_class_accuracy'])

# optimizer and learning policy: the base's SGD and warm-up, X3D's weight decay, cosine instead of steps
optimizer = dict(lr=0.1, weight_decay=0.00005)
lr_config = dict(_delete_=True, policy='CosineAnnealing', min_lr=0, warmup='linear', warmup_by_epoch=True,
                 warmup_iters=10)

# runtime settings
checkpoint_config = dict(interval=5)
