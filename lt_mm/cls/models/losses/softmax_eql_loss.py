from torch import Tensor

from lt_mm.core import ClassCountsReceiver
from lt_mm.core.losses.softmax_eql import (sample_suppression,
                                           softmax_eql_loss, tail_classes)
from lt_mm.registry import MODELS
from .cls_loss import ClsLoss


@MODELS.register_module()
class SoftmaxEQLLoss(ClassCountsReceiver, ClsLoss):
    """Softmax equalization loss (Tan et al., CVPR 2020, Sec. 5):
    ``p_j = e^{z_j} / sum_k w_k e^{z_k}``,
    ``w_k = 1 - beta_k T_lambda(f_k) (1 - y_k)``,
    ``beta_k ~ Bernoulli(gamma)``,
    with f the class frequency n_j / sum(n) (see
    :mod:`lt_mm.core.losses.softmax_eql`).

    arXiv: https://arxiv.org/abs/2003.05176

    The tail set follows from the ``class_counts`` buffer, which
    :class:`lt_mm.ClassStatisticsHook` fills. Outside training no class is
    suppressed (the loss is the plain cross-entropy).

    Args:
        num_classes (int): Number of classes.
        gamma (float): Probability of suppressing a tail class. Defaults to
            0.9.
        lambda_ (float): Frequency threshold of the tail. Defaults to 0.005
            (CIFAR-100-LT).
        loss_weight (float): Multiplies the loss. Defaults to 1.0.
        reduction (str): 'mean', 'sum' or 'none' (see :class:`ClsLoss`).
            Defaults to 'mean'.
    """

    def __init__(self,
                 num_classes: int,
                 gamma: float = 0.9,
                 lambda_: float = 0.005,
                 loss_weight: float = 1.0,
                 reduction: str = 'mean') -> None:
        super().__init__(loss_weight, reduction)
        if not 0 <= gamma <= 1:
            raise ValueError(f'gamma must lie in [0, 1], got {gamma}')
        self.init_class_statistics(num_classes)
        self.gamma, self.lambda_ = gamma, lambda_

    def sample_losses(self, cls_score: Tensor, target: Tensor) -> Tensor:
        tail = tail_classes(self.require_class_counts(), self.lambda_).to(
            cls_score.device)
        gamma = self.gamma if self.training else 0.0
        suppressed = sample_suppression(tail, len(cls_score), gamma)
        return softmax_eql_loss(cls_score, target, suppressed)
