# The runtime every config shares: checkpoints each epoch, a text log every 20 iterations, one training
# workflow. Override any of it in your config.
checkpoint_config = dict(interval=1)
log_config = dict(interval=20, hooks=[dict(type='TextLoggerHook')])
dist_params = dict(backend='nccl')
log_level = 'INFO'
load_from = None
resume_from = None
workflow = [('train', 1)]
