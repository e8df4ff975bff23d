from typing import Dict, Optional

import torch
import torch.nn as nn
from mmdet.registry import MODELS as MMDET_MODELS
from torch import Tensor

from lt_mm.core import (ClassStatistics, ClassStatisticsReceiver,
                        at_least_float32)
from lt_mm.core.norcal import norcal_log_weights, norcal_logits
from lt_mm.registry import MODELS

_WRAPPED = 'loss'


@MODELS.register_module()
class NorCalCalibration(ClassStatisticsReceiver, nn.Module):
    """NorCal's test-time calibration around a bbox head's ``loss_cls``
    (Pan et al., NeurIPS 2021).

    arXiv: https://arxiv.org/abs/2107.02170

    Put in place of a trained detector's ``loss_cls``, with that loss as
    ``loss``; nothing is retrained. In eval mode the head's test scores
    (``get_activation``, which mmdet's ``BBoxHead`` asks for once
    ``custom_cls_channels`` is set) become :func:`lt_mm.core.norcal.
    norcal_scores`: each foreground score divided by ``N_j ** gamma``, ``N_j``
    the training images of class ``j``, the background score left as it
    is, all C + 1 renormalised. The scores calibrated are the wrapped loss's
    own (its ``get_activation``, or mmdet's softmax over C + 1 logits for a
    loss without one, such as ``CrossEntropyLoss``); gamma = 0 returns them
    unchanged (the authors' default, calibration off).

    Training, the losses, the logged accuracies, the classifier's channel
    count and the scores in train mode (a cascade's stage refinement while
    training) are the wrapped loss's, unchanged. The wrapped loss's state
    (Seesaw's ``cum_samples`` ...) is saved and loaded under this module's
    own prefix, as if unwrapped, so checkpoints of the config with and
    without NorCal load into each other.

    ``N`` comes from :class:`lt_mm.ClassStatisticsHook`
    (``ClassStatistics.image_counts`` of the training set). It is derived,
    not saved: its buffers are not in the state dict, and
    ``tools/test.py`` hands the training set's counts over before testing.

    The authors calibrate softmax classifiers only (tydpan/NorCal,
    projects/NorCal/norcal/roi_heads.py L89-L109: C + 1 scores, background
    last); a sigmoid loss is refused.

    Args:
        loss (dict): Config of the wrapped classification loss (a softmax
            loss over C + 1 scores: mmdet's ``CrossEntropyLoss``,
            ``lt_mm.SeesawLoss`` ...).
        gamma (float): Calibration exponent, >= 0, tuned per model; 0
            returns the wrapped loss's scores. Required: no value suits
            every model (the authors' code defaults to 0, calibration off,
            tydpan/NorCal projects/NorCal/norcal/config.py L8, and takes
            the tuned value on the command line, README.md L24). Defaults
            to None, which raises.
        num_classes (int, optional): Foreground classes; defaults to the
            wrapped loss's ``num_classes`` (mmdet's ``CrossEntropyLoss``
            has none, so give it). Defaults to None.
    """
    custom_cls_channels = True

    def __init__(self,
                 loss: dict,
                 gamma: Optional[float] = None,
                 num_classes: Optional[int] = None) -> None:
        super().__init__()
        if gamma is None:
            raise ValueError(
                'NorCalCalibration needs gamma, which the authors tune per '
                'model (0 turns the calibration off): set it in the config '
                'or pass --cfg-options '
                'model.roi_head.bbox_head.loss_cls.gamma=<value>')
        norcal_log_weights(torch.ones(1), gamma)  # refuses a bad gamma
        self.gamma = float(gamma)
        if not isinstance(loss, dict) or 'type' not in loss:
            raise TypeError('NorCalCalibration needs loss=dict(type=...), the '
                            f'config of the loss it wraps, got {loss!r}')
        wrapped = MMDET_MODELS.build(loss)
        if getattr(wrapped, 'use_sigmoid', False):
            raise ValueError(
                f'NorCal calibrates softmax scores over C + 1 classes '
                f'(background last); {type(wrapped).__name__} with '
                'use_sigmoid=True scores classes independently, which the '
                "authors' NorCal does not cover")
        if num_classes is None:
            num_classes = getattr(wrapped, 'num_classes', None)
            if num_classes is None:
                raise ValueError(
                    f'{type(wrapped).__name__} has no num_classes: give '
                    'NorCalCalibration num_classes')
        elif getattr(wrapped, 'num_classes', num_classes) != num_classes:
            raise ValueError(
                f'NorCalCalibration has num_classes={num_classes} but '
                f'{type(wrapped).__name__} has {wrapped.num_classes}')
        setattr(self, _WRAPPED, wrapped)
        self.init_class_statistics(num_classes)
        # derived from the training set at every start, never from a
        # checkpoint, so a baseline checkpoint loads without them
        for name, value in (
                ('has_statistics', torch.tensor(False)),
                ('image_counts',
                 torch.zeros(num_classes, dtype=torch.float64)),
                ('log_weights', torch.zeros(num_classes,
                                            dtype=torch.float64))):
            self.register_buffer(name, value, persistent=False)
        # the public name since torch 2.3, the same hook before
        getattr(self, 'register_state_dict_post_hook',
                self._register_state_dict_hook)(_save_unwrapped)

    # mmdet's BBoxHead protocol, as the wrapped loss answers it
    @property
    def custom_activation(self) -> bool:
        return getattr(self.loss, 'custom_activation', False)

    @property
    def custom_accuracy(self) -> bool:
        return getattr(self.loss, 'custom_accuracy', False)

    @property
    def use_sigmoid(self) -> bool:
        return False

    def get_cls_channels(self, num_classes: int) -> int:
        if num_classes != self.num_classes:
            raise ValueError(f'the bbox head has num_classes={num_classes} '
                             f'but NorCalCalibration has {self.num_classes}')
        if getattr(self.loss, 'custom_cls_channels', False):
            return self.loss.get_cls_channels(num_classes)
        return num_classes + 1

    def get_accuracy(self, cls_score: Tensor,
                     labels: Tensor) -> Dict[str, Tensor]:
        return self.loss.get_accuracy(cls_score, labels)

    def forward(self, *args, **kwargs):
        return self.loss(*args, **kwargs)

    def receive_class_statistics(self, stats: ClassStatistics) -> None:
        counts = torch.as_tensor(stats.image_counts, dtype=torch.float64)
        self.log_weights.copy_(norcal_log_weights(counts, self.gamma))
        self.image_counts.copy_(counts)

    def _model_scores(self, cls_score: Tensor) -> Tensor:
        """The wrapped loss's (N, C + 1) test scores, background last."""
        if getattr(self.loss, 'custom_cls_channels', False):
            return self.loss.get_activation(cls_score)
        return at_least_float32(cls_score).softmax(-1)

    def get_activation(self, cls_score: Tensor) -> Tensor:
        """(N, channels) logits -> (N, C + 1) scores, background last:
        calibrated in eval mode, the wrapped loss's in train mode."""
        if self.training or self.gamma == 0:
            return self._model_scores(cls_score)
        self.require_statistics()
        if getattr(self.loss, 'custom_cls_channels', False):
            # scores proportional to probabilities calibrate through their
            # logarithm (an exact 0 stays 0)
            logits = self.loss.get_activation(cls_score).log()
        else:
            logits = cls_score
        return norcal_logits(logits, self.log_weights).softmax(-1)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata,
                              strict, missing_keys, unexpected_keys,
                              error_msgs) -> None:
        # every key under this prefix is the wrapped loss's, saved unwrapped
        for key in [k for k in state_dict if k.startswith(prefix)]:
            state_dict[f'{prefix}{_WRAPPED}.{key[len(prefix):]}'] = \
                state_dict.pop(key)
        super()._load_from_state_dict(state_dict, prefix, local_metadata,
                                      strict, missing_keys, unexpected_keys,
                                      error_msgs)


def _save_unwrapped(module: NorCalCalibration, state_dict: dict, prefix: str,
                    local_metadata: dict) -> None:
    """Save the wrapped loss's state under the wrapper's prefix."""
    inner = f'{prefix}{_WRAPPED}.'
    for key in [k for k in state_dict if k.startswith(inner)]:
        state_dict[prefix + key[len(inner):]] = state_dict.pop(key)
