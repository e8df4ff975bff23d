from torch import Tensor

from lt_mm.core import ClassCountsReceiver
from lt_mm.core.losses.class_balanced_weights import class_balanced_weights
from lt_mm.core.losses.softmax_bce import softmax_bce_loss
from lt_mm.registry import MODELS
from .cls_loss import ClsLoss


@MODELS.register_module()
class ClassBalancedSoftmaxBCELoss(ClassCountsReceiver, ClsLoss):
    """Class-balanced binary cross-entropy on softmax probabilities, the
    second-stage loss of weight balancing (Alshammari et al., "Long-Tailed
    Recognition via Weight Balancing", CVPR 2022).

    arXiv: https://arxiv.org/abs/2203.14197

    ``w_y / C * (-log p_y - sum_{j != y} log(1 - p_j))`` with p = softmax(z)
    and the class-balanced weights ``w_y ~ (1 - beta) / (1 - beta^{n_y})``
    (summing to C), averaged over the batch: the authors'
    ``CB_loss(..., 'softmax', beta=0.9999)``, i.e.
    ``F.binary_cross_entropy(softmax(z), one_hot(y), weight=w_y)``
    (ShadeAlsha/LTR-weight-balancing, utils/class_balanced_loss.py L72-L94;
    see :mod:`lt_mm.core.losses.softmax_bce`). It differs from
    ``lt_mm.ClassBalancedLoss(loss_type='softmax')``, Cui et al.'s weighted
    softmax cross-entropy, in form and by a factor of about C in scale,
    which the authors' weight decay (0.1) is tuned against.

    Args:
        num_classes (int): Number of classes.
        beta (float): Class-balanced beta. Defaults to 0.9999.
        loss_weight (float): Multiplies the loss. Defaults to 1.0.
        reduction (str): 'mean', 'sum' or 'none' (see :class:`ClsLoss`).
            Defaults to 'mean'.
    """

    def __init__(self,
                 num_classes: int,
                 beta: float = 0.9999,
                 loss_weight: float = 1.0,
                 reduction: str = 'mean') -> None:
        super().__init__(loss_weight, reduction)
        if not 0 <= beta < 1:
            raise ValueError(f'beta must lie in [0, 1), got {beta}')
        self.init_class_statistics(num_classes)
        self.beta = beta

    def sample_losses(self, cls_score: Tensor, target: Tensor) -> Tensor:
        weights = class_balanced_weights(self.require_class_counts(),
                                         self.beta)
        return softmax_bce_loss(cls_score, target.to(cls_score.dtype),
                                weights.to(cls_score.device))
