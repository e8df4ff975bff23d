from torch import Tensor

from lt_mm.core.losses.class_balanced_weights import inverse_frequency_weights
from lt_mm.core.losses.soft_target import soft_cross_entropy
from lt_mm.registry import MODELS
from ..class_counts import ClassCountsMixin
from .cls_loss import ClsLoss


@MODELS.register_module()
class WeightedSoftmaxLoss(ClassCountsMixin, ClsLoss):
    """Re-weighted softmax cross-entropy: ``L = -w_y log p_y`` with
    ``w_j`` proportional to ``1 / n_j``, normalised to sum C.

    The class counts come from :class:`lt_mm.ClassStatisticsHook` and are
    kept in the ``class_counts`` buffer.

    Args:
        num_classes (int): Number of classes.
        loss_weight (float), reduction (str): see :class:`ClsLoss`.
    """

    def __init__(self, num_classes: int, loss_weight: float = 1.0,
                 reduction: str = 'mean') -> None:
        super().__init__(loss_weight, reduction)
        self._init_class_counts(num_classes)

    def sample_losses(self, cls_score: Tensor, target: Tensor) -> Tensor:
        weights = inverse_frequency_weights(self.require_class_counts())
        return soft_cross_entropy(cls_score, target, weights)
