from torch import Tensor

from lt_mm.core import ClassCountsReceiver
from lt_mm.core.losses.logit_adjustment import adjust_logits, log_class_prior
from lt_mm.core.losses.soft_target import soft_cross_entropy
from lt_mm.registry import MODELS
from .cls_loss import ClsLoss


@MODELS.register_module()
class LogitAdjustmentLoss(ClassCountsReceiver, ClsLoss):
    """Logit-adjusted cross-entropy (Menon et al., ICLR 2021):
    ``L = -log softmax(z + tau * log pi)_y`` with class priors
    ``pi_j = n_j / sum(n)``.

    arXiv: https://arxiv.org/abs/2007.07314

    Predictions use the raw logits z, which are already balanced. The class
    counts come from :class:`lt_mm.ClassStatisticsHook` and are kept in the
    ``class_counts`` buffer.

    Args:
        num_classes (int): Number of classes.
        tau (float): Scale of the log prior. Defaults to 1.0.
        loss_weight (float): Multiplies the loss. Defaults to 1.0.
        reduction (str): 'mean', 'sum' or 'none' (see :class:`ClsLoss`).
            Defaults to 'mean'.
    """

    def __init__(self, num_classes: int, tau: float = 1.0,
                 loss_weight: float = 1.0, reduction: str = 'mean') -> None:
        super().__init__(loss_weight, reduction)
        self.init_class_statistics(num_classes)
        self.tau = tau

    def sample_losses(self, cls_score: Tensor, target: Tensor) -> Tensor:
        log_prior = log_class_prior(self.require_class_counts())
        return soft_cross_entropy(
            adjust_logits(cls_score, log_prior, self.tau), target)
