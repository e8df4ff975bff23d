from typing import List, Optional

import torch.nn as nn
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from lt_mm.registry import HOOKS


def frozen_modules(model: nn.Module) -> List[nn.Module]:
    """The outermost submodules whose parameters are all frozen.

    A module with no parameters of its own (dropout, a parameter-free
    normalisation) is covered through the frozen module that holds it; one
    that hangs directly under a trainable module follows the runner's mode.
    """
    found, covered = [], []
    for name, module in model.named_modules():
        if not name or any(name.startswith(c + '.') for c in covered):
            continue
        params = list(module.parameters())
        if params and not any(p.requires_grad for p in params):
            found.append(module)
            covered.append(name)
    return found


@HOOKS.register_module()
class FrozenModulesHook(Hook):
    """Sets the mode of the frozen parts of a model while it trains.

    The runner puts the whole model in train mode before every epoch
    (iteration, for iteration-based loops). With ``mode='eval'`` this hook
    then returns each module whose parameters are all frozen
    (``requires_grad=False``, e.g. by
    :class:`lt_mm.DecoupledOptimWrapperConstructor` in a decoupled second
    stage) to eval mode, so frozen BatchNorm statistics and dropout do not
    change. That is how the hosts treat their own frozen stages
    (``frozen_stages`` of mmdet's and mmpretrain's ResNet), so for models
    without other frozen parts it changes nothing. With ``mode='train'`` the
    frozen modules follow the runner's train mode: a frozen BatchNorm
    normalises with batch statistics and its running statistics follow the
    (re-sampled) data, as the authors of cRT / LWS train their second stage
    and as MiSLAS' ``shift_bn`` does.

    lt_mm's runtime bases register it as ``default_hooks.frozen_modules``;
    a config picks the mode with ``default_hooks=dict(
    frozen_modules=dict(mode='train'))``.

    Args:
        mode (str): 'eval' or 'train'. Defaults to 'eval'.
    """
    priority = 'LOW'
    MODES = ('eval', 'train')

    def __init__(self, mode: str = 'eval') -> None:
        if mode not in self.MODES:
            raise ValueError(
                f'mode must be one of {self.MODES}, got {mode!r}')
        self.mode = mode
        self._frozen: Optional[List[nn.Module]] = None

    def before_train(self, runner) -> None:
        if self.mode == 'train':
            return
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        self._frozen = frozen_modules(model)

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch=None) -> None:
        for module in self._frozen or ():
            module.eval()
