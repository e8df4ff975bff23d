from typing import List, Optional

import torch.nn as nn
from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapper

from lt_mm.registry import OPTIM_WRAPPER_CONSTRUCTORS


def _is_within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + '.')


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class DecoupledOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """Trains only the named parts of a model: the second stage of decoupled
    long-tailed training (Kang et al., "Decoupling Representation and
    Classifier for Long-Tailed Recognition", ICLR 2020), as used by cRT, LWS,
    BAGS, ACSL, SimCal and LOCE's fine-tuning.

    arXiv: https://arxiv.org/abs/1910.09217

    ``paramwise_cfg['trainable']`` lists module or parameter names (prefixes
    on ``.`` boundaries, e.g. ``'roi_head.bbox_head.fc_cls'`` or ``'head'``).
    Every other parameter gets ``requires_grad=False`` and stays out of the
    optimizer. The constructor does not change the model's mode: while it
    trains, :class:`lt_mm.FrozenModulesHook` (``default_hooks.frozen_modules``
    of lt_mm's runtime bases) keeps the frozen modules in eval mode, so
    frozen BatchNorm statistics and dropout do not change. Right for mmdet's
    detectors, whose backbone BatchNorm is frozen anyway, and the detection
    second stages (BAGS, ACSL, SimCal, LOCE). With
    ``default_hooks=dict(frozen_modules=dict(mode='train'))`` they follow the
    runner's train mode instead: a frozen BatchNorm then normalises with
    batch statistics and updates its running mean and variance from the
    second stage's (class-balanced) batches while its affine weights stay
    fixed, as the authors of cRT / LWS train (classifier-balancing,
    run_networks.py L247-L249 put every network in train mode each epoch)
    and as MiSLAS' ``shift_bn`` does (MiSLAS, train_stage2.py L309-L313;
    Zhong et al., "Improving Calibration for Long-Tailed Recognition", CVPR
    2021).

    The other ``paramwise_cfg`` options apply to the trainable parameters as
    in :class:`mmengine.optim.DefaultOptimWrapperConstructor`.

    Start the stage from the first stage's checkpoint with ``load_from``;
    parameters whose shape changed (a re-designed classifier) keep their
    fresh initialisation. Under DDP set ``find_unused_parameters=True``: the
    frozen parameters never receive gradients.

    Example::

        load_from = 'work_dirs/mask_rcnn_r50/epoch_24.pth'
        optim_wrapper = dict(
            constructor='lt_mm.DecoupledOptimWrapperConstructor',
            optimizer=dict(type='SGD', lr=0.02, momentum=0.9,
                           weight_decay=1e-4),
            paramwise_cfg=dict(trainable=['roi_head.bbox_head.fc_cls']))

    A classification second stage that shifts the backbone's BatchNorm
    statistics::

        paramwise_cfg=dict(trainable=['head'])
        default_hooks = dict(frozen_modules=dict(mode='train'))

    Args:
        optim_wrapper_cfg (dict): The ``optim_wrapper`` config, as for
            :class:`mmengine.optim.DefaultOptimWrapperConstructor`.
        paramwise_cfg (dict, optional): Its ``trainable`` key names the
            parts that train; the other keys as in mmengine. Defaults to
            None.
    """

    def __init__(self,
                 optim_wrapper_cfg: dict,
                 paramwise_cfg: Optional[dict] = None) -> None:
        paramwise_cfg = dict(paramwise_cfg or {})
        trainable = paramwise_cfg.get('trainable')
        if not trainable or isinstance(trainable, str):
            raise ValueError(
                "DecoupledOptimWrapperConstructor needs paramwise_cfg="
                "dict(trainable=[...]), a list of the module or parameter "
                "names to train")
        self.trainable: List[str] = list(trainable)
        if 'frozen_mode' in paramwise_cfg:
            raise ValueError(
                "paramwise_cfg['frozen_mode'] is gone: set the frozen "
                "modules' mode with default_hooks=dict(frozen_modules=dict("
                "mode='eval' or 'train')) (lt_mm.FrozenModulesHook)")
        # a non-empty paramwise_cfg makes the base class go through
        # add_params, where the frozen parameters are left out
        super().__init__(optim_wrapper_cfg, paramwise_cfg)

    def freeze(self, model: nn.Module) -> None:
        """Freeze every parameter outside ``self.trainable``."""
        names = [name for name, _ in model.named_parameters()]
        for prefix in self.trainable:
            if not any(_is_within(name, prefix) for name in names):
                raise ValueError(
                    f"trainable name '{prefix}' matches no parameter of "
                    f'{type(model).__name__}')
        for name, param in model.named_parameters():
            param.requires_grad_(
                any(_is_within(name, prefix) for prefix in self.trainable))

    def add_params(self, params: List[dict], module: nn.Module,
                   prefix: str = '', is_dcn_module=None) -> None:
        groups: List[dict] = []
        super().add_params(groups, module, prefix, is_dcn_module)
        params.extend(g for g in groups if g['params'][0].requires_grad)

    def __call__(self, model: nn.Module) -> OptimWrapper:
        self.freeze(model.module if hasattr(model, 'module') else model)
        return super().__call__(model)
