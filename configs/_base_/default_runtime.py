default_scope = 'mmdet'
# Registers lt_mm's components and host patches (checkpoint resume under
# torch >= 2.6, lvis-api under numpy 2) also under mmdet's own tools.
custom_imports = dict(imports=['lt_mm'], allow_failed_imports=False)

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=1),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='DetVisualizationHook'),
    # Hands the training set's class statistics to the losses and heads that
    # use them; does nothing for a model without such modules. A default hook
    # (merged by key), so configs that set custom_hooks keep it.
    class_statistics=dict(type='lt_mm.ClassStatisticsHook'),
    # Modules whose parameters are all frozen (decoupled second stages) stay
    # in eval mode while the rest trains.
    frozen_modules_eval=dict(type='lt_mm.FrozenModulesEvalHook'))

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(
    type='DetLocalVisualizer', vis_backends=vis_backends, name='visualizer')
log_processor = dict(type='LogProcessor', window_size=50, by_epoch=True)

log_level = 'INFO'
load_from = None
resume = False
