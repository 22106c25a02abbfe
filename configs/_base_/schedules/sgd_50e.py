# SGD, lr 0.01 for 8 GPUs x 32 videos (scale it linearly with the total batch), step decay at epochs 20 and 40.
optimizer = dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0001)
optimizer_config = dict(grad_clip=dict(max_norm=40, norm_type=2))
lr_config = dict(policy='step', step=[20, 40])
total_epochs = 50
