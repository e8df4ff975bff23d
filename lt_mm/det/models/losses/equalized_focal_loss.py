from typing import Optional, Union

import torch
from torch import Tensor

from lt_mm.core.finite_statistics import FiniteStatisticsGuard
from lt_mm.core.losses.equalized_focal import (efl_focusing_factors,
                                               efl_gradient_sums,
                                               equalized_focal_loss)
from lt_mm.core.losses.long_tailed_loss import LongTailedLoss
from lt_mm.registry import MODELS
from .classifier_prior import ClassifierPriorMixin


@MODELS.register_module()
class EqualizedFocalLoss(ClassifierPriorMixin, LongTailedLoss):
    """Equalized Focal Loss for mmdet's dense heads (Li et al., CVPR 2022).

    arXiv: https://arxiv.org/abs/2201.02593

    A drop-in ``loss_cls`` for the heads that call mmdet's sigmoid
    ``FocalLoss`` as ``loss_cls(cls_score (N, C), labels (N, ), label_weights
    (N, ), avg_factor=...)`` with background label C (ATSSHead, RetinaHead,
    FCOSHead): C sigmoid logits, no background logit, so the heads' test
    scores stay ``sigmoid(z)`` (their ``use_sigmoid_cls``, from
    ``use_sigmoid=True``), as in the authors' code. Class j's focal loss
    uses ``gamma_j = gamma + s (1 - g_j)`` and weight ``gamma_j / gamma``,
    ``g_j = min(1, pos_j / (neg_j + 1e-10))`` (see
    :mod:`lt_mm.core.losses.equalized_focal`); with s = 0 it is mmdet's
    ``FocalLoss``. When the head is initialised the bias of its classifier
    (``atss_cls``, ``retina_cls`` or ``conv_cls``) starts at
    ``-log((1 - p) / p)``, p = 0.001 (-6.907), the authors' ``init_prior``
    (configs/det/efl/efl_improved_baseline_r50_2x_rfs.yaml L158).

    Gradient statistics, as the authors collect them (ModelTC/
    United-Perception, up/utils/general/hook_helper.py L567-L593, a backward
    hook on the classifier's output; up/tasks/det/plugins/efl/models/losses/
    efl.py L98-L116): ``pos_grad[j]`` and ``neg_grad[j]`` accumulate, over
    all steps and ranks and never reset, the absolute gradient of the loss
    with respect to class j's logits at the anchors where j is the label and
    where it is not. The gradient is that of the reduced loss this module
    returns (loss weight, label weights and the ``1 / avg_factor``
    normaliser included), computed in closed form in the forward pass and
    equal to autograd's. Each call's sums are all-reduced over ranks in the
    forward pass (every rank calls the loss equally often: mmdet's dense
    heads once per FPN level and step) and held back; the first backward
    pass through any of the step's outputs adds them to the buffers (an
    output without a graph adds them at once). So all levels of step t use
    the statistics of steps 0 to t - 1, step 0 is the plain focal loss, the
    buffers hold step t once its backward pass has run, and no collective
    depends on a backward pass reaching the loss. Unlike the authors' hook,
    the statistics do not see AMP's loss scale or a gradient-accumulation
    divisor (their README: fp16 training gives unexpected results).

    ``pos_grad`` and ``neg_grad`` are float64 buffers that checkpoints carry.
    An anchor with a NaN or inf logit or label weight is left out of the
    statistics, counted in ``statistics_guard`` (one update per call) and
    reported once (:mod:`lt_mm.core.finite_statistics`). Labels outside
    [0, C] raise an error on the CPU (checking CUDA labels would wait for
    the device).

    Args:
        num_classes (int): Foreground classes C. Defaults to 1203.
        gamma (float): The base focusing factor gamma_b (the key of mmdet's
            ``FocalLoss``). Defaults to 2.0.
        scale_factor (float): The scale s of the class-dependent part; 8
            for RetinaNet-style heads, 4 for YOLOX in the authors' configs.
            Defaults to 8.0.
        alpha (float, optional): Weight of the positive labels, negatives
            weigh 1 - alpha; None weighs both 1. Defaults to 0.25.
        loss_weight (float): Multiplies the loss. Defaults to 1.0.
        reduction (str): 'mean' (sum over anchors and classes divided by
            ``avg_factor``, by default the number of anchors, where mmdet's
            FocalLoss divides by anchors x classes), 'sum' or 'none' (per
            anchor, summed over classes). Defaults to 'mean'.
        use_sigmoid (bool): The key of mmdet's ``loss_cls`` configs that
            makes dense heads output C logits and score with sigmoids; must
            be True. Defaults to True.
        prior_prob (float, optional): Prior p of the classifier bias, set
            when the head is initialised; None keeps the head's
            initialisation. Defaults to 0.001.
    """
    use_sigmoid = True
    classifier_names = ('atss_cls', 'retina_cls', 'conv_cls')

    def __init__(self,
                 num_classes: int = 1203,
                 gamma: float = 2.0,
                 scale_factor: float = 8.0,
                 alpha: Optional[float] = 0.25,
                 loss_weight: float = 1.0,
                 reduction: str = 'mean',
                 use_sigmoid: bool = True,
                 prior_prob: Optional[float] = 0.001) -> None:
        super().__init__(num_classes, loss_weight, reduction)
        if use_sigmoid is not True:
            raise ValueError(f'{type(self).__name__} is a sigmoid loss: it '
                             'needs use_sigmoid=True')
        if gamma <= 0:
            raise ValueError(f'gamma (gamma_b) must be positive, got {gamma}')
        if scale_factor < 0:
            raise ValueError(
                f'scale_factor must be non-negative, got {scale_factor}')
        if alpha is not None and not 0 <= alpha <= 1:
            raise ValueError(f'alpha must be in [0, 1] or None, got {alpha}')
        self.init_prior(prior_prob, use_sigmoid)
        self.gamma, self.scale_factor, self.alpha = gamma, scale_factor, alpha
        self.register_buffer('pos_grad',
                             torch.zeros(num_classes, dtype=torch.float64))
        self.register_buffer('neg_grad',
                             torch.zeros(num_classes, dtype=torch.float64))
        self.statistics_guard = FiniteStatisticsGuard(
            f'{type(self).__name__} (pos_grad, neg_grad)')
        # (2, C) sums over ranks of this step's calls, added to the buffers
        # by the step's backward pass
        self._pending: Optional[Tensor] = None

    def focusing_factors(self):
        """(C, ) float64 focusing factors gamma_j and weights
        gamma_j / gamma_b from the statistics so far."""
        return efl_focusing_factors(self.pos_grad, self.neg_grad, self.gamma,
                                    self.scale_factor)

    def forward(self,
                cls_score: Tensor,
                labels: Tensor,
                label_weights: Optional[Tensor] = None,
                avg_factor: Optional[Union[float, Tensor]] = None,
                reduction_override: Optional[str] = None) -> Tensor:
        """The loss of (N, C) logits and (N, ) labels (C is background).

        Args:
            cls_score (Tensor): (N, C) logits.
            labels (Tensor): (N, ) labels in [0, C].
            label_weights (Tensor, optional): (N, ) weights of the anchors;
                0 leaves an anchor out. Defaults to None (all 1).
            avg_factor (float | Tensor, optional): Divisor of 'mean', at
                least 1. Defaults to None (N).
            reduction_override (str, optional): Replaces ``reduction``.

        Returns:
            Tensor: The loss.
        """
        self.check_logits(cls_score)
        self._check_labels(labels, len(cls_score))
        reduction = self.check_reduction(reduction_override or self.reduction)
        logits = self.upcast(cls_score)
        row_w = None
        if label_weights is not None:
            if label_weights.shape != labels.shape:
                raise ValueError(
                    f'{type(self).__name__} takes one weight per anchor '
                    f'({tuple(labels.shape)}), got label_weights of shape '
                    f'{tuple(label_weights.shape)}')
            row_w = label_weights.to(logits)
        gamma, weight = self.focusing_factors()
        loss, grad = equalized_focal_loss(logits, labels, gamma, weight,
                                          self.alpha)
        out = self.reduce_per_sample(loss, row_w, reduction, avg_factor)
        if self.training:
            self._accumulate(logits, labels, grad, row_w, reduction,
                             avg_factor)
            if out.requires_grad:
                out.register_hook(self._commit_on_backward)
            else:
                self._commit()
        return out

    def _check_labels(self, labels: Tensor, num_rows: int) -> None:
        if labels.shape != (num_rows, ):
            raise ValueError(f'labels must be ({num_rows}, ), got '
                             f'{tuple(labels.shape)}')
        if (not labels.is_cuda and len(labels)
                and not 0 <= int(labels.min()) <= int(labels.max())
                <= self.num_classes):
            raise ValueError(
                f'labels must lie in [0, {self.num_classes}] '
                f'({self.num_classes} is background), got values in '
                f'[{int(labels.min())}, {int(labels.max())}]')

    def _row_scale(self, row_w: Optional[Tensor], like: Tensor,
                   reduction: str, avg_factor) -> Tensor:
        """d(returned loss) / d(anchor i's loss), the factor that turns an
        anchor's own gradient into the returned loss's (for 'none', of the
        sum of the returned losses); mirrors :meth:`reduce_per_sample`."""
        scale = like.new_full((len(like), ), float(self.loss_weight))
        if row_w is not None:
            scale = scale * row_w
        if reduction == 'mean':
            # weight_reduce_loss divides by avg_factor + float32 eps
            scale = scale / (max(avg_factor or len(like), 1) +
                             torch.finfo(torch.float32).eps)
        return scale

    def _accumulate(self, logits, labels, grad, row_w, reduction,
                    avg_factor) -> None:
        """This call's sums, summed over ranks, added to the pending ones."""
        scale = self._row_scale(row_w, logits, reduction, avg_factor)
        keep = self.statistics_guard.finite_rows(logits, scale)
        pos, neg = efl_gradient_sums(grad, labels, scale, keep)
        pos, neg = self.statistics_guard.record(pos, neg)
        step = torch.stack([pos, neg]).to(self.pos_grad.device)
        self._pending = step if self._pending is None else \
            self._pending + step

    def _commit_on_backward(self, grad_out: Tensor) -> None:
        self._commit()

    def _commit(self) -> None:
        """Add the pending sums to the buffers (once per step: the other
        outputs' backward hooks find nothing pending)."""
        if self._pending is not None:
            pending, self._pending = self._pending, None
            self.pos_grad += pending[0]
            self.neg_grad += pending[1]
