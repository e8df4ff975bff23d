from lt_mm.registry import MODELS
from .logit_adjustment_loss import LogitAdjustmentLoss


@MODELS.register_module()
class BalancedSoftmaxLoss(LogitAdjustmentLoss):
    """Balanced Softmax (Ren et al., "Balanced Meta-Softmax for Long-Tailed
    Visual Recognition", NeurIPS 2020): ``L = -log softmax(z + log n)_y``.

    arXiv: https://arxiv.org/abs/2007.10740

    It is the logit-adjusted loss with tau = 1 (``log n`` and ``log pi``
    differ by a constant, which the softmax ignores), so this class only
    fixes tau.

    Args:
        num_classes (int): Number of classes.
        loss_weight (float): Multiplies the loss. Defaults to 1.0.
        reduction (str): 'mean', 'sum' or 'none' (see ``ClsLoss``).
            Defaults to 'mean'.
    """

    def __init__(self, num_classes: int, loss_weight: float = 1.0,
                 reduction: str = 'mean') -> None:
        super().__init__(num_classes, 1.0, loss_weight, reduction)
