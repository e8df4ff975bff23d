from torch import Tensor

from lt_mm.core import ClassCountsReceiver
from lt_mm.core.losses.class_balanced_weights import inverse_frequency_weights
from lt_mm.core.losses.soft_target import soft_cross_entropy
from lt_mm.registry import MODELS
from .cls_loss import ClsLoss


@MODELS.register_module()
class WeightedSoftmaxLoss(ClassCountsReceiver, ClsLoss):
    """Re-weighted softmax cross-entropy: ``l_i = -w_y log p_y`` with
    ``w_j`` proportional to ``1 / n_j``, normalised to sum C.

    The batch loss is ``sum_i w_{y_i} l_i / sum_i w_{y_i}``,
    ``F.cross_entropy(weight=w)``: the reduction of the re-weighted
    cross-entropy in the long-tailed codes (kaidic/LDAM-DRW,
    cifar_train.py L192-L198 and L211, class-balanced weights there; the
    survey authors' Vanint/SADE-AgnosticLT, model/loss.py L30-L48). The mean
    over the batch (``normalize_by_weights=False``) would scale the loss by
    the batch's mean weight, small for 1 / n weights on a long-tailed batch.

    The class counts come from :class:`lt_mm.ClassStatisticsHook` and are
    kept in the ``class_counts`` buffer.

    Args:
        num_classes (int): Number of classes.
        loss_weight (float): Multiplies the loss. Defaults to 1.0.
        reduction (str): 'mean', 'sum' or 'none' (see :class:`ClsLoss`).
            Defaults to 'mean'.
        normalize_by_weights (bool): see :class:`ClsLoss`. Defaults to True.
    """

    def __init__(self,
                 num_classes: int,
                 loss_weight: float = 1.0,
                 reduction: str = 'mean',
                 normalize_by_weights: bool = True) -> None:
        super().__init__(loss_weight, reduction, normalize_by_weights)
        self.init_class_statistics(num_classes)

    def class_weights(self) -> Tensor:
        return inverse_frequency_weights(self.require_class_counts())

    def sample_losses(self, cls_score: Tensor, target: Tensor) -> Tensor:
        return soft_cross_entropy(cls_score, target, self.class_weights())
