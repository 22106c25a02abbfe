# Adam, lr 0.01 for 1 GPU, lr divided by 10 every 10 epochs, no gradient clipping.
optimizer = dict(type='Adam', lr=0.01, weight_decay=0.00001)
optimizer_config = dict(grad_clip=None)
lr_config = dict(policy='step', step=10)
total_epochs = 20
