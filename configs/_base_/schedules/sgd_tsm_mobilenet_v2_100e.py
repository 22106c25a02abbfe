# TSM-MobileNetV2's schedule: SGD with TSM's parameter groups (fc_lr5), lr 0.01 for 8 GPUs, weight decay 2e-5,
# gradients clipped to norm 20, step decay at epochs 40 and 80, 100 epochs.
optimizer = dict(
    type='SGD',
    constructor='TSMOptimizerConstructor',
    paramwise_cfg=dict(fc_lr5=True),
    lr=0.01,
    momentum=0.9,
    weight_decay=0.00002)
optimizer_config = dict(grad_clip=dict(max_norm=20, norm_type=2))
lr_config = dict(policy='step', step=[40, 80])
total_epochs = 100
