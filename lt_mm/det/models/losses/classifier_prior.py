"""A loss that starts its head's classifier bias at the loss's prior.

A sigmoid loss knows the prior probability its classifier should start at
(:func:`lt_mm.core.losses.sigmoid_prior.prior_bias`), the head that owns the
classifier does not: mmdet's bbox heads initialise ``fc_cls`` with a zero
bias whatever the loss. So the loss sets the bias itself, with no config
entry and no change to the head:

- PyTorch reports every submodule assignment to a global registration hook;
  the hook below gives a :class:`ClassifierPriorMixin` a weak reference to
  each module it is assigned to (the bbox head that does
  ``self.loss_cls = MODELS.build(loss_cls)``). A deep copy of the head
  copies the reference to the head's copy.
- mmengine's ``BaseModule.init_weights`` applies the head's ``init_cfg``
  (``fc_cls``: Normal, bias 0) and then calls ``init_weights()`` of each
  child that has one, the loss included. The loss then fills the bias of its
  holder's classifier.
- The Runner calls ``init_weights`` before ``load_from`` / ``resume``, so a
  classifier loaded from a checkpoint keeps the checkpoint's bias.
"""
import weakref
from typing import Optional, Tuple

import torch
import torch.nn as nn
from torch.nn.modules.module import register_module_module_registration_hook

from lt_mm.core.losses.sigmoid_prior import prior_bias


class _HolderRef:
    """Weak reference to a module holding a loss. A deep copy of the holder
    (which copies the loss with it) refers to the holder's copy; a pickled
    one refers to nothing."""
    __slots__ = ('_ref', )

    def __init__(self, holder: Optional[nn.Module]) -> None:
        self._ref = None if holder is None else weakref.ref(holder)

    def __call__(self) -> Optional[nn.Module]:
        return None if self._ref is None else self._ref()

    def __deepcopy__(self, memo: dict) -> '_HolderRef':
        holder = self()
        # copy.deepcopy enters the copied holder in memo before its children
        return _HolderRef(memo.get(id(holder), holder))

    def __reduce__(self):
        return _HolderRef, (None, )


def _remember_holder(module: nn.Module, name: str,
                     submodule: Optional[nn.Module]) -> None:
    if isinstance(submodule, ClassifierPriorMixin):
        submodule.__dict__.setdefault('_prior_holders',
                                      []).append(_HolderRef(module))


register_module_module_registration_hook(_remember_holder)


class ClassifierPriorMixin:
    """Fills the bias of the holder's classifier with the prior logit when
    the holder is initialised.

    A loss sets ``prior_prob`` (None: leave the head's initialisation alone)
    and, when its head names the classifier otherwise,
    ``classifier_names`` (a dense head's ``conv_cls`` for instance).
    """
    prior_prob: Optional[float] = None
    classifier_names: Tuple[str, ...] = ('fc_cls', )

    def init_prior(self, prior_prob: Optional[float],
                   use_sigmoid: bool) -> None:
        """Check and keep ``prior_prob``: a probability in (0, 1) for a
        sigmoid classifier, or None."""
        if prior_prob is not None:
            if not use_sigmoid:
                raise ValueError(f'{type(self).__name__} is a softmax loss; '
                                 'a prior_prob needs sigmoid logits')
            if not 0 < prior_prob < 1:
                raise ValueError(
                    f'prior_prob must be in (0, 1) or None, got {prior_prob}')
        self.prior_prob = prior_prob

    def init_weights(self) -> None:
        """Set the classifier bias to ``-log((1 - p) / p)``; mmengine calls
        this after the head's own ``init_cfg``."""
        if self.prior_prob is None:
            return
        bias = self.find_classifier().bias
        with torch.no_grad():
            bias.fill_(prior_bias(self.prior_prob))
        # mmengine logs which initialiser set each parameter last
        info = getattr(self, '_params_init_info', None)
        if info is not None and bias in info:
            info[bias]['init_info'] = (
                f'prior -log((1 - p) / p), p = {self.prior_prob}, set by '
                f'{type(self).__name__}')
            info[bias]['tmp_mean_value'] = bias.data.mean().cpu()

    def find_classifier(self) -> nn.Module:
        """The layer named in ``classifier_names`` of the module holding
        this loss as a direct child."""
        found = {}
        for ref in self.__dict__.get('_prior_holders', ()):
            holder = ref()
            # a holder may have replaced the loss since it was assigned
            if holder is None or not any(
                    child is self for child in holder.children()):
                continue
            for name in self.classifier_names:
                layer = getattr(holder, name, None)
                if isinstance(layer, nn.Module) and isinstance(
                        getattr(layer, 'bias', None), torch.Tensor):
                    found[id(layer)] = layer
                    break
        if len(found) != 1:
            where = ('no module holding it (a loss copied or unpickled '
                     'without its head has none) has' if not found else
                     f'{len(found)} modules holding it have')
            raise RuntimeError(
                f'{type(self).__name__} starts its classifier bias at the '
                f'prior p = {self.prior_prob}, but {where} a classifier '
                f'with a bias named one of {self.classifier_names}; set '
                'prior_prob=None to keep the head\'s own initialisation')
        return next(iter(found.values()))
