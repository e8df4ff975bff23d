# Runtime of the classification configs: mmpretrain's, and lt_mm's hooks
# (default_hooks is merged by key).
_base_ = 'mmpretrain::_base_/default_runtime.py'

# Registers lt_mm's components and host patches (checkpoint resume under
# torch >= 2.6) also under mmpretrain's own tools.
custom_imports = dict(imports=['lt_mm'], allow_failed_imports=False)

default_hooks = dict(
    # Writes checkpoints atomically (temporary file, fsync, rename) and
    # deletes old ones only after the new one is in place; every 10 epochs,
    # the last 3 kept (the LT schedules run 90-200 epochs).
    checkpoint=dict(
        type='lt_mm.AtomicCheckpointHook', interval=10, max_keep_ckpts=3),
    # Hands the training set's class statistics to the losses and heads that
    # use them; does nothing for a model without such modules. A default hook
    # (merged by key), so configs that set custom_hooks keep it.
    class_statistics=dict(type='lt_mm.ClassStatisticsHook'),
    # Modules whose parameters are all frozen (decoupled second stages) stay
    # in eval mode while the rest trains.
    frozen_modules=dict(type='lt_mm.FrozenModulesHook'),
    # Checkpoints the random state and seeds data-loader workers by epoch,
    # so a resumed run repeats the uninterrupted run's random draws.
    rng_state=dict(type='lt_mm.RNGStateHook'))
