from torch import Tensor

from lt_mm.core import ClassCountsReceiver
from lt_mm.core.losses.label_aware_smoothing import (
    label_aware_smoothing_factors, label_aware_smoothing_loss)
from lt_mm.registry import MODELS
from .cls_loss import ClsLoss


@MODELS.register_module()
class LabelAwareSmoothingLoss(ClassCountsReceiver, ClsLoss):
    """Label-aware smoothing (MiSLAS; Zhong et al., CVPR 2021): cross-entropy
    against ``(1 - eps_y) e_y + eps_y / C`` with ``eps_y`` rising from
    ``eps_tail`` (rarest class) to ``eps_head`` (largest class) along a sine
    of the normalised class count (see
    :mod:`lt_mm.core.losses.label_aware_smoothing`).

    arXiv: https://arxiv.org/abs/2104.00466

    Args:
        num_classes (int): Number of classes.
        eps_head (float): Defaults to 0.4 (CIFAR-100-LT, imbalance 100).
        eps_tail (float): Defaults to 0.1.
        shape (str): 'concave' (the sine) or 'linear'.
        loss_weight (float): Multiplies the loss. Defaults to 1.0.
        reduction (str): 'mean', 'sum' or 'none' (see :class:`ClsLoss`).
            Defaults to 'mean'.
    """

    def __init__(self,
                 num_classes: int,
                 eps_head: float = 0.4,
                 eps_tail: float = 0.1,
                 shape: str = 'concave',
                 loss_weight: float = 1.0,
                 reduction: str = 'mean') -> None:
        super().__init__(loss_weight, reduction)
        # validates the arguments once, before training
        label_aware_smoothing_factors([1, 2], eps_head, eps_tail, shape)
        self.init_class_statistics(num_classes)
        self.eps_head, self.eps_tail, self.shape = eps_head, eps_tail, shape

    def sample_losses(self, cls_score: Tensor, target: Tensor) -> Tensor:
        eps = label_aware_smoothing_factors(self.require_class_counts(),
                                            self.eps_head, self.eps_tail,
                                            self.shape)
        return label_aware_smoothing_loss(cls_score, target, eps)
