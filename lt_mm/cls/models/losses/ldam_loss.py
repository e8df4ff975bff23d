from torch import Tensor

from lt_mm.core import ClassCountsReceiver
from lt_mm.core.losses.ldam import ldam_loss, ldam_margins
from lt_mm.registry import MODELS
from .cls_loss import ClsLoss
from .deferred_reweighting import DeferredReweightingMixin


@MODELS.register_module()
class LDAMLoss(DeferredReweightingMixin, ClassCountsReceiver, ClsLoss):
    """LDAM loss (Cao et al., NeurIPS 2019) with deferred re-weighting.

    arXiv: https://arxiv.org/abs/1906.07413

    ``l_i = -log softmax(z - s * m_y * e_y)_y`` with margins
    ``m_j = max_m * (n_min / n_j)^(1/4)`` (see :mod:`lt_mm.core.losses.ldam`).
    The logits must be scaled cosines ``z = s * cos(theta)``: pair it with
    ``lt_mm.CosineClsHead(scale=s)``. The class weights w are 1 until
    :class:`lt_mm.DRWHook` switches them to the class-balanced weights
    (beta 0.9999) at its ``start_epoch`` (160 of 200 on CIFAR-LT); the batch
    loss is then ``sum_i w_{y_i} l_i / sum_i w_{y_i}``, the authors'
    ``F.cross_entropy(s * output, target, weight=w)`` (kaidic/LDAM-DRW,
    losses.py L45), not the mean over the batch, which would shrink the
    re-weighted phase's loss and gradients by the batch's mean weight
    (about 0.2 on CIFAR-100-LT).

    Args:
        num_classes (int): Number of classes.
        max_m (float): Largest margin, in cosine units. Defaults to 0.5.
        scale (float): s, the scale of the head's cosines. Defaults to 30.
        loss_weight (float): Multiplies the loss. Defaults to 1.0.
        reduction (str): 'mean', 'sum' or 'none' (see :class:`ClsLoss`).
            Defaults to 'mean'.
        normalize_by_weights (bool): see :class:`ClsLoss`. Defaults to True
            (the authors' reduction).
    """

    def __init__(self,
                 num_classes: int,
                 max_m: float = 0.5,
                 scale: float = 30.0,
                 loss_weight: float = 1.0,
                 reduction: str = 'mean',
                 normalize_by_weights: bool = True) -> None:
        super().__init__(loss_weight, reduction, normalize_by_weights)
        if max_m <= 0 or scale <= 0:
            raise ValueError('max_m and scale must be positive')
        self.init_class_statistics(num_classes)
        self.max_m, self.scale = max_m, scale

    def sample_losses(self, cls_score: Tensor, target: Tensor) -> Tensor:
        margins = ldam_margins(self.require_class_counts(), self.max_m)
        return ldam_loss(cls_score, target, margins, self.scale,
                         self.class_weights())
