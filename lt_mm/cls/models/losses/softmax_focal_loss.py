from torch import Tensor

from lt_mm.core.losses.focal import softmax_focal_loss
from lt_mm.registry import MODELS
from .cls_loss import ClsLoss


@MODELS.register_module()
class SoftmaxFocalLoss(ClsLoss):
    """Softmax focal loss, the form long-tailed classification papers use
    (Lin et al., ICCV 2017): ``L = (1 - p_y)^gamma * (-log p_y)``.

    arXiv: https://arxiv.org/abs/1708.02002

    mmpretrain's own ``FocalLoss`` is the sigmoid form; its counterpart here
    is ``lt_mm.ClassBalancedLoss(loss_type='focal')``.

    Args:
        gamma (float): Focusing parameter. Defaults to 1.0 (the CIFAR-LT
            setting of the LDAM and CB papers' baselines).
        loss_weight (float): Multiplies the loss. Defaults to 1.0.
        reduction (str): 'mean', 'sum' or 'none' (see :class:`ClsLoss`).
            Defaults to 'mean'.
    """

    def __init__(self, gamma: float = 1.0, loss_weight: float = 1.0,
                 reduction: str = 'mean') -> None:
        super().__init__(loss_weight, reduction)
        if gamma < 0:
            raise ValueError(f'gamma must be non-negative, got {gamma}')
        self.gamma = gamma

    def sample_losses(self, cls_score: Tensor, target: Tensor) -> Tensor:
        return softmax_focal_loss(cls_score, target, self.gamma)
