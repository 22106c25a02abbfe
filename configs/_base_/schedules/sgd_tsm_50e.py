# TSM's schedule: SGD with TSM's parameter groups (vidrun/models/optimizer_constructors.py): biases 2x lr and no
# weight decay, norm layers no weight decay, and with fc_lr5 the classifier's weight 5x lr and bias 10x lr.
# lr 0.01 for 8 GPUs x 8 videos; step decay at epochs 20 and 40.
optimizer = dict(
    type='SGD',
    constructor='TSMOptimizerConstructor',
    paramwise_cfg=dict(fc_lr5=True),
    lr=0.01,
    momentum=0.9,
    weight_decay=0.0001)
optimizer_config = dict(grad_clip=dict(max_norm=20, norm_type=2))
lr_config = dict(policy='step', step=[20, 40])
total_epochs = 50
