# mmdet's runtime and lt_mm's hooks (default_hooks is merged by key).
_base_ = 'mmdet::_base_/default_runtime.py'

# Registers lt_mm's components and host patches (checkpoint resume under
# torch >= 2.6, lvis-api under numpy 2) also under mmdet's own tools.
custom_imports = dict(imports=['lt_mm'], allow_failed_imports=False)

default_hooks = dict(
    # Writes checkpoints atomically (temporary file, fsync, rename) and
    # deletes old ones only after the new one is in place.
    checkpoint=dict(type='lt_mm.AtomicCheckpointHook'),
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
