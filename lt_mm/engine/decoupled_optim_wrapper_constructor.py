from typing import List, Optional

import torch.nn as nn
from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapper

from lt_mm.registry import OPTIM_WRAPPER_CONSTRUCTORS


def _stay_in_eval(module: nn.Module, mode: bool = True) -> nn.Module:
    return nn.Module.train(module, False)


def _is_within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + '.')


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class DecoupledOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """Trains only the named parts of a model: the second stage of decoupled
    long-tailed training (Kang et al., "Decoupling Representation and
    Classifier for Long-Tailed Recognition", ICLR 2020), as used by cRT, LWS,
    BAGS, ACSL, SimCal and LOCE's fine-tuning.

    ``paramwise_cfg['trainable']`` lists module or parameter names (prefixes
    on ``.`` boundaries, e.g. ``'roi_head.bbox_head.fc_cls'`` or ``'head'``).
    Every other parameter gets ``requires_grad=False`` and stays out of the
    optimizer. ``paramwise_cfg['frozen_mode']`` says what the modules
    without a trainable parameter do:

    - ``'eval'`` (default): they are pinned to eval mode, although the
      runner puts the whole model back into train mode each epoch, so
      frozen BatchNorm statistics and dropout do not change. Right for
      mmdet's detectors, whose backbone BatchNorm is frozen anyway, and the
      detection second stages (BAGS, ACSL, SimCal, LOCE).
    - ``'train'``: they follow the runner's mode like the rest of the
      model. A frozen BatchNorm then normalises with batch statistics and
      updates its running mean and variance from the second stage's
      (class-balanced) batches while its affine weights stay fixed, as the
      authors of cRT / LWS train (classifier-balancing, run_networks.py
      L247-L249 put every network in train mode each epoch) and as MiSLAS'
      ``shift_bn`` does (MiSLAS, train_stage2.py L309-L313; Zhong et al.,
      "Improving Calibration for Long-Tailed Recognition", CVPR 2021).

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

        paramwise_cfg=dict(trainable=['head'], frozen_mode='train')
    """
    FROZEN_MODES = ('eval', 'train')

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
        self.frozen_mode = paramwise_cfg.pop('frozen_mode', 'eval')
        if self.frozen_mode not in self.FROZEN_MODES:
            raise ValueError(
                f"paramwise_cfg['frozen_mode'] must be one of "
                f'{self.FROZEN_MODES}, got {self.frozen_mode!r}')
        # a non-empty paramwise_cfg makes the base class go through
        # add_params, where the frozen parameters are left out
        super().__init__(optim_wrapper_cfg, paramwise_cfg)

    def freeze(self, model: nn.Module) -> None:
        """Freeze every parameter and module outside ``self.trainable``."""
        names = [name for name, _ in model.named_parameters()]
        for prefix in self.trainable:
            if not any(_is_within(name, prefix) for name in names):
                raise ValueError(
                    f"trainable name '{prefix}' matches no parameter of "
                    f'{type(model).__name__}')
        for name, param in model.named_parameters():
            param.requires_grad_(
                any(_is_within(name, prefix) for prefix in self.trainable))
        if self.frozen_mode == 'train':
            return
        for name, module in model.named_modules():
            params = list(module.parameters())
            # a module on the path to a trainable part keeps its train mode
            if name and params and not any(p.requires_grad for p in params):
                module.train = _stay_in_eval.__get__(module)
                module.eval()

    def add_params(self, params: List[dict], module: nn.Module,
                   prefix: str = '', is_dcn_module=None) -> None:
        groups: List[dict] = []
        super().add_params(groups, module, prefix, is_dcn_module)
        params.extend(g for g in groups if g['params'][0].requires_grad)

    def __call__(self, model: nn.Module) -> OptimWrapper:
        self.freeze(model.module if hasattr(model, 'module') else model)
        return super().__call__(model)
