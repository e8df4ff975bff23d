"""Registries of the ``lt_mm`` scope.

Every registry is a child of MMEngine's root registry with ``scope='lt_mm'``,
so configs of any OpenMMLab host (mmdet, mmpretrain, ...) reach our components
as ``'lt_mm.<Name>'`` while host components of the same name (both hosts ship a
``SeesawLoss``) stay untouched. ``locations`` lets MMEngine import the package
on first lookup, so a config needs no ``custom_imports`` to find a component;
it still needs it for the compatibility patches that ``import lt_mm`` applies
before a checkpoint is resumed.
"""
from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import \
    OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import TASK_UTILS as MMENGINE_TASK_UTILS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import Registry

_LOCATIONS = ['lt_mm']


def _child(name: str, parent: Registry) -> Registry:
    return Registry(name, parent=parent, scope='lt_mm', locations=_LOCATIONS)


MODELS = _child('model', MMENGINE_MODELS)
MODEL_WRAPPERS = _child('model_wrapper', MMENGINE_MODEL_WRAPPERS)
TASK_UTILS = _child('task util', MMENGINE_TASK_UTILS)
DATASETS = _child('dataset', MMENGINE_DATASETS)
DATA_SAMPLERS = _child('data sampler', MMENGINE_DATA_SAMPLERS)
TRANSFORMS = _child('transform', MMENGINE_TRANSFORMS)
HOOKS = _child('hook', MMENGINE_HOOKS)
LOOPS = _child('loop', MMENGINE_LOOPS)
METRICS = _child('metric', MMENGINE_METRICS)
EVALUATOR = _child('evaluator', MMENGINE_EVALUATOR)
OPTIM_WRAPPER_CONSTRUCTORS = _child('optimizer constructor',
                                    MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS)
PARAM_SCHEDULERS = _child('parameter scheduler', MMENGINE_PARAM_SCHEDULERS)
