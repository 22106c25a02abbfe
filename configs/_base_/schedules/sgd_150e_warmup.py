# SGD with a linear warm-up over the first 10 epochs (from 0.1 x lr, updated every iteration), then step decay
# at epochs 90 and 130, as MMAction2's sgd_150e_warmup. lr 0.01 for 8 GPUs x 8 videos.
# For cosine annealing after the warm-up instead:
#   lr_config = dict(_delete_=True, policy='CosineAnnealing', min_lr=0, warmup='linear', warmup_by_epoch=True,
#                    warmup_iters=10)
optimizer = dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0001)
optimizer_config = dict(grad_clip=dict(max_norm=40, norm_type=2))
lr_config = dict(policy='step', step=[90, 130], warmup='linear', warmup_by_epoch=True, warmup_iters=10)
total_epochs = 150
